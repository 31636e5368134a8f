/** Herald's own operational events (`herald.endpoint.disabled`, …) start with this. */
export const OPERATIONAL_EVENT_PREFIX = 'herald.';

/**
 * Does an event type match an endpoint's `event_types`?
 * `null` or an empty list means every event of the product; Herald's own `herald.*` events go only to
 * endpoints that name them with a pattern starting with `herald.` (so a catch-all endpoint is not
 * surprised by them). A pattern is an exact type (`call.ended`) or
 * contains `*`, which matches any run of characters, dots included: `call.*` matches
 * `call.ended` and `call.leg.ended`; `*.failed` matches `invoice.failed`; `*` matches all.
 */
export function matchesEventTypes(patterns: readonly string[] | null, eventType: string): boolean {
  if (eventType.startsWith(OPERATIONAL_EVENT_PREFIX)) {
    return (patterns ?? []).some((pattern) => pattern.startsWith(OPERATIONAL_EVENT_PREFIX) && matchesPattern(pattern, eventType));
  }
  if (patterns === null || patterns.length === 0) return true;
  return patterns.some((pattern) => matchesPattern(pattern, eventType));
}

function matchesPattern(pattern: string, eventType: string): boolean {
  if (!pattern.includes('*')) return pattern === eventType;
  const parts = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('.*')}$`).test(eventType);
}

/** Event types and patterns: letters, digits, `.`, `_`, `-`, `*` (patterns only), at most 128 characters. */
export const EVENT_TYPE_PATTERN = '^[A-Za-z0-9_.\\-]{1,128}$';
export const EVENT_TYPE_FILTER_PATTERN = '^[A-Za-z0-9_.\\-*]{1,128}$';
