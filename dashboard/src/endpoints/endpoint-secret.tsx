import { useState } from 'react';
import { unwrap } from '../api/api-error.ts';
import { Notice } from '../components/notice.tsx';
import { useAction } from '../hooks/use-action.ts';

/**
 * The signing secret: hidden until asked for; rotation keeps the old secret signing for a grace
 * period (default 24 h) so receivers can switch without dropping a webhook.
 */
export function EndpointSecret({ endpointId }: { endpointId: string }) {
  const [secret, setSecret] = useState<string | null>(null);
  const [grace, setGrace] = useState('86400');
  const reveal = useAction(async ({ client }) => {
    const { secret: value } = unwrap(await client.GET('/v1/endpoints/{id}/secret', { params: { path: { id: endpointId } } }));
    setSecret(value);
  }, 'Shown below. Keep it out of logs and chats.');
  const rotate = useAction(async ({ client }) => {
    unwrap(await client.POST('/v1/endpoints/{id}/secret/rotate', { params: { path: { id: endpointId } }, body: { grace_period_s: Number(grace) } }));
    const { secret: value } = unwrap(await client.GET('/v1/endpoints/{id}/secret', { params: { path: { id: endpointId } } }));
    setSecret(value);
  }, () => `Rotated. The old secret keeps signing for ${Number(grace) >= 3600 ? `${Math.round(Number(grace) / 3600)} h` : `${grace} s`}; give the new one to the receiver.`);

  return (
    <div className="secret">
      <div className="secret-value">
        {secret ? <code data-testid="endpoint-secret">{secret}</code> : <code aria-label="Hidden secret">whsec_••••••••••••••••</code>}
      </div>
      <div className="button-row">
        {secret ? (
          <button type="button" className="button" onClick={() => { setSecret(null); reveal.clear(); }}>Hide secret</button>
        ) : (
          <button type="button" className="button" onClick={() => reveal.run()} disabled={reveal.running}>Reveal secret</button>
        )}
        <label className="inline-field">
          Grace period
          <select value={grace} onChange={(e) => setGrace(e.target.value)}>
            <option value="0">none</option>
            <option value="3600">1 hour</option>
            <option value="86400">24 hours</option>
            <option value="604800">7 days</option>
          </select>
        </label>
        <button type="button" className="button" onClick={() => rotate.run()} disabled={rotate.running}>
          {rotate.running ? 'Rotating…' : 'Rotate secret'}
        </button>
      </div>
      <Notice message={rotate.message ?? reveal.message} error={rotate.error ?? reveal.error} />
    </div>
  );
}
