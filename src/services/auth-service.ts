import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { AppError } from '../domain/app-error.ts';
import { newId } from '../domain/ids.ts';
import type { ApiKeyRecord, WorkspaceRecord } from '../storage/records.ts';
import type { ServiceContext } from './context.ts';
import { paginate, type ListParams } from './paginate.ts';

/** Who is calling: the admin, or a key of one workspace. */
export type Principal = { kind: 'admin' } | { kind: 'workspace'; workspaceId: string; keyId: string };

/** SHA-256 of a key, hex: what storage keeps instead of the key. */
export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** A new API key: `hk_` + 32 random bytes, base64url. */
export function generateApiKey(): string {
  return `hk_${randomBytes(32).toString('base64url')}`;
}

/**
 * Resolves a presented key. Keys are looked up by their hash (no comparison leaks how much of a key
 * matched); the admin key is compared in constant time over its hash.
 */
export async function authenticate(ctx: ServiceContext, presented: string): Promise<Principal | null> {
  const hash = hashKey(presented);
  if (ctx.config.adminKey !== null) {
    let admin = adminHashes.get(ctx.config);
    if (!admin) adminHashes.set(ctx.config, (admin = Buffer.from(hashKey(ctx.config.adminKey), 'hex')));
    if (timingSafeEqual(admin, Buffer.from(hash, 'hex'))) return { kind: 'admin' };
  }
  let cache = keyCaches.get(ctx.storage);
  if (!cache) keyCaches.set(ctx.storage, (cache = new Map()));
  const now = ctx.clock.now();
  const cached = cache.get(hash);
  if (cached && cached.until > now) return cached.principal;
  const key = await ctx.storage.findApiKeyByHash(hash);
  if (!key) return null; // unknown keys are not remembered: a key created elsewhere works at once
  const principal: Principal = { kind: 'workspace', workspaceId: key.workspaceId, keyId: key.id };
  if (cache.size >= KEY_CACHE_ENTRIES) cache.clear();
  cache.set(hash, { principal, until: now + KEY_CACHE_MS });
  return principal;
}

/**
 * How long a found key is trusted before storage is asked again (every request looked it up: ~28 µs
 * of a ~330 µs single publish). A key deleted through this process stops working at once; one deleted
 * through another process sharing the database (PostgreSQL), within this time. SECURITY.md says so.
 */
const KEY_CACHE_MS = 1000;
const KEY_CACHE_ENTRIES = 10_000;
const keyCaches = new WeakMap<object, Map<string, { principal: Principal; until: number }>>();
const adminHashes = new WeakMap<object, Buffer>();

/**
 * First start: when no key exists, creates workspace `default` and one key (`HERALD_API_KEY`, or a
 * generated one). Returns the key to print once, or null when keys already existed.
 */
export async function bootstrapDefaultWorkspace(ctx: ServiceContext): Promise<{ key: string; generated: boolean } | null> {
  if ((await ctx.storage.countApiKeys()) > 0) return null;
  const workspace = await createWorkspace(ctx, 'default');
  const key = ctx.config.apiKey ?? generateApiKey();
  await ctx.storage.createApiKey(keyRecord(ctx, workspace.id, 'default', key));
  return { key, generated: ctx.config.apiKey === null };
}

export async function createWorkspace(ctx: ServiceContext, name: string): Promise<WorkspaceRecord> {
  const now = ctx.clock.now();
  const workspace = { id: newId('ws', now), name, createdAt: now };
  await ctx.storage.createWorkspace(workspace);
  return workspace;
}

export async function listWorkspaces(ctx: ServiceContext, params: ListParams<'created_at'>) {
  return paginate(ctx.cursors, params, {
    scope: 'workspaces',
    filters: {},
    read: (window) => ctx.storage.listWorkspaces(window),
    count: () => ctx.storage.countWorkspaces(),
    sortValue: (row) => row.createdAt,
    id: (row) => row.id,
  });
}

/** Creates a key for a workspace; the returned `key` is shown this once. */
export async function createApiKey(ctx: ServiceContext, workspaceId: string, name: string): Promise<ApiKeyRecord & { key: string }> {
  if (!(await ctx.storage.getWorkspace(workspaceId))) throw new AppError('WORKSPACE_NOT_FOUND', `no workspace ${workspaceId}`);
  const key = generateApiKey();
  const record = keyRecord(ctx, workspaceId, name, key);
  await ctx.storage.createApiKey(record);
  return { ...record, key };
}

export async function deleteApiKey(ctx: ServiceContext, id: string): Promise<void> {
  if (!(await ctx.storage.deleteApiKey(id))) throw new AppError('API_KEY_NOT_FOUND', `no API key ${id}`);
  const cache = keyCaches.get(ctx.storage);
  for (const [hash, entry] of cache ?? []) {
    if (entry.principal.kind === 'workspace' && entry.principal.keyId === id) cache!.delete(hash);
  }
}

function keyRecord(ctx: ServiceContext, workspaceId: string, name: string, key: string): ApiKeyRecord {
  const now = ctx.clock.now();
  return { id: newId('key', now), workspaceId, name, keyHash: hashKey(key), createdAt: now };
}
