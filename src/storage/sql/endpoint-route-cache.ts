import type { EndpointRoute } from '../storage.ts';

/**
 * Each workspace's fan-out routes, kept in memory beside the version they were read at
 * (`workspaces.endpoints_version`, bumped by a trigger whenever an endpoint is added or its URL, event
 * types, enabled flag or deletion changes). A publish then costs one primary-key read instead of
 * reading every endpoint; another process's change shows in the version, so the cache is never stale.
 */
export class EndpointRouteCache {
  readonly #byWorkspace = new Map<string, { version: number; routes: EndpointRoute[] }>();

  /** The routes at `version`, read by `load` only when the cached ones are of another version. */
  async get(workspaceId: string, version: number, load: () => Promise<EndpointRoute[]> | EndpointRoute[]): Promise<EndpointRoute[]> {
    const cached = this.#byWorkspace.get(workspaceId);
    if (cached && cached.version === version) return cached.routes;
    const routes = await load();
    this.#byWorkspace.set(workspaceId, { version, routes });
    return routes;
  }
}
