import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type CDPSession, type Page } from 'playwright-core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DataSource } from 'typeorm';
import { loadConfig, type AppConfig } from '#config';
import { createApp } from '../../apps/api/src/create-app.js';
import { ensureDemoTenant } from '../../apps/api/src/demo-tenant.js';
import { buildRouteIndex } from '../../apps/api/src/route-index.js';

/** Debian's package; CI installs it. The test never downloads a browser. */
export const CHROMIUM_PATH = '/usr/bin/chromium';
export const chromiumAvailable = (): boolean => existsSync(CHROMIUM_PATH);

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** CDP WebAuthn.VirtualAuthenticatorOptions (the subset the cases use). */
export interface VirtualAuthenticatorOptions {
  protocol: 'ctap2' | 'u2f';
  transport: 'usb' | 'nfc' | 'ble' | 'internal';
  hasResidentKey: boolean;
  hasUserVerification: boolean;
  isUserVerified?: boolean;
  automaticPresenceSimulation?: boolean;
}

export const PLATFORM_PASSKEY: VirtualAuthenticatorOptions = {
  protocol: 'ctap2',
  transport: 'internal',
  hasResidentKey: true,
  hasUserVerification: true,
  isUserVerified: true,
};
export const USB_SECURITY_KEY: VirtualAuthenticatorOptions = {
  protocol: 'ctap2',
  transport: 'usb',
  hasResidentKey: false,
  hasUserVerification: false,
};
export const NO_USER_VERIFICATION: VirtualAuthenticatorOptions = {
  protocol: 'ctap2',
  transport: 'internal',
  hasResidentKey: true,
  hasUserVerification: false,
};

export interface DemoPage {
  page: Page;
  cdp: CDPSession;
  authenticatorId: string;
}

export interface DemoHarness {
  app: NestExpressApplication;
  config: AppConfig;
  /** http://localhost:<port>: a secure context and a valid RP id (127.0.0.1 is neither an RP id nor the tenant's origin). */
  baseUrl: string;
  dataSource: DataSource;
  /** Whether the running app has a route for this method and path (work that lands in parallel). */
  hasRoute(method: string, path: string): boolean;
  /** A fresh tab with its own CDP virtual authenticator, on the demo page, ready. */
  openDemo(authenticator: VirtualAuthenticatorOptions): Promise<DemoPage>;
  close(): Promise<void>;
}

/**
 * The API in-process on a scratch SQLite file in dev mode (NODE_ENV=test is not production), the
 * demo tenant seeded for the real port, and one headless Chromium with a fresh profile.
 */
export async function startDemoHarness(): Promise<DemoHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-browser-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: `sqlite:${join(dir, 'demo.sqlite')}`,
    PORT: '0',
    HOST: '127.0.0.1',
    METRICS_PORT: '0',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
  });
  const { app } = await createApp(config);
  let context: BrowserContext | undefined;
  try {
    await app.listen(0, '127.0.0.1');
    const port = (app.getHttpServer().address() as { port: number }).port;
    const actual = { ...config, port };
    await ensureDemoTenant(app, actual);
    const routes = buildRouteIndex(app);

    // launchPersistentContext is how Playwright takes a user-data-dir: a fresh one per run.
    context = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1120, height: 900 },
      locale: 'en-GB',
      timezoneId: 'UTC',
    });
    const browser = context;
    const baseUrl = `http://localhost:${port}`;

    return {
      app,
      config: actual,
      baseUrl,
      dataSource: app.get(DataSource),
      hasRoute: (method, path) => routes(path).includes(method.toUpperCase()),
      async openDemo(authenticator) {
        const page = await browser.newPage();
        page.setDefaultTimeout(15_000);
        const cdp = await browser.newCDPSession(page);
        await cdp.send('WebAuthn.enable', { enableUI: false });
        const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
          options: {
            automaticPresenceSimulation: true,
            isUserVerified: authenticator.hasUserVerification,
            ...authenticator,
          },
        });
        await page.goto(`${baseUrl}/demo`);
        await page.waitForSelector('body[data-ready="true"]');
        return { page, cdp, authenticatorId };
      },
      async close() {
        await browser.close().catch(() => undefined);
        await app.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await context?.close().catch(() => undefined);
    await app.close();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

export interface Feedback {
  kind: 'status' | 'error';
  message: string;
  notices: string[];
  meta: string;
}

/**
 * Clicks and waits for the page's answer: every action first hides both feedback areas
 * (synchronously, in the click handler), then shows exactly one of them.
 */
export async function clickAndWaitForFeedback(page: Page, selector: string): Promise<Feedback> {
  await page.click(selector);
  await page.waitForSelector('#status:not([hidden]), #error:not([hidden])');
  if (await page.isVisible('#error')) {
    return {
      kind: 'error',
      message: (await page.textContent('#error-message'))!.trim(),
      notices: (await page.locator('#error-notices li').allTextContents()).map((n) => n.trim()),
      meta: (await page.textContent('#error-code'))!.trim(),
    };
  }
  return { kind: 'status', message: (await page.textContent('#status'))!.trim(), notices: [], meta: '' };
}
