import { Link } from '../routing/link.tsx';

const SECTIONS = [
  { to: '/logs', label: 'Logs' },
  { to: '/endpoints', label: 'Endpoints' },
  { to: '/events', label: 'Events' },
];

/** The top bar: the three sections (the current one marked) and sign out. */
export function NavBar({ pathname, onSignOut }: { pathname: string; onSignOut: () => void }) {
  const current = pathname === '/' ? '/logs' : `/${pathname.split('/')[1] ?? ''}`;
  return (
    <header className="top-bar">
      <a className="skip-link" href="#main">Skip to content</a>
      <Link to="/logs" className="brand"><span className="brand-mark" aria-hidden="true">H</span> Herald</Link>
      <nav aria-label="Sections" className="nav">
        {SECTIONS.map((section) => (
          <Link key={section.to} to={section.to} className="nav-link" aria-current={current === section.to ? 'page' : undefined}>
            {section.label}
          </Link>
        ))}
      </nav>
      <button type="button" className="button button-quiet sign-out" onClick={onSignOut}>Sign out</button>
    </header>
  );
}
