import type { KeyObject } from 'node:crypto';
import { ConfigError } from '../config.ts';
import type { EndpointRecord } from './records.ts';
import { SecretCipher, SecretDecryptionError } from './secret-cipher.ts';
import type { ClaimedDelivery, EndpointPatch, Storage } from './storage.ts';

/** The setting that proves which key sealed this database's secrets. */
export const KEY_CHECK_SETTING = 'secret_key_check';
const KEY_CHECK_TEXT = 'herald secret key check';
const KEY_CHECK_CONTEXT = `setting:${KEY_CHECK_SETTING}`;
/** Endpoints read per page by the sealing pass at start. */
const SEAL_PAGE = 500;

/** The additional data bound to an endpoint's sealed secrets: its id. */
const contextOf = (endpointId: string) => `endpoint:${endpointId}`;

/**
 * Wraps `storage` so endpoint secrets (`secret`, `previous_secret`) are sealed on their way in and
 * opened on their way out. Every other call goes straight through. The layer sits at the storage
 * boundary, so SQLite and PostgreSQL both get it and nothing above storage sees a sealed value.
 */
export function encryptingSecrets(storage: Storage, cipher: SecretCipher): Storage {
  const open = (endpoint: EndpointRecord): EndpointRecord => {
    const context = contextOf(endpoint.id);
    return {
      ...endpoint,
      secret: cipher.open(endpoint.secret, context),
      previousSecret: endpoint.previousSecret === null ? null : cipher.open(endpoint.previousSecret, context),
    };
  };
  const openOrNull = (endpoint: EndpointRecord | null) => (endpoint === null ? null : open(endpoint));
  const sealPatch = (id: string, patch: EndpointPatch): EndpointPatch => ({
    ...patch,
    ...(patch.secret !== undefined ? { secret: cipher.seal(patch.secret, contextOf(id)) } : {}),
    ...(patch.previousSecret !== undefined && patch.previousSecret !== null
      ? { previousSecret: cipher.seal(patch.previousSecret, contextOf(id)) }
      : {}),
  });

  const overrides: Pick<
    Storage,
    'createEndpoint' | 'getEndpoint' | 'listEndpoints' | 'updateEndpoint' | 'claimDueDeliveries'
  > = {
    createEndpoint: (endpoint) => storage.createEndpoint({ ...endpoint, ...sealPatch(endpoint.id, endpoint) }),
    getEndpoint: async (workspaceId, id) => openOrNull(await storage.getEndpoint(workspaceId, id)),
    listEndpoints: async (workspaceId, window) => {
      const page = await storage.listEndpoints(workspaceId, window);
      return { ...page, rows: page.rows.map(open) };
    },
    updateEndpoint: async (workspaceId, id, patch) => openOrNull(await storage.updateEndpoint(workspaceId, id, sealPatch(id, patch))),
    claimDueDeliveries: async (nowMs, limit, leaseMarginMs, after) =>
      (await storage.claimDueDeliveries(nowMs, limit, leaseMarginMs, after)).map(
        (claimed): ClaimedDelivery => ({ ...claimed, endpoint: openOrNull(claimed.endpoint) }),
      ),
  };

  return new Proxy(storage, {
    get(target, property) {
      if (Object.hasOwn(overrides, property)) return overrides[property as keyof typeof overrides];
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/**
 * Start-up for `HERALD_SECRET_KEY`. With a key: checks it against the key check stored by the first
 * start with a key (a different key is a `ConfigError`: nothing could be signed), seals any secret
 * still stored in plaintext, and returns the encrypting storage. Without a key: refuses a database
 * whose secrets are sealed (they could not be read), and returns `storage` as it is.
 */
export async function protectSecrets(storage: Storage, key: KeyObject | null): Promise<Storage> {
  if (key === null) {
    if ((await storage.getSetting(KEY_CHECK_SETTING)) !== null) {
      throw new ConfigError('HERALD_SECRET_KEY is not set, but this database holds endpoint secrets encrypted with one; start Herald with that key');
    }
    return storage;
  }
  const cipher = new SecretCipher(key);
  const stored = await storage.putSettingOnce(KEY_CHECK_SETTING, cipher.seal(KEY_CHECK_TEXT, KEY_CHECK_CONTEXT));
  let matches = false;
  try {
    matches = cipher.open(stored, KEY_CHECK_CONTEXT) === KEY_CHECK_TEXT;
  } catch (error) {
    if (!(error instanceof SecretDecryptionError)) throw error;
  }
  if (!matches) {
    throw new ConfigError('HERALD_SECRET_KEY is not the key this database\'s endpoint secrets were encrypted with; start Herald with the original key');
  }
  const encrypting = encryptingSecrets(storage, cipher);
  await sealPlaintextSecrets(storage, encrypting);
  return encrypting;
}

/**
 * Seals every live endpoint's secrets that are still plaintext (rows written before the key was set),
 * keeping `updated_at`. Already sealed rows are skipped, so this is cheap after the first time.
 * Soft-deleted endpoints are not reachable through `Storage` and keep what they had.
 */
async function sealPlaintextSecrets(raw: Storage, encrypting: Storage): Promise<void> {
  const byCreation = { sort: [{ field: 'created_at' as const, descending: false }] };
  let workspaceAfter: { values: number[]; id: string } | undefined;
  for (;;) {
    const workspaces = await raw.listWorkspaces({ ...byCreation, limit: SEAL_PAGE, ...(workspaceAfter ? { after: workspaceAfter } : {}) });
    for (const workspace of workspaces.rows) {
      let endpointAfter: { values: number[]; id: string } | undefined;
      for (;;) {
        const page = await raw.listEndpoints(workspace.id, { ...byCreation, limit: SEAL_PAGE, ...(endpointAfter ? { after: endpointAfter } : {}) });
        for (const row of page.rows) {
          const plainPrevious = row.previousSecret !== null && !SecretCipher.isSealed(row.previousSecret);
          if (SecretCipher.isSealed(row.secret) && !plainPrevious) continue;
          // Through the encrypting layer: it reads the row's values in the clear and writes them sealed.
          const current = await encrypting.getEndpoint(workspace.id, row.id);
          if (current === null) continue;
          await encrypting.updateEndpoint(workspace.id, row.id, {
            updatedAt: current.updatedAt,
            secret: current.secret,
            previousSecret: current.previousSecret,
          });
        }
        const last = page.rows.at(-1);
        if (!page.hasMore || !last) break;
        endpointAfter = { values: [last.createdAt], id: last.id };
      }
    }
    const last = workspaces.rows.at(-1);
    if (!workspaces.hasMore || !last) break;
    workspaceAfter = { values: [last.createdAt], id: last.id };
  }
}
