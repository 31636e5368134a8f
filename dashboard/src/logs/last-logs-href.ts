/** The log explorer's last address (with its filters), so "back to logs" from an attempt keeps them. */
const STORAGE_KEY = 'herald.lastLogsHref';

export function rememberLogsHref(href: string): void {
  try {
    sessionStorage.setItem(STORAGE_KEY, href);
  } catch {
    // storage unavailable: the back link falls back to /logs
  }
}

export function lastLogsHref(): string {
  try {
    const href = sessionStorage.getItem(STORAGE_KEY);
    return href?.startsWith('/logs') ? href.replace(/([?&])live=1(&|$)/, '$1').replace(/[?&]$/, '') : '/logs';
  } catch {
    return '/logs';
  }
}
