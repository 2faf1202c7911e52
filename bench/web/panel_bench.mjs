// Clinician panel with 1,000 patients: server time of the panel's API calls and time to
// interactive in headless Chromium (Debian's /usr/bin/chromium), plus the web app's JavaScript
// size gzip. Targets (issue 8): interactive <= 1 s; JavaScript <= 150 KB gzip.
//
//   MITRA_BIN=build/dev/src/cli/mitra node bench/web/panel_bench.mjs [--patients 1000] [--runs 5]
// Uses the npm packages of tests/e2e (run `npm ci` there) and the built web app (web/dist).
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { EMAILS, WEB_DIST, newBrowser, startServer } from '../../tests/e2e/lib/harness.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const PATIENTS = opt('--patients', 1000);
const RUNS = opt('--runs', 5);

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function jsGzipBytes() {
  const dir = path.join(WEB_DIST, 'assets');
  let raw = 0;
  let gz = 0;
  for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.js'))) {
    const b = fs.readFileSync(path.join(dir, f));
    raw += b.length;
    gz += zlib.gzipSync(b, { level: 9 }).length;
  }
  return { raw, gz };
}

async function pool(items, n, fn) {
  let i = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (i < items.length) await fn(items[i++]);
    }),
  );
}

const js = jsGzipBytes();
console.log(`web JavaScript: ${(js.raw / 1024).toFixed(1)} KB raw, ${(js.gz / 1024).toFixed(1)} KB gzip (target <= 150 KB gzip)`);

