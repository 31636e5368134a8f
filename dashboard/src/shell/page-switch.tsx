import { EmptyState } from '../components/empty-state.tsx';
import { EndpointNewPage } from '../endpoints/endpoint-new-page.tsx';
import { EndpointPage } from '../endpoints/endpoint-page.tsx';
import { EndpointsPage } from '../endpoints/endpoints-page.tsx';
import { EventPage } from '../events/event-page.tsx';
import { EventsPage } from '../events/events-page.tsx';
import { LogDetailPage } from '../logs/log-detail-page.tsx';
import { LogsPage } from '../logs/logs-page.tsx';
import { Link } from '../routing/link.tsx';
import { matchRoute } from '../routing/match-route.ts';

/** The page for a path. */
export function PageSwitch({ pathname }: { pathname: string }) {
  const route = matchRoute(pathname);
  switch (route.page) {
    case 'logs': return <LogsPage />;
    case 'log': return <LogDetailPage key={route.id} id={route.id} />;
    case 'endpoints': return <EndpointsPage />;
    case 'endpoint-new': return <EndpointNewPage />;
    case 'endpoint': return <EndpointPage key={route.id} id={route.id} />;
    case 'events': return <EventsPage />;
    case 'event': return <EventPage key={route.id} id={route.id} />;
    case 'not-found':
      return <EmptyState title="There is no page here" action={<Link className="button" to="/logs">Go to the logs</Link>}>Check the address, or start from the logs.</EmptyState>;
  }
}
