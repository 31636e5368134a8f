import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's chromium; `.ci/run` installs it with apt-get when missing. */
export const CHROMIUM = '/usr/bin/chromium';

/** Where the tests leave their screenshots (gitignored). */
export const SCREENSHOTS = fileURLToPath(new URL('../../test-output/dashboard/', import.meta.url));

/** Why the browser tests cannot run here, or null. Without chromium they skip, except in CI. */
export function browserSkipReason(): string | null {
  if (existsSync(CHROMIUM)) return null;
  if (process.env.CI) throw new Error(`${CHROMIUM} is missing in CI: .ci/run should have installed it (apt-get install -y chromium)`);
  return `${CHROMIUM} is not installed (apt-get install -y chromium); skipping the dashboard browser tests`;
}

/** Launches headless chromium the way the tests need it (no sandbox in containers, no GPU). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** Saves a screenshot as test-output/dashboard/<name>.png: the whole page, or only the viewport (`fullPage: false`). */
export async function screenshot(page: Page, name: string, { fullPage = true } = {}): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  if (fullPage) await page.evaluate('window.scrollTo(0, 0)'); // else the sticky top bar lands mid-page
  await page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage });
}
