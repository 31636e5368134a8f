import { createContext, useContext, useMemo, type ReactNode } from 'react';
import { createHeraldClient, type HeraldClient } from '../../../src/client/index.ts';

/** What every page needs to talk to Herald. */
export interface ApiSession {
  client: HeraldClient;
  apiKey: string;
  /** Where Herald answers: the page's own origin (Herald serves the dashboard; `vite dev` proxies). */
  baseUrl: string;
  /** Forgets the key; `reason` is shown on the sign-in page. */
  signOut: (reason?: string) => void;
}

const ApiContext = createContext<ApiSession | null>(null);

/** Provides the signed-in client to the pages below it. */
export function ApiProvider({ apiKey, signOut, children }: { apiKey: string; signOut: (reason?: string) => void; children: ReactNode }) {
  const session = useMemo<ApiSession>(() => {
    const baseUrl = window.location.origin;
    return { client: createHeraldClient({ baseUrl, apiKey }), apiKey, baseUrl, signOut };
  }, [apiKey, signOut]);
  return <ApiContext.Provider value={session}>{children}</ApiContext.Provider>;
}

/** The signed-in session; only inside {@link ApiProvider}. */
export function useApi(): ApiSession {
  const session = useContext(ApiContext);
  if (!session) throw new Error('useApi() outside <ApiProvider>');
  return session;
}
