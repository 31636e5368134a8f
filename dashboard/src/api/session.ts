/** The API key of this browser tab: kept in sessionStorage (gone when the tab closes), never in a URL. */
const STORAGE_KEY = 'herald.apiKey';

/** The key this tab signed in with, or null. */
export function readApiKey(): string | null {
  try {
    return sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

/** Remembers `key` for this tab. */
export function saveApiKey(key: string): void {
  sessionStorage.setItem(STORAGE_KEY, key);
}

/** Forgets the key (sign out). */
export function clearApiKey(): void {
  sessionStorage.removeItem(STORAGE_KEY);
}
