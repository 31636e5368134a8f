import type { AttemptRecord } from '../storage/records.ts';
import type { AttemptFilters } from '../storage/storage.ts';

/**
 * Does a log entry pass the log filters? The same rules as storage's WHERE clauses, applied in
 * memory, for the live tail. `search` is not judged here (it needs the text index): the caller
 * asks storage for it.
 */
export function matchesAttemptFilters(a: AttemptRecord, f: AttemptFilters): boolean {
  if (a.workspaceId !== f.workspaceId) return false;
  if (f.endpointId !== undefined && a.endpointId !== f.endpointId) return false;
  if (f.deliveryId !== undefined && a.deliveryId !== f.deliveryId) return false;
  if (f.eventId !== undefined && a.eventId !== f.eventId) return false;
  if (f.eventTypes !== undefined && !f.eventTypes.includes(a.eventType)) return false;
  if (f.status !== undefined && a.status !== f.status) return false;
  if (f.httpMethods !== undefined && !f.httpMethods.includes(a.httpMethod)) return false;
  if (f.trigger !== undefined && a.trigger !== f.trigger) return false;
  if (f.attempts !== undefined && !f.attempts.includes(a.attempt)) return false;
  if (f.startTime !== undefined && a.createdAt < f.startTime) return false;
  if (f.endTime !== undefined && a.createdAt >= f.endTime) return false;
  for (const [key, value] of Object.entries(f.tags ?? {})) if (a.tags[key] !== value) return false;
  if (f.httpStatus) {
    const status = a.httpStatus;
    if (status === null) return false;
    const { exact, classes, gte, gt, lte, lt } = f.httpStatus;
    const listed = (exact?.length ?? 0) + (classes?.length ?? 0) > 0;
    if (listed && !(exact ?? []).includes(status) && !(classes ?? []).includes(Math.floor(status / 100))) return false;
    if ((gte !== undefined && status < gte) || (gt !== undefined && status <= gt)) return false;
    if ((lte !== undefined && status > lte) || (lt !== undefined && status >= lt)) return false;
  }
  return true;
}
