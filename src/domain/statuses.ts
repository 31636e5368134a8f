/** A delivery's life: see the state machine in ARCHITECTURE.md. */
export const DELIVERY_STATUSES = ['queued', 'delivering', 'succeeded', 'pending_retry', 'failed_permanent'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** One attempt's outcome, as the log shows it. */
export const ATTEMPT_STATUSES = ['succeeded', 'failed'] as const;
export type AttemptStatus = (typeof ATTEMPT_STATUSES)[number];

/** Who caused an attempt: the retry schedule, or a person pressing retry. */
export const ATTEMPT_TRIGGERS = ['scheduled', 'manual'] as const;
export type AttemptTrigger = (typeof ATTEMPT_TRIGGERS)[number];

/** HTTP methods an endpoint may be called with. */
export const ENDPOINT_METHODS = ['POST', 'PUT', 'PATCH'] as const;
export type EndpointMethod = (typeof ENDPOINT_METHODS)[number];
