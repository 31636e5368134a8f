import { useState } from 'react';
import { toApiError, unwrap } from '../api/api-error.ts';
import { useApi } from '../api/api-context.tsx';
import { ErrorState } from '../components/error-state.tsx';
import { LoadingState } from '../components/loading-state.tsx';
import { Notice } from '../components/notice.tsx';
import { PageHeader } from '../components/page-header.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { useAction } from '../hooks/use-action.ts';
import { useResource } from '../hooks/use-resource.ts';
import { shortUrl } from '../lib/format.ts';
import { Link } from '../routing/link.tsx';
import { logsHref } from '../logs/log-filters.ts';
import { draftOf } from './endpoint-draft.ts';
import { EndpointCharts } from './endpoint-charts.tsx';
import { EndpointFacts } from './endpoint-facts.tsx';
import { EndpointForm } from './endpoint-form.tsx';
import { EndpointRecentLogs } from './endpoint-recent-logs.tsx';
import { EndpointSecret } from './endpoint-secret.tsx';

/** One endpoint: its settings (editable), secret, charts and latest attempts; test, enable, disable. */
export function EndpointPage({ id }: { id: string }) {
  const { client } = useApi();
  const endpoint = useResource(async ({ client: c }) => unwrap(await c.GET('/v1/endpoints/{id}', { params: { path: { id } } })), [id]);
  const [editing, setEditing] = useState(false);
  const [testedAt, setTestedAt] = useState(0);
  const test = useAction(async ({ client: c }) => unwrap(await c.POST('/v1/endpoints/{id}/test', { params: { path: { id } } })), (sent) => `Test event ${sent.id} sent. Its attempt shows under “Latest attempts” in a moment.`);
  const toggle = useAction(async ({ client: c }, enabled: boolean) => unwrap(await c.PATCH('/v1/endpoints/{id}', { params: { path: { id } }, body: { enabled } })), (e) => (e.enabled ? 'Enabled: Herald delivers to it again.' : 'Disabled: new events skip it until you enable it.'));

  const back = <Link to="/endpoints">← Endpoints</Link>;
  if (endpoint.error && !endpoint.data) return <><PageHeader title="Endpoint" back={back} /><ErrorState error={endpoint.error} onRetry={endpoint.reload} what="endpoint" /></>;
  if (!endpoint.data) return <LoadingState label="Loading the endpoint…" />;
  const e = endpoint.data;

  const actions = (
    <>
      <button type="button" className="button button-primary" onClick={async () => { toggle.clear(); if (await test.run()) setTestedAt(Date.now()); }} disabled={test.running || !e.enabled}>
        {test.running ? 'Sending…' : 'Send test event'}
      </button>
      <button type="button" className="button" onClick={async () => { test.clear(); if (await toggle.run(!e.enabled)) endpoint.reload(); }} disabled={toggle.running}>
        {e.enabled ? 'Disable' : 'Enable'}
      </button>
      <button type="button" className="button" aria-expanded={editing} onClick={() => setEditing(!editing)}>{editing ? 'Close editor' : 'Edit'}</button>
    </>
  );

  return (
    <article className="detail">
      <PageHeader
        back={back}
        title={e.description || shortUrl(e.url)}
        subtitle={<>{e.enabled ? <StatusBadge status="healthy" label="Enabled" /> : <StatusBadge status="disabled" />} {e.disabled_reason ? <span className="text-bad">{e.disabled_reason}</span> : null}</>}
        actions={actions}
      />
      <Notice message={test.message} error={test.error} />
      <Notice message={toggle.message} error={toggle.error} />
      {!e.enabled ? <p className="notice">This endpoint is disabled: enable it to send a test event or receive new events.</p> : null}

      {editing ? (
        <section aria-labelledby="edit-title">
          <h2 id="edit-title">Edit endpoint</h2>
          <EndpointForm
            initial={draftOf(e)}
            submitLabel="Save changes"
            showEnabled={false}
            onCancel={() => setEditing(false)}
            onSubmit={async (body) => {
              try {
                const { enabled: _enabled, ...changes } = body;
                unwrap(await client.PATCH('/v1/endpoints/{id}', { params: { path: { id } }, body: changes }));
                setEditing(false);
                endpoint.reload();
                return null;
              } catch (thrown) {
                return toApiError(thrown);
              }
            }}
          />
        </section>
      ) : null}

      <div className="detail-grid">
        <section className="panel" aria-labelledby="settings-title">
          <h2 id="settings-title">Settings</h2>
          <EndpointFacts endpoint={e} />
        </section>
        <section className="panel" aria-labelledby="secret-title">
          <h2 id="secret-title">Signing secret</h2>
          <p className="muted small">Receivers check the <code>webhook-signature</code> header with it (Standard Webhooks).</p>
          <EndpointSecret endpointId={e.id} />
        </section>
      </div>

      <section aria-labelledby="stats-title">
        <h2 id="stats-title">Delivery statistics</h2>
        <EndpointCharts endpointId={e.id} />
      </section>

      <section aria-labelledby="recent-title">
        <div className="section-header">
          <h2 id="recent-title">Latest attempts</h2>
          <Link to={logsHref({ endpoint_id: e.id })}>All attempts in the log →</Link>
        </div>
        <EndpointRecentLogs endpointId={e.id} refreshKey={testedAt} />
      </section>
    </article>
  );
}
