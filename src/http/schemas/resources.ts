import { Type } from 'typebox';
import { Tags, Timestamp } from './common.ts';

const NullableString = Type.Union([Type.String(), Type.Null()]);
/** Text stored as it is (not inside JSON): NUL characters refused, as PostgreSQL cannot store them. */
export const NO_NUL = '^[^\\u0000]*$';
const NullableInteger = Type.Union([Type.Integer(), Type.Null()]);
const NullableTimestamp = Type.Union([Timestamp, Type.Null()]);
const DeliveryErrorSchema = Type.Union([
  Type.Object({
    code: Type.String({ description: 'TIMEOUT, CONNECTION_REFUSED, CONNECTION_RESET, DNS_FAILURE, TLS_ERROR, BLOCKED_ADDRESS, HTTP_STATUS, ENDPOINT_DISABLED, INTERNAL' }),
    message: Type.String(),
  }),
  Type.Null(),
]);

export const Workspace = Type.Object({ id: Type.String(), name: Type.String(), created_at: Timestamp }, { $id: 'Workspace' });

export const Method = Type.Union([Type.Literal('POST'), Type.Literal('PUT'), Type.Literal('PATCH')]);

const endpointFields = {
  url: Type.String({ maxLength: 2048, pattern: NO_NUL, description: 'https:// (http:// only with HERALD_ALLOW_HTTP); private addresses refused unless HERALD_ALLOW_PRIVATE_NETWORKS' }),
  description: Type.Optional(Type.Union([Type.String({ maxLength: 1024, pattern: NO_NUL }), Type.Null()])),
  event_types: Type.Optional(Type.Union([Type.Array(Type.String()), Type.Null()], { description: 'Exact types or patterns with *; omitted or null = every event' })),
  method: Type.Optional(Method),
  headers: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'Sent with every request; Herald-owned names refused' })),
  secret: Type.Optional(Type.String({ description: 'whsec_ + base64 of 24–64 bytes; generated when omitted' })),
  enabled: Type.Optional(Type.Boolean()),
  timeout_ms: Type.Optional(Type.Integer({ minimum: 100, maximum: 120_000, description: 'Default 15000' })),
  max_attempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, description: 'Default: the retry schedule length + 1 (8)' })),
  rate_limit_per_s: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 100_000 }), Type.Null()])),
  metadata: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
};

export const EndpointCreate = Type.Object(endpointFields, { additionalProperties: false });
export const EndpointPatch = Type.Object({ ...endpointFields, url: Type.Optional(endpointFields.url) }, { additionalProperties: false });

export const Endpoint = Type.Object(
  {
    id: Type.String(),
    url: Type.String(),
    description: NullableString,
    event_types: Type.Union([Type.Array(Type.String()), Type.Null()]),
    method: Method,
    headers: Type.Record(Type.String(), Type.String()),
    enabled: Type.Boolean(),
    disabled_reason: NullableString,
    timeout_ms: Type.Integer(),
    max_attempts: Type.Integer(),
    rate_limit_per_s: NullableInteger,
    metadata: Type.Record(Type.String(), Type.Unknown()),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { $id: 'Endpoint' },
);

export const SecretRotate = Type.Object(
  {
    grace_period_s: Type.Optional(Type.Integer({ minimum: 0, maximum: 604_800, description: 'How long the old secret keeps signing too; default 86400' })),
    secret: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export const EventPublish = Type.Object(
  {
    type: Type.String({ pattern: '^[A-Za-z0-9_.\\-]{1,128}$', description: 'Letters, digits, ".", "_", "-"' }),
    payload: Type.Unknown({ description: 'Any JSON; delivered byte for byte as stored' }),
    tags: Type.Optional(Type.Record(Type.String(), Type.String({ pattern: NO_NUL }))),
    endpoint_ids: Type.Optional(Type.Array(Type.String(), { maxItems: 1000, description: 'Narrows the fan-out to these endpoints' })),
  },
  { additionalProperties: false },
);

export const EventBatch = Type.Object({ events: Type.Array(EventPublish, { minItems: 1, maxItems: 1000 }) }, { additionalProperties: false });

export const PublishedEvent = Type.Object(
  {
    id: Type.String(),
    type: Type.String(),
    tags: Tags,
    created_at: Timestamp,
    deliveries: Type.Array(Type.Object({ id: Type.String(), endpoint_id: Type.String() })),
  },
  { $id: 'PublishedEvent' },
);

export const Delivery = Type.Object(
  {
    id: Type.String(),
    event_id: Type.String(),
    endpoint_id: Type.String(),
    endpoint_url: Type.String(),
    event_type: Type.String(),
    status: Type.String({ description: 'queued, delivering, succeeded, pending_retry, failed_permanent' }),
    attempt_count: Type.Integer(),
    created_at: Timestamp,
    delivered_at: NullableTimestamp,
    next_attempt_at: NullableTimestamp,
    response_status: NullableInteger,
    response_latency_ms: NullableInteger,
    last_error: DeliveryErrorSchema,
    tags: Tags,
  },
  { $id: 'Delivery' },
);

export const Event = Type.Object(
  {
    id: Type.String(),
    type: Type.String(),
    payload: Type.Unknown(),
    tags: Tags,
    created_at: Timestamp,
    deliveries: Type.Array(
      Type.Object({ id: Type.String(), endpoint_id: Type.String(), status: Type.String() }, { additionalProperties: true }),
      { description: 'Its fan-out, [] when it matched no endpoint. The list shows id, endpoint_id and status; GET /v1/events/{id} shows whole deliveries' },
    ),
  },
  { $id: 'Event' },
);

export const LogEntry = Type.Object(
  {
    id: Type.String(),
    delivery_id: Type.String(),
    event_id: Type.String(),
    endpoint_id: Type.String(),
    endpoint_url: Type.String(),
    event_type: Type.String(),
    attempt: Type.Integer(),
    trigger: Type.String({ description: 'scheduled or manual' }),
    status: Type.String({ description: 'succeeded or failed' }),
    http_method: Type.String(),
    http_status: NullableInteger,
    error: DeliveryErrorSchema,
    duration_ms: Type.Integer(),
    timings: Type.Object({ dns_ms: NullableInteger, connect_ms: NullableInteger, tls_ms: NullableInteger, ttfb_ms: NullableInteger }),
    will_retry: Type.Boolean(),
    next_attempt_at: NullableTimestamp,
    tags: Tags,
    created_at: Timestamp,
    completed_at: Timestamp,
  },
  { $id: 'LogEntry' },
);

export const LogDetail = Type.Object({
  ...LogEntry.properties,
  request: Type.Object({ url: Type.String(), headers: Type.Record(Type.String(), Type.String()), body: NullableString }),
  response: Type.Object({ headers: Type.Record(Type.String(), Type.String()), body: NullableString, body_truncated: Type.Boolean() }),
});

export const RetryAccepted = Type.Object({ delivery_id: Type.String(), status: Type.String(), next_attempt_at: NullableTimestamp });
