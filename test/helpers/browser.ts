/**
 * Real headless Chromium for GUI tests: Debian's `chromium`, found (and installed if
 * missing) by scripts/install-chromium.sh, driven by playwright-core, which never
 * downloads a browser of its own.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { REPO_ROOT } from './daemon';

export const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts');
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** scripts/test.sh exports the path; a bare `mocha` run asks the script itself. */
export function chromiumPath(): string {
  return process.env.DSDB_CHROMIUM || execFileSync('bash', [path.join(REPO_ROOT, 'scripts', 'install-chromium.sh')], { encoding: 'utf8' }).trim();
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), args: ARGS, headless: true });
}

/** Saves a screenshot of `page` as test-artifacts/<name>.png (look at it). */
export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Collects what would show that page script ran or broke: dialogs, page errors, console errors. */
export function watchPage(page: Page): { dialogs: string[]; errors: string[] } {
  const seen = { dialogs: [] as string[], errors: [] as string[] };
  page.on('dialog', (dialog) => {
    seen.dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on('pageerror', (error) => seen.errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') seen.errors.push(message.text());
  });
  return seen;
}
