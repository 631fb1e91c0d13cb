import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Locator } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`; scripts/preflight.mjs installs it): never a downloaded one. */
export const CHROMIUM = '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
}

/**
 * Where the tests' screenshots go: test-results/dashboard, or the folder DASHBOARD_SCREENSHOTS
 * names (`npm run screenshots` puts them in docs/dashboard for docs/dashboard.md).
 */
export function screenshotDir(): string {
  const dir = process.env.DASHBOARD_SCREENSHOTS ?? join('test-results', 'dashboard');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Saves a picture of `what` as <name>.png. */
export async function screenshot(what: Locator, name: string): Promise<void> {
  await what.screenshot({ path: join(screenshotDir(), `${name}.png`), animations: 'disabled' });
}
