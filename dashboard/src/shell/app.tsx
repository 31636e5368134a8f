import { useCallback, useEffect, useState } from 'react';
import { ApiProvider } from '../api/api-context.tsx';
import { clearApiKey, readApiKey, saveApiKey } from '../api/session.ts';
import { useLocation } from '../routing/router.ts';
import { NavBar } from './nav-bar.tsx';
import { PageSwitch } from './page-switch.tsx';
import { SignInPage } from './sign-in-page.tsx';

const TITLES: Record<string, string> = { logs: 'Logs', endpoints: 'Endpoints', events: 'Events' };

/** The dashboard: the sign-in page until a key is given, then the navigation and the current page. */
export function App() {
  const [apiKey, setApiKey] = useState<string | null>(readApiKey);
  const [reason, setReason] = useState<string | null>(null);
  const { pathname } = useLocation();

  useEffect(() => {
    const section = TITLES[pathname.split('/')[1] ?? ''] ?? 'Logs';
    document.title = `${section} · Herald`;
  }, [pathname]);

  const signIn = useCallback((key: string) => {
    saveApiKey(key);
    setReason(null);
    setApiKey(key);
  }, []);
  const signOut = useCallback((why?: string) => {
    clearApiKey();
    setReason(why ?? null);
    setApiKey(null);
  }, []);

  if (!apiKey) return <SignInPage onSignIn={signIn} reason={reason} />;
  return (
    <ApiProvider apiKey={apiKey} signOut={signOut}>
      <NavBar pathname={pathname} onSignOut={() => signOut()} />
      <main id="main" className="content" tabIndex={-1}>
        <PageSwitch pathname={pathname} />
      </main>
    </ApiProvider>
  );
}
