import { useId, useState, type FormEvent, type ReactNode } from 'react';
import type { ApiError } from '../api/api-error.ts';
import { bodyOf, fieldOfApi, type DraftErrors, type EndpointDraft } from './endpoint-draft.ts';
import type { EndpointCreate } from '../api/api-types.ts';

/**
 * Create or edit an endpoint. `onSubmit` calls Herald and resolves with its error (or null);
 * Herald's 422 details land beside the fields they name.
 */
export function EndpointForm({ initial, submitLabel, onSubmit, onCancel, showEnabled }: {
  initial: EndpointDraft;
  submitLabel: string;
  onSubmit: (body: EndpointCreate) => Promise<ApiError | null>;
  onCancel?: () => void;
  showEnabled: boolean;
}) {
  const id = useId();
  const [draft, setDraft] = useState(initial);
  const [errors, setErrors] = useState<DraftErrors>({});
  const [failure, setFailure] = useState<ApiError | null>(null);
  const [saving, setSaving] = useState(false);
  const set = <K extends keyof EndpointDraft>(key: K, value: EndpointDraft[K]) => setDraft((d) => ({ ...d, [key]: value }));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const { body, errors: local } = bodyOf(draft);
    setErrors(local);
    setFailure(null);
    if (Object.keys(local).length > 0) return;
    setSaving(true);
    const error = await onSubmit(body);
    setSaving(false);
    if (!error) return;
    const fromApi: DraftErrors = {};
    for (const detail of error.details) {
      const field = fieldOfApi(detail.field);
      if (field) fromApi[field] = `${detail.message}`;
    }
    setErrors(fromApi);
    setFailure(error);
  };

  const row = (key: keyof EndpointDraft, label: string, input: (fieldId: string, describedBy: string | undefined) => ReactNode, hint?: string) => {
    const fieldId = `${id}-${key}`;
    const describedBy = [hint ? `${fieldId}-hint` : '', errors[key] ? `${fieldId}-error` : ''].filter(Boolean).join(' ') || undefined;
    return (
      <div className={`field${errors[key] ? ' field-invalid' : ''}`}>
        <label htmlFor={fieldId}>{label}</label>
        {input(fieldId, describedBy)}
        {hint ? <span id={`${fieldId}-hint`} className="field-hint">{hint}</span> : null}
        {errors[key] ? <span id={`${fieldId}-error`} className="field-error">{errors[key]}</span> : null}
      </div>
    );
  };

  return (
    <form className="form panel" onSubmit={submit} noValidate>
      {failure ? <p className="notice notice-error" role="alert">Herald refused it: {failure.message}</p> : null}
      {row('url', 'URL', (fid, d) => (
        <input id={fid} type="url" required value={draft.url} onChange={(e) => set('url', e.target.value)} aria-describedby={d} aria-invalid={errors.url ? true : undefined} placeholder="https://example.com/webhooks/herald" />
      ), 'Must be https:// unless Herald runs with HERALD_ALLOW_HTTP=true.')}
      {row('description', 'Description', (fid, d) => (
        <input id={fid} value={draft.description} onChange={(e) => set('description', e.target.value)} aria-describedby={d} placeholder="Billing service" />
      ))}
      {row('eventTypes', 'Event types', (fid, d) => (
        <input id={fid} value={draft.eventTypes} onChange={(e) => set('eventTypes', e.target.value)} aria-describedby={d} placeholder="call.ended, invoice.*" />
      ), 'Comma-separated; * matches a suffix. Leave empty for every event.')}
      <div className="form-row">
        {row('method', 'Method', (fid, d) => (
          <select id={fid} value={draft.method} onChange={(e) => set('method', e.target.value as EndpointDraft['method'])} aria-describedby={d}>
            <option>POST</option>
            <option>PUT</option>
            <option>PATCH</option>
          </select>
        ))}
        {row('timeoutMs', 'Timeout (ms)', (fid, d) => (
          <input id={fid} inputMode="numeric" value={draft.timeoutMs} onChange={(e) => set('timeoutMs', e.target.value)} aria-describedby={d} placeholder="15000" />
        ))}
        {row('maxAttempts', 'Max attempts', (fid, d) => (
          <input id={fid} inputMode="numeric" value={draft.maxAttempts} onChange={(e) => set('maxAttempts', e.target.value)} aria-describedby={d} placeholder="8" />
        ))}
        {row('rateLimitPerS', 'Rate limit (per s)', (fid, d) => (
          <input id={fid} inputMode="numeric" value={draft.rateLimitPerS} onChange={(e) => set('rateLimitPerS', e.target.value)} aria-describedby={d} placeholder="none" />
        ))}
      </div>
      {row('headers', 'Extra headers', (fid, d) => (
        <textarea id={fid} rows={3} value={draft.headers} onChange={(e) => set('headers', e.target.value)} aria-describedby={d} placeholder={'X-Team: billing'} />
      ), 'One per line, "Name: value". Sent with every request.')}
      {showEnabled ? (
        <div className="field field-check">
          <input id={`${id}-enabled`} type="checkbox" checked={draft.enabled} onChange={(e) => set('enabled', e.target.checked)} />
          <label htmlFor={`${id}-enabled`}>Enabled: deliver events to it right away</label>
        </div>
      ) : null}
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={saving}>{saving ? 'Saving…' : submitLabel}</button>
        {onCancel ? <button type="button" className="button" onClick={onCancel}>Cancel</button> : null}
      </div>
    </form>
  );
}