const t0 = Date.now();
const server = await startServer({ patients: PATIENTS, days: 7 });
try {
  // The demo splits patients between two clinicians; the even-numbered ones also share with the
  // first clinician, so that one panel holds every patient.
  const clinicianId = (await server.login(EMAILS.clinicianOdd)).user.id;
  const evens = [];
  for (let n = 2; n <= PATIENTS; n += 2) evens.push(n);
  await pool(evens, 4, async (n) => {
    const s = await server.login(EMAILS.patient(n));
    const r = await server.api('POST', `/patients/${s.user.patient_id}/consents`, s.token, { grantee_user_id: clinicianId, purpose: 'care' });
    if (r.status !== 201 && r.status !== 200) throw new Error(`consent ${n}: ${r.status} ${JSON.stringify(r.body)}`);
  });
  console.log(`setup: ${PATIENTS} patients, all shared with one clinician, in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  const session = await server.login(EMAILS.clinicianOdd);
  const list = [];
  let count = 0;
  for (let i = 0; i < RUNS; i++) {
    const s = performance.now();
    const r = await server.api('GET', '/patients', session.token);
    list.push(performance.now() - s);
    count = r.body.patients.length;
  }
  console.log(`server: GET /api/v1/patients (${count} patients) median ${median(list).toFixed(1)} ms over ${RUNS} runs`);
  const pid = (await server.api('GET', '/patients', session.token)).body.patients[0].id;
  const tl = [];
  for (let i = 0; i < RUNS; i++) {
    const s = performance.now();
    await server.api('GET', `/patients/${pid}/timeline?from=${new Date(Date.now() - 6 * 86400000).toISOString().slice(0, 10)}`, session.token);
    tl.push(performance.now() - s);
  }
  console.log(`server: GET timeline (7 days, one sparkline) median ${median(tl).toFixed(1)} ms`);

  const tti = [];
  const rowsAt = [];
  const firstAt = [];
  const longTasks = [];
  const clientMs = [];
  for (let i = 0; i < RUNS; i++) {
    const b = await newBrowser({ width: 1280, height: 900 });
    try {
      await b.page.addInitScript(([token, user, expected]) => {
        sessionStorage.setItem('mitra.token', token);
        sessionStorage.setItem('mitra.user', JSON.stringify(user));
        window.__bench = { longTasks: [], rowsAt: null, firstRowAt: null };
        new PerformanceObserver((l) => {
          for (const e of l.getEntries()) window.__bench.longTasks.push([e.startTime, e.startTime + e.duration]);
        }).observe({ type: 'longtask', buffered: true });
        const mo = new MutationObserver(() => {
          const n = document.querySelectorAll('[data-testid=panel] tbody tr').length;
          if (window.__bench.firstRowAt === null && n > 0) window.__bench.firstRowAt = performance.now();
          if (window.__bench.rowsAt === null && n >= Math.min(expected, 100)) {
            window.__bench.rowsAt = performance.now();
            mo.disconnect();
          }
        });
        document.addEventListener('DOMContentLoaded', () => mo.observe(document.body, { childList: true, subtree: true }));
      }, [session.token, { ...session.user, restricted: false }, count]);
      // '/' (the app routes a signed-in clinician to the panel): deep links need the server's
      // index.html fallback for client routes.
      await b.page.goto(server.url + '/');
      await b.page.waitForFunction(() => window.__bench.firstRowAt !== null, null, { timeout: 30000 });
      // Interactive: rows present and then a quiet main thread (no long task) for 500 ms.
      const result = await b.page.evaluate(async () => {
        const quiet = 500;
        const start = performance.now();
        for (;;) {
          await new Promise((r) => setTimeout(r, 100));
          const last = window.__bench.longTasks.reduce((m, t) => Math.max(m, t[1]), 0);
          const now = performance.now();
          if (now - Math.max(last, window.__bench.firstRowAt) >= quiet || now - start > 10000) {
            // The first quiet window of 500 ms after the first rows: interactive at its start.
            const first = window.__bench.firstRowAt;
            const tasks = window.__bench.longTasks.filter((t) => t[1] > first).sort((a, b) => a[0] - b[0]);
            let tti = first;
            for (const t of tasks) {
              if (t[0] - tti >= quiet) break;
              tti = Math.max(tti, t[1]);
            }
            const nav = performance.getEntriesByType('navigation')[0];
            const list = performance.getEntriesByType('resource').find((e) => e.name.endsWith('/api/v1/patients'));
            return {
              firstRowAt: first,
              rowsAt: window.__bench.rowsAt,
              tti,
              longTasks: window.__bench.longTasks.length,
              longTaskMs: Math.round(window.__bench.longTasks.reduce((m, t) => m + t[1] - t[0], 0)),
              dcl: nav ? nav.domContentLoadedEventEnd : null,
              listStart: list ? list.startTime : null,
              listEnd: list ? list.responseEnd : null,
            };
          }
        }
      });
      if (i === 0) continue; // first run warms the server's caches and Chromium's
      await b.page.waitForFunction(() => window.__bench.rowsAt !== null, null, { timeout: 30000 });
      const all = await b.page.evaluate(() => window.__bench.rowsAt);
      tti.push(result.tti);
      rowsAt.push(all);
      firstAt.push(result.firstRowAt);
      longTasks.push(result.longTasks);
      clientMs.push(result.tti - (result.listEnd - result.listStart));
      console.log(`  run ${i}: DOMContentLoaded ${result.dcl?.toFixed(0)} ms; GET /patients ${result.listStart?.toFixed(0)}..${result.listEnd?.toFixed(0)} ms; first rows ${result.firstRowAt.toFixed(0)} ms; interactive ${result.tti.toFixed(0)} ms; long tasks ${result.longTasks} (${result.longTaskMs} ms)`);
    } finally {
      await b.close();
    }
  }
  const m = median(tti);
  console.log(`browser: first rows at median ${median(firstAt).toFixed(0)} ms, first page (100 rows) at ${median(rowsAt).toFixed(0)} ms after navigation start; long tasks per load: ${longTasks.join(', ')}`);
  console.log(`browser: time to interactive median ${m.toFixed(0)} ms over ${tti.length} runs (target <= 1000 ms): ${m <= 1000 ? 'MET' : 'NOT MET'}`);
  console.log(`browser: interactive less the wait for GET /patients (client share) median ${median(clientMs).toFixed(0)} ms`);
  console.log(`javascript gzip: ${(js.gz / 1024).toFixed(1)} KB (target <= 150 KB): ${js.gz <= 150 * 1024 ? 'MET' : 'NOT MET'}`);
} finally {
  await server.stop();
}
