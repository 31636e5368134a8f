import { useId, useState, type FormEvent } from 'react';
import { createHeraldClient } from '../../../src/client/index.ts';
import { toApiError, unwrap } from '../api/api-error.ts';

/**
 * Sign in by pasting a workspace API key. The key is checked against Herald, then kept in this
 * tab's sessionStorage only: never in the URL, gone when the tab closes.
 */
export function SignInPage({ onSignIn, reason }: { onSignIn: (key: string) => void; reason: string | null }) {
  const id = useId();
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [checking, setChecking] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const trimmed = key.trim();
    if (trimmed === '') {
      setError('Paste an API key first.');
      return;
    }
    setChecking(true);
    setError(null);
    try {
      const client = createHeraldClient({ baseUrl: window.location.origin, apiKey: trimmed });
      unwrap(await client.GET('/v1/endpoints', { params: { query: { limit: '1', fields: 'id' } } }));
      onSignIn(trimmed);
    } catch (thrown) {
      const failure = toApiError(thrown);
      setError(
        failure.status === 401 ? 'Herald does not know that key. Check you copied all of it.'
          : failure.status === 403 ? 'That is the admin key: sign in with a workspace key (create one with POST /v1/workspaces/{id}/api-keys).'
            : failure.message,
      );
    } finally {
      setChecking(false);
    }
  };

  return (
    <main className="sign-in" id="main">
      <form className="sign-in-card panel" onSubmit={submit} aria-labelledby={`${id}-title`}>
        <div className="brand brand-large"><span className="brand-mark" aria-hidden="true">H</span> Herald</div>
        <h1 id={`${id}-title`}>Sign in</h1>
        {reason ? <p className="notice notice-error" role="alert">{reason}</p> : null}
        <div className="field">
          <label htmlFor={`${id}-key`}>Workspace API key</label>
          <input
            id={`${id}-key`}
            type="password"
            autoComplete="off"
            spellCheck={false}
            value={key}
            onChange={(e) => setKey(e.target.value)}
            aria-describedby={`${id}-hint${error ? ` ${id}-error` : ''}`}
            aria-invalid={error ? true : undefined}
            autoFocus
          />
          <span id={`${id}-hint`} className="field-hint">
            Herald printed one on its first start (or use <code>HERALD_API_KEY</code>). It stays in this tab only.
          </span>
          {error ? <span id={`${id}-error`} className="field-error" role="alert">{error}</span> : null}
        </div>
        <button type="submit" className="button button-primary button-block" disabled={checking}>{checking ? 'Checking…' : 'Sign in'}</button>
      </form>
    </main>
  );
}
