// Starting the real `mitra` for Node tests (tests/e2e, tests/fuzz): builds a demo clinic and
// serves a database on a free loopback port. Node's standard library only, no npm packages.
import { spawn, spawnSync } from 'node:child_process';

/** Test-only: the cheapest Argon2id parameters, so a 1,000-patient clinic builds in seconds. */
export const TEST_ENV = { ...process.env, MITRA_PASSWORD_HASH_COST: 'min' };

/** `mitra demo --no-serve` into `database` (a file or a PostgreSQL URL); returns its password. */
export function buildDemo(bin, database, { patients = 6, days = 14 } = {}) {
  const demo = spawnSync(bin, ['demo', '--no-serve', '--database', database, '--patients', String(patients), '--days', String(days)],
    { encoding: 'utf8', env: TEST_ENV });
  if (demo.status !== 0) throw new Error(`mitra demo failed: ${demo.stderr}`);
  const password = /password for every demo account:\s*(\S+)/.exec(demo.stdout)?.[1];
  if (!password) throw new Error(`no demo password in: ${demo.stdout}`);
  return password;
}

/** `mitra serve --database DATABASE --listen 127.0.0.1:0 ...extra`; resolves once it listens. */
export async function serve(bin, database, extra = []) {
  const child = spawn(bin, ['serve', '--database', database, '--listen', '127.0.0.1:0', ...extra],
    { stdio: ['ignore', 'pipe', 'pipe'], env: TEST_ENV });
  let log = '';
  child.stderr.on('data', (d) => (log += d));
  const url = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`mitra serve did not start: ${out} ${log}`)), 20000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`mitra serve exited ${code}: ${log}`)));
  });
  return { child, url, log: () => log };
}
