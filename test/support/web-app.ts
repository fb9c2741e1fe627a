import { after, before } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { hasChromium, launchChromium } from './browser.js';
import { type Harness, startHarness } from './harness.js';

/** Why a browser test is skipped here, or false when Debian's Chromium is installed. */
export const skipWithoutChromium = hasChromium ? false : 'Chromium is not installed (apt-get install chromium)';

/**
 * A real server on loopback and Debian's Chromium, for the web UI's tests: started before the file's
 * tests, closed after them. The getters read what `before` made.
 */
export function webAppUnderTest(): { readonly h: Harness; readonly url: string; readonly browser: Browser } {
  let h: Harness | null = null;
  let url = '';
  let browser: Browser | null = null;
  before(async () => {
    h = await startHarness();
    url = await h.listen();
    if (!skipWithoutChromium) browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await h?.close();
  });
  return {
    get h() {
      return h as Harness;
    },
    get url() {
      return url;
    },
    get browser() {
      return browser as Browser;
    },
  };
}

/** A new page signed in to the web UI with an email and a password. */
export async function signedIn(browser: Browser, url: string, email: string, password: string): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${url}/app/`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  return page;
}
