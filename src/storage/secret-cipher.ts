import { createCipheriv, createDecipheriv, randomBytes, type KeyObject } from 'node:crypto';

/** What a sealed value starts with; a stored value without it is a plaintext row from before encryption. */
export const SEALED_PREFIX = 'enc:v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Opened values by sealed text: the worker opens the same endpoint's secret on every claim. */
const MAX_CACHED = 10_000;

/** A sealed value that does not open under this key: a wrong `HERALD_SECRET_KEY`, or an altered row. */
export class SecretDecryptionError extends Error {
  override name = 'SecretDecryptionError';
}

/**
 * AES-256-GCM over short strings (endpoint secrets), written as
 * `enc:v1:<iv>:<tag>:<ciphertext>` (base64url parts). `context` is bound as additional data (the
 * endpoint id), so a sealed value copied into another row does not open there.
 */
export class SecretCipher {
  readonly #key: KeyObject;
  readonly #opened = new Map<string, string>();

  constructor(key: KeyObject) {
    if (key.type !== 'secret' || key.symmetricKeySize !== 32) throw new Error('SecretCipher needs a 32-byte secret key');
    this.#key = key;
  }

  /** True when `stored` was written by {@link SecretCipher.seal} (of any key). */
  static isSealed(stored: string): boolean {
    return stored.startsWith(SEALED_PREFIX);
  }

  /** Encrypts `plaintext` with a fresh random IV: sealing the same value twice gives different texts. */
  seal(plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const parts = [iv, cipher.getAuthTag(), ciphertext].map((part) => part.toString('base64url'));
    return SEALED_PREFIX + parts.join(':');
  }

  /** Decrypts a sealed value; a plaintext value (a row from before encryption) is returned as it is. */
  open(stored: string, context: string): string {
    if (!SecretCipher.isSealed(stored)) return stored;
    const cacheKey = `${context}\n${stored}`;
    const cached = this.#opened.get(cacheKey);
    if (cached !== undefined) return cached;
    const [iv, tag, ciphertext, extra] = stored.slice(SEALED_PREFIX.length).split(':').map((part) => Buffer.from(part, 'base64url'));
    if (!iv || !tag || !ciphertext || extra || iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
      throw new SecretDecryptionError('a stored secret is not in the enc:v1 format');
    }
    let plaintext: string;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(tag);
      plaintext = Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
    } catch (error) {
      throw new SecretDecryptionError('a stored secret does not decrypt with HERALD_SECRET_KEY (a different key, or an altered row)', { cause: error });
    }
    if (this.#opened.size >= MAX_CACHED) this.#opened.clear();
    this.#opened.set(cacheKey, plaintext);
    return plaintext;
  }
}
