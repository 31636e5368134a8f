import type { EndpointRoute, VersionedRoutes } from '../storage.ts';

/**
 * Each workspace's fan-out routes, kept in memory beside the version they were read at
 * (`workspaces.endpoints_version`, bumped by a trigger whenever an endpoint is added or its URL, event
 * types, enabled flag or deletion changes). A publish fans out to the cached routes without reading
 * anything, and its write checks their version (`routesForPublish`, `publishEvents`; on PostgreSQL in
 * the same statement, saving a round trip); when another process, or this one, changed an endpoint
 * since, the routes are read afresh: a primary-key read of the version, and the endpoints themselves
 * only when the cached ones are of another version.
 */
export class EndpointRouteCache {
  readonly #byWorkspace = new Map<string, VersionedRoutes>();

  /**
   * Unless `fresh`, the routes last read for the workspace, unchecked. Otherwise (or when none were
   * read yet) the current version, by `version`, and the routes of that version, read by `load` only
   * when the cached ones are of another version.
   */
  async read(
    workspaceId: string,
    options: { fresh: boolean },
    version: () => Promise<number> | number,
    load: () => Promise<EndpointRoute[]> | EndpointRoute[],
  ): Promise<VersionedRoutes> {
    const cached = this.#byWorkspace.get(workspaceId);
    if (cached && !options.fresh) return cached;
    const current = await version();
    if (cached && cached.version === current) return cached;
    const read = { version: current, routes: await load() };
    this.#byWorkspace.set(workspaceId, read);
    return read;
  }
}
