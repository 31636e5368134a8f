import type { DeliveryError } from '../domain/delivery-error.ts';
import type { AttemptStatus, AttemptTrigger, DeliveryStatus, EndpointMethod } from '../domain/statuses.ts';

// What storage keeps, as the rest of Herald sees it: JSON columns parsed, times in epoch ms.
// The API's shapes are built from these in src/http/presenters.ts; the SQL rows stay inside each backend.

export interface WorkspaceRecord {
  id: string;
  name: string;
  createdAt: number;
}

export interface ApiKeyRecord {
  id: string;
  workspaceId: string;
  name: string;
  /** SHA-256 of the key, hex. The key itself is never stored. */
  keyHash: string;
  createdAt: number;
}

export interface EndpointRecord {
  id: string;
  workspaceId: string;
  url: string;
  description: string | null;
  /** `null` = every event type. */
  eventTypes: string[] | null;
  method: EndpointMethod;
  headers: Record<string, string>;
  secret: string;
  /** The secret before the last rotation, still signed with until `previousSecretExpiresAt`. */
  previousSecret: string | null;
  previousSecretExpiresAt: number | null;
  enabled: boolean;
  disabledReason: string | null;
  timeoutMs: number;
  maxAttempts: number;
  rateLimitPerS: number | null;
  metadata: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
}

export interface EventRecord {
  id: string;
  workspaceId: string;
  type: string;
  /** The payload as JSON text, sent byte for byte. */
  payload: string;
  tags: Record<string, string>;
  createdAt: number;
}

export interface DeliveryRecord {
  id: string;
  workspaceId: string;
  eventId: string;
  endpointId: string;
  endpointUrl: string;
  eventType: string;
  status: DeliveryStatus;
  attemptCount: number;
  /** When the next attempt is due (queued, pending_retry) or the lease ends (delivering); null once terminal. */
  runAt: number | null;
  /** The trigger of the next attempt: `manual` after a retry request. */
  nextTrigger: AttemptTrigger;
  createdAt: number;
  deliveredAt: number | null;
  responseStatus: number | null;
  responseLatencyMs: number | null;
  lastError: DeliveryError | null;
  tags: Record<string, string>;
}

export interface AttemptTimings {
  dnsMs: number | null;
  connectMs: number | null;
  tlsMs: number | null;
  ttfbMs: number | null;
}

/** One HTTP attempt: a log entry. */
export interface AttemptRecord {
  id: string;
  workspaceId: string;
  deliveryId: string;
  eventId: string;
  endpointId: string;
  endpointUrl: string;
  eventType: string;
  attempt: number;
  trigger: AttemptTrigger;
  status: AttemptStatus;
  httpMethod: string;
  httpStatus: number | null;
  error: DeliveryError | null;
  durationMs: number;
  timings: AttemptTimings;
  willRetry: boolean;
  nextAttemptAt: number | null;
  tags: Record<string, string>;
  createdAt: number;
  completedAt: number;
}

/** The heavy part of a log entry, kept apart so lists stay narrow. */
export interface AttemptDetail {
  requestHeaders: Record<string, string>;
  responseHeaders: Record<string, string>;
  responseBody: string;
  responseBodyTruncated: boolean;
}
