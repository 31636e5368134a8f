/**
 * Why an attempt failed, as recorded in the log (`error.code` in API.md).
 * `HTTP_STATUS` covers any answer that is not a 2xx, redirects included.
 */
export const DELIVERY_ERROR_CODES = [
  'TIMEOUT',
  'CONNECTION_REFUSED',
  'CONNECTION_RESET',
  'DNS_FAILURE',
  'TLS_ERROR',
  'BLOCKED_ADDRESS',
  'HTTP_STATUS',
  'ENDPOINT_DISABLED',
  'INTERNAL',
] as const;

export type DeliveryErrorCode = (typeof DELIVERY_ERROR_CODES)[number];

/** An attempt's failure: a code from the closed list and a human sentence. */
export interface DeliveryError {
  code: DeliveryErrorCode;
  message: string;
}
