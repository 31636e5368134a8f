import { createHmac, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';

/** Secrets are `whsec_` + base64 of random bytes, as Standard Webhooks and Svix write them. */
export const SECRET_PREFIX = 'whsec_';

/** A new endpoint secret: `whsec_` + base64 of 24 random bytes. */
export function generateSecret(): string {
  return SECRET_PREFIX + randomBytes(24).toString('base64');
}

/** True when `secret` is `whsec_` followed by base64 of at least 24 bytes (and at most 64). */
export function isValidSecret(secret: string): boolean {
  if (!secret.startsWith(SECRET_PREFIX)) return false;
  const encoded = secret.slice(SECRET_PREFIX.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) return false;
  const bytes = Buffer.from(encoded, 'base64').length;
  return bytes >= 24 && bytes <= 64;
}

/**
 * The `webhook-signature` header of Standard Webhooks: `v1,<base64 HMAC-SHA256>` of
 * `{id}.{timestamp}.{body}` under each secret, space-separated (several during a rotation's grace period).
 */
export function signatureHeader(secrets: readonly string[], webhookId: string, timestampS: number, body: string): string {
  const signed = `${webhookId}.${timestampS}.${body}`;
  return secrets.map((secret) => `v1,${createHmac('sha256', signingKey(secret)).update(signed).digest('base64')}`).join(' ');
}

/** Decoded keys by secret: building a key object costs more than the HMAC of a small payload. */
const keys = new Map<string, KeyObject>();
const MAX_CACHED_KEYS = 10_000;

function signingKey(secret: string): KeyObject {
  let key = keys.get(secret);
  if (!key) {
    if (keys.size >= MAX_CACHED_KEYS) keys.clear();
    key = createSecretKey(Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64'));
    keys.set(secret, key);
  }
  return key;
}
