import { signatureHeader } from '../domain/signature.ts';
import type { SendRequest } from '../delivery/sender.ts';
import type { EndpointRecord } from '../storage/records.ts';
import type { ClaimedDelivery } from '../storage/storage.ts';
import { signingSecrets } from '../services/endpoint-service.ts';

/** `Herald/<version>`, sent as `user-agent`. */
export const USER_AGENT = 'Herald/0.1.0';

/**
 * The HTTP request for one attempt: the payload byte for byte, the endpoint's own headers, and
 * Standard Webhooks signing. `webhook-id` is the event id on every attempt, so receivers can dedupe;
 * `herald-event-type` names the event's type, so a receiver can route without parsing the body.
 */
export function signedRequest(claimed: ClaimedDelivery, endpoint: EndpointRecord, nowMs: number): SendRequest {
  const timestamp = Math.floor(nowMs / 1000);
  const webhookId = claimed.delivery.eventId;
  return {
    url: endpoint.url,
    method: endpoint.method,
    body: claimed.payload,
    timeoutMs: endpoint.timeoutMs,
    headers: {
      ...endpoint.headers,
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
      'herald-event-type': claimed.delivery.eventType,
      'webhook-id': webhookId,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signatureHeader(signingSecrets(endpoint, nowMs), webhookId, timestamp, claimed.payload),
    },
  };
}
