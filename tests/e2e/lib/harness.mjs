// Test harness: a real `mitra serve` on a temp database (demo clinic) and Debian's Chromium driven
// by playwright-core. Never downloads a browser.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { buildDemo, serve } from '../../lib/mitra_process.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(here, '..', '..', '..');
export const WEB_DIST = path.join(REPO, 'web', 'dist');
export const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function mitraBin() {
  if (process.env.MITRA_BIN) return process.env.MITRA_BIN;
  for (const rel of ['build/dev/src/cli/mitra', 'build/release/src/cli/mitra']) {
    const p = path.join(REPO, rel);
    if (fs.existsSync(p)) return p;
  }
  throw new Error('set MITRA_BIN to the mitra binary');
}

/** Folder for screenshots; printed once so the run log says where they are. */
let shotDir = null;
export function screenshotDir() {
  if (!shotDir) {
    shotDir = process.env.MITRA_E2E_SCREENSHOTS || path.join(os.tmpdir(), 'mitra-e2e-screenshots');
    fs.mkdirSync(shotDir, { recursive: true });
    console.log(`screenshots: ${shotDir}`);
  }
  return shotDir;
}

export async function shot(page, name) {
  const file = path.join(screenshotDir(), `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Builds a demo clinic on a temp database and serves it with the built web app. */
export async function startServer({ patients = 6, days = 14 } = {}) {
  if (!fs.existsSync(path.join(WEB_DIST, 'index.html'))) {
    throw new Error(`web app not built: run "npm run build" in ${path.join(REPO, 'web')}`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mitra-e2e-'));
  const db = path.join(dir, 'e2e.db');
  const bin = mitraBin();
  const password = buildDemo(bin, db, { patients, days });
  const { child, url } = await serve(bin, db, ['--web-root', WEB_DIST]);
  const server = {
    url,
    db,
    dir,
    password,
    bin,
    child,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
    /** Calls the API directly (test setup and exact-count checks). */
    async api(method, p, token, body) {
      const r = await fetch(url + '/api/v1' + p, {
        method,
        headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body ? { 'Content-Type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      const text = await r.text();
      return { status: r.status, body: text ? JSON.parse(text) : null };
    },
    async login(email, extra = {}) {
      const r = await this.api('POST', '/auth/login', null, { email, password, ...extra });
      if (r.status !== 200) throw new Error(`login ${email}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    },
    async has(method, p) {
      const doc = (await this.api('GET', '/openapi.json')).body;
      return Boolean(doc.paths?.[p]?.[method.toLowerCase()]);
    },
  };
  return server;
}

export const EMAILS = {
  admin: 'admin@demo.mitra.example',
  clinicianOdd: 'dr.okafor@demo.mitra.example',
  clinicianEven: 'dr.lindqvist@demo.mitra.example',
  patient: (n) => `patient${String(n).padStart(2, '0')}@demo.mitra.example`,
};

/**
 * A fresh browser with its own --user-data-dir (own storage, own network state); `timezoneId`
 * (IANA) sets the device's time zone, as for a clinician far from the patient.
 */
export async function newBrowser({ width = 390, height = 844, timezoneId } = {}) {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mitra-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width, height },
    serviceWorkers: 'allow',
    reducedMotion: 'reduce',
    ...(timezoneId ? { timezoneId } : {}),
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const cspErrors = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/.test(m.text())) cspErrors.push(m.text());
  });
  page.on('pageerror', (e) => cspErrors.push(`pageerror: ${e.message}`));
  return {
    context,
    page,
    cspErrors,
    async close() {
      await context.close();
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

export async function signIn(page, server, email, { totp } = {}) {
  await page.goto(server.url + '/');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(server.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  if (totp) {
    await page.getByLabel('One-time code').fill(totp());
    await page.getByRole('button', { name: 'Sign in' }).click();
  }
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
}

/** Navigates inside the single-page app (client-side route). */
export async function go(page, pathname) {
  await page.evaluate((p) => {
    history.pushState(null, '', p);
    dispatchEvent(new PopStateEvent('popstate'));
  }, pathname);
}

/** RFC 6238 TOTP (SHA-1, 6 digits, 30 s) from a base32 secret. */
export function totpCode(secretB32, now = Date.now()) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of secretB32.replace(/=+$/, '').toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const bytes = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(now / 30000)));
  const h = crypto.createHmac('sha1', bytes).update(counter).digest();
  const o = h[h.length - 1] & 0xf;
  const v = ((h[o] & 0x7f) << 24) | (h[o + 1] << 16) | (h[o + 2] << 8) | h[o + 3];
  return String(v % 1e6).padStart(6, '0');
}
