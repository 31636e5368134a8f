import type { paths } from '../client/index.ts';
import type { Palette } from './colour.ts';
import type { Column } from './table.ts';
import { orDash } from './output.ts';

type Endpoint = paths['/v1/endpoints/{id}']['get']['responses'][200]['content']['application/json'];

/** The columns of the endpoint table. */
export const ENDPOINT_COLUMNS: Column[] = [
  { header: 'id' },
  { header: 'url', maxWidth: 60 },
  { header: 'event types', maxWidth: 40 },
  { header: 'state', maxWidth: 50 },
  { header: 'created' },
];

/** One endpoint as a table row; a disabled one says why, in red. */
export function endpointRow(endpoint: Partial<Endpoint> & { id: string }, palette: Palette): string[] {
  return [
    endpoint.id,
    orDash(endpoint.url),
    endpoint.event_types === undefined ? '—' : endpoint.event_types === null ? '(every event)' : endpoint.event_types.join(','),
    endpoint.enabled === undefined
      ? '—'
      : endpoint.enabled
        ? palette.paint('green', 'enabled')
        : palette.paint('red', `disabled${endpoint.disabled_reason ? `: ${endpoint.disabled_reason}` : ''}`),
    orDash(endpoint.created_at),
  ];
}
