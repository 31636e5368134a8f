import { createHeraldClient, type HeraldClient } from '../client/index.ts';
import type { Flags, ParsedArgs } from './args.ts';
import { UsageError } from './args.ts';

/** Where Herald listens when neither `--url` nor `HERALD_URL` says. */
export const DEFAULT_URL = 'http://127.0.0.1:8080';

/** The flags every command that calls the API takes. */
export const CONNECTION_FLAGS: Flags = {
  url: { type: 'string', value: 'url', description: `Herald's URL (default $HERALD_URL, else ${DEFAULT_URL})` },
  'api-key': { type: 'string', value: 'key', description: 'API key of the workspace (default $HERALD_API_KEY)' },
};

/** The API could not be reached at all (refused, DNS, reset): no HTTP answer to show. */
export class UnreachableError extends Error {
  override name = 'UnreachableError';
}

/**
 * The typed client for `--url`/`HERALD_URL` and `--api-key`/`HERALD_API_KEY`. A missing key or a
 * malformed URL is a usage error; a network failure of any call becomes {@link UnreachableError}.
 */
export function connect(args: ParsedArgs, env: Record<string, string | undefined>): HeraldClient {
  const baseUrl = args.string('url') ?? nonEmpty(env.HERALD_URL) ?? DEFAULT_URL;
  const apiKey = args.string('api-key') ?? nonEmpty(env.HERALD_API_KEY);
  if (!/^https?:\/\/[^/]/.test(baseUrl) || !URL.canParse(baseUrl)) {
    throw new UsageError(`"${baseUrl}" is not an http(s) URL: pass --url http://host:port or set HERALD_URL`);
  }
  if (apiKey === undefined) {
    throw new UsageError('no API key: set HERALD_API_KEY or pass --api-key (Herald prints the key of workspace "default" on first start)');
  }
  const reach: typeof fetch = async (input, init) => {
    try {
      return await fetch(input, init);
    } catch (error) {
      if ((error as Error).name === 'AbortError') throw error;
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (error as Error).message;
      throw new UnreachableError(`cannot reach Herald at ${baseUrl} (${why}): is it running? Pass --url or set HERALD_URL`, { cause: error });
    }
  };
  return createHeraldClient({ baseUrl, apiKey, fetch: reach });
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
