import { unwrap } from '../api/api-error.ts';
import type { Endpoint } from '../api/api-types.ts';
import { useResource, type Resource } from '../hooks/use-resource.ts';

/** The workspace's endpoints (first 500), for pickers and names. */
export function useEndpoints(reloadKey: unknown = 0): Resource<Endpoint[]> {
  return useResource(async ({ client }) => {
    const page = unwrap(await client.GET('/v1/endpoints', { params: { query: { limit: '500', sort: 'created_at' } } }));
    return page.data;
  }, [reloadKey]);
}
