import type { Endpoint, EndpointCreate } from '../api/api-types.ts';

/** The endpoint form's fields, as typed (strings), before they become an API body. */
export interface EndpointDraft {
  url: string;
  description: string;
  eventTypes: string;
  method: 'POST' | 'PUT' | 'PATCH';
  headers: string;
  timeoutMs: string;
  maxAttempts: string;
  rateLimitPerS: string;
  enabled: boolean;
}

export const EMPTY_DRAFT: EndpointDraft = {
  url: '', description: '', eventTypes: '', method: 'POST', headers: '', timeoutMs: '', maxAttempts: '', rateLimitPerS: '', enabled: true,
};

/** An endpoint → the form, to edit it. */
export function draftOf(endpoint: Endpoint): EndpointDraft {
  return {
    url: endpoint.url,
    description: endpoint.description ?? '',
    eventTypes: (endpoint.event_types ?? []).join(', '),
    method: endpoint.method,
    headers: Object.entries(endpoint.headers).map(([k, v]) => `${k}: ${v}`).join('\n'),
    timeoutMs: String(endpoint.timeout_ms),
    maxAttempts: String(endpoint.max_attempts),
    rateLimitPerS: endpoint.rate_limit_per_s === null ? '' : String(endpoint.rate_limit_per_s),
    enabled: endpoint.enabled,
  };
}

/** Form field → error message, for what can be told before asking Herald. */
export type DraftErrors = Partial<Record<keyof EndpointDraft, string>>;

/**
 * The form → the API body (the same shape for create and edit; edit sends every field, so a
 * cleared field clears the value). Herald validates the rest and answers 422 with details.
 */
export function bodyOf(draft: EndpointDraft): { body: EndpointCreate; errors: DraftErrors } {
  const errors: DraftErrors = {};
  const headers: Record<string, string> = {};
  for (const line of draft.headers.split('\n').map((l) => l.trim()).filter(Boolean)) {
    const colon = line.indexOf(':');
    if (colon <= 0) errors.headers = `Write one header per line as "Name: value" ("${line}" is not).`;
    else headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  const integer = (text: string, field: keyof EndpointDraft): number | undefined => {
    if (text.trim() === '') return undefined;
    const n = Number(text);
    if (!Number.isInteger(n) || n < 0) errors[field] = 'Enter a whole number.';
    return n;
  };
  const eventTypes = draft.eventTypes.split(',').map((t) => t.trim()).filter(Boolean);
  const timeout = integer(draft.timeoutMs, 'timeoutMs');
  const maxAttempts = integer(draft.maxAttempts, 'maxAttempts');
  const rate = integer(draft.rateLimitPerS, 'rateLimitPerS');
  const body: EndpointCreate = {
    url: draft.url.trim(),
    description: draft.description.trim() === '' ? null : draft.description.trim(),
    event_types: eventTypes.length === 0 ? null : eventTypes,
    method: draft.method,
    headers,
    enabled: draft.enabled,
    rate_limit_per_s: rate ?? null,
    ...(timeout !== undefined ? { timeout_ms: timeout } : {}),
    ...(maxAttempts !== undefined ? { max_attempts: maxAttempts } : {}),
  };
  if (body.url === '') errors.url = 'Enter the URL Herald should deliver to.';
  return { body, errors };
}

/** Herald's 422 details (`field` is the API's name) → the form's fields. */
export function fieldOfApi(field: string): keyof EndpointDraft | null {
  const map: Record<string, keyof EndpointDraft> = {
    url: 'url', description: 'description', event_types: 'eventTypes', method: 'method', headers: 'headers',
    timeout_ms: 'timeoutMs', max_attempts: 'maxAttempts', rate_limit_per_s: 'rateLimitPerS', enabled: 'enabled',
  };
  return map[field.split('.')[0] ?? ''] ?? null;
}
