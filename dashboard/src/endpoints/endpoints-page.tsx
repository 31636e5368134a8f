import { EmptyState } from '../components/empty-state.tsx';
import { ErrorState } from '../components/error-state.tsx';
import { LoadingState } from '../components/loading-state.tsx';
import { PageHeader } from '../components/page-header.tsx';
import { Link } from '../routing/link.tsx';
import { EndpointRow } from './endpoint-row.tsx';
import { useEndpoints } from './use-endpoints.ts';

/** Every endpoint of the workspace with its health; the way to add one. */
export function EndpointsPage() {
  const endpoints = useEndpoints();
  const add = <Link className="button button-primary" to="/endpoints/new">New endpoint</Link>;
  return (
    <section>
      <PageHeader title="Endpoints" subtitle="Where Herald delivers your events. Health and success rate cover the last 24 hours of attempts." actions={add} />
      {endpoints.error && !endpoints.data ? (
        <ErrorState error={endpoints.error} onRetry={endpoints.reload} what="the endpoints" />
      ) : !endpoints.data ? (
        <LoadingState label="Loading the endpoints…" />
      ) : endpoints.data.length === 0 ? (
        <EmptyState title="No endpoints yet" action={add}>
          An endpoint is a URL of yours that receives events. Add one, then press “Send test event” to see a delivery arrive.
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table className="data-table endpoint-table">
            <caption className="visually-hidden">Endpoints</caption>
            <thead>
              <tr>
                <th scope="col">Health</th>
                <th scope="col">Endpoint</th>
                <th scope="col">Events</th>
                <th scope="col">Success, last 24 h</th>
                <th scope="col" className="num">Attempts</th>
              </tr>
            </thead>
            <tbody>
              {endpoints.data.map((endpoint) => <EndpointRow key={endpoint.id} endpoint={endpoint} />)}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
