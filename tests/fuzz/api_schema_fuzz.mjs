// Black-box API fuzz (README.md): requests derived from the server's own OpenAPI document, sent
// to a real `mitra serve` on a demo clinic, as every role. Bodies follow each operation's request
// schema but, field by field, take wrong types, out-of-range numbers, malformed dates and ids,
// overlong and odd strings, unknown fields, truncated JSON and invalid UTF-8. It checks that:
//   - no answer is a 5xx and the connection is never dropped: bad input is the caller's mistake;
//   - every 4xx has the DESIGN error shape {"error": {"code", "message"[, "field"]}};
//   - every JSON answer parses;
//   - afterwards the server is still ready, stops cleanly on SIGTERM, the audit hash chain
//     verifies (`mitra audit verify`), and its log holds no patient id or e-mail address.
//
// Usage: node api_schema_fuzz.mjs [REQUESTS] [SEED]   (env MITRA_BIN: the mitra binary)
// With MITRA_TEST_BACKEND=postgres the clinic lives in a fresh schema of $MITRA_TEST_PG_DSN
// (made and dropped with psql); without that DSN the run is skipped.
// A seed draws the same requests on every run; a failure prints the request and the answer.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildDemo, serve } from '../lib/mitra_process.mjs';

const REQUESTS = Number(process.argv[2] || 3000);
const SEED = Number(process.argv[3] || 20261204);
const BIN = process.env.MITRA_BIN;
if (!BIN) throw new Error('set MITRA_BIN to the mitra binary');

// mulberry32: a small seeded generator, so a failing run can be repeated.
let state = SEED >>> 0;
function random() {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (list) => list[Math.floor(random() * list.length)];

const WEIRD_STRINGS = [
  '', ' ', 'a'.repeat(5000), 'a'.repeat(100001), '\u0000', '\ufffd', '\u202e', '💊'.repeat(300),
  '2026-02-30T10:00:00Z', '2026-13-01T00:00:00Z', '9999-12-31T23:59:59Z', '0000-01-01T00:00:00Z',
  '2026-01-01', '2026-01-01T00:00:00+25:00', '1970-01-01T00:00:00Z', '-1', '1e309', 'NaN', 'null',
  '00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff',
  "'; DROP TABLE doses;--", '%00', '../../etc/passwd', '<script>alert(1)</script>', 'care', 'g',
];
// JSON.stringify cannot write 1e400 or -0 the way a hostile client can, so numbers travel as
// raw JSON text (see encode below).
const WEIRD_NUMBERS = ['0', '-0', '-1', '1e308', '-1e308', '1e-320', '1e400', '9223372036854775808',
  '18446744073709551616', '-9223372036854775809', '0.1', '3.5', '1e6', '123456789012345678901234567890'];
const RAW = Symbol('raw JSON number');
const raw = (text) => ({ [RAW]: text });

function weird() {
  const r = random();
  if (r < 0.35) return pick(WEIRD_STRINGS);
  if (r < 0.6) return raw(pick(WEIRD_NUMBERS));
  return pick([null, true, false, [], {}, [1, 2], { a: 1 }, [[[]]], 'x']);
}

function encode(value) {
  if (value && typeof value === 'object' && RAW in value) return value[RAW];
  if (Array.isArray(value)) return `[${value.map(encode).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${encode(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** A value for `schema`: mostly of the right shape, sometimes (and at any depth) not. */
function generate(schema, ids, depth = 0) {
  if (random() < 0.15 || depth > 4) return weird();
  if (schema.anyOf) return generate(pick(schema.anyOf), ids, depth + 1);
  if (schema.oneOf) return generate(pick(schema.oneOf), ids, depth + 1);
  if (schema.enum) return pick(schema.enum);
  const type = Array.isArray(schema.type) ? pick(schema.type) : schema.type;
  switch (type) {
    case 'object': {
      const out = {};
      for (const [key, sub] of Object.entries(schema.properties || {})) {
        if ((schema.required || []).includes(key) || random() < 0.6) out[key] = generate(sub, ids, depth + 1);
      }
      if (random() < 0.05) out.unknown_field = 1;
      return out;
    }
    case 'array':
      return Array.from({ length: pick([0, 1, 2, 3, 50]) }, () => generate(schema.items || {}, ids, depth + 1));
    case 'string':
      if (schema.format === 'uuid') return pick([...ids.all, 'not-a-uuid']);
      if (schema.format === 'date-time') {
        return pick(['2026-11-20T08:00:00Z', '2026-12-04T10:00:00.123Z', '2025-01-01T00:00:00Z', '2027-01-01T00:00:00Z']);
      }
      if (schema.format === 'date') return pick(['2026-11-20', '2026-12-31', '2020-02-29']);
      if (random() < 0.8) return pick(['x', 'hello', 'care', 'research', '']);
      // Lengths at and around the usual limits (64, 200, 2000, 16 KiB...), where checks slip.
      return 'y'.repeat(pick([1, 63, 64, 65, 150, 199, 200, 201, 1999, 2000, 2001, 16384, 20000]));
    case 'integer':
      return pick([0, 1, 2, 7, 28, 100, -1, 1000000]);
    case 'number':
      return pick([0, 0.5, 1, 2, 10, 100, 10000, -1]);
    case 'boolean':
      return random() < 0.5;
    case 'null':
      return null;
    default:
      return weird();
  }
}

const POSTGRES = process.env.MITRA_TEST_BACKEND === 'postgres';
if (POSTGRES && !process.env.MITRA_TEST_PG_DSN) {
  console.log('[  SKIPPED ] MITRA_TEST_PG_DSN is not set');
  process.exit(0);
}
function psql(sql) {
  const r = spawnSync('psql', ['-qAt', '-v', 'ON_ERROR_STOP=1', process.env.MITRA_TEST_PG_DSN, '-c', sql], {
    encoding: 'utf8', env: { ...process.env, PGOPTIONS: '-c client_min_messages=warning' } });
  assert.equal(r.status, 0, `psql: ${r.stderr}`);
}

async function startServer() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mitra-api-fuzz-'));
  let db = path.join(dir, 'fuzz.db');
  let schema = null;
  if (POSTGRES) {
    schema = `api_fuzz_${process.pid}`;
    psql(`CREATE SCHEMA ${schema}`);
    const dsn = process.env.MITRA_TEST_PG_DSN;
    db = `${dsn}${dsn.includes('?') ? '&' : '?'}options=-csearch_path%3D${schema}`;
  }
  const password = buildDemo(BIN, db);
  const { child, url, log } = await serve(BIN, db);
  return { dir, db, schema, password, child, url, log };
}

const server = await startServer();
async function call(method, target, token, body, contentType = 'application/json') {
  const headers = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = contentType;
  const response = await fetch(server.url + target, { method, headers, body, signal: AbortSignal.timeout(15000) });
  const bytes = Buffer.from(await response.arrayBuffer());
  return { status: response.status, type: response.headers.get('content-type') || '', bytes };
}
const json = (r) => JSON.parse(r.bytes.toString('utf8'));

const EMAILS = {
  admin: 'admin@demo.mitra.example', clinician: 'dr.okafor@demo.mitra.example',
  clinician2: 'dr.lindqvist@demo.mitra.example', researcher: 'researcher@demo.mitra.example',
  patient: 'patient01@demo.mitra.example', patient2: 'patient02@demo.mitra.example',
};
const tokens = {};
for (const [role, email] of Object.entries(EMAILS)) {
  const r = await call('POST', '/api/v1/auth/login', null, JSON.stringify({ email, password: server.password }));
  assert.equal(r.status, 200, `sign-in of ${role}`);
  tokens[role] = json(r).token;
}
const doc = json(await call('GET', '/api/v1/openapi.json'));

// Real ids, so that requests get past the 404s to the checks behind them.
async function idsOf(target, token) {
  const r = await call('GET', target, token);
  if (r.status !== 200) return [];
  const body = json(r);
  const list = Array.isArray(body) ? body : Object.values(body).find(Array.isArray) || [];
  return list.filter((x) => x && typeof x === 'object' && typeof x.id === 'string').map((x) => x.id).slice(0, 5);
}
const ids = { pid: await idsOf('/api/v1/patients', tokens.clinician) };
const me = json(await call('GET', '/api/v1/me', tokens.patient));
if (me.patient_id) ids.pid.push(me.patient_id);
assert.ok(ids.pid.length >= 2, 'the clinician sees consenting patients');
ids.id = [];
for (const sub of ['doses', 'medications', 'alerts', 'taper-plans', 'adverse-events', 'notes']) {
  ids.id.push(...(await idsOf(`/api/v1/patients/${ids.pid[0]}/${sub}`, tokens.clinician)));
}
const products = await idsOf('/api/v1/products', tokens.clinician);
ids.id.push(...products);
ids.lot = products.length ? await idsOf(`/api/v1/products/${products[0]}/lots`, tokens.clinician) : [];
ids.cid = await idsOf(`/api/v1/patients/${ids.pid[0]}/consents`, tokens.patient);
ids.uid = await idsOf('/api/v1/users', tokens.admin);
ids.all = [...ids.pid, ...ids.id, ...ids.lot, ...ids.cid, ...ids.uid];

const operations = [];
for (const [template, item] of Object.entries(doc.paths)) {
  for (const [method, op] of Object.entries(item)) {
    if (['get', 'post', 'put', 'patch', 'delete'].includes(method)) operations.push({ method: method.toUpperCase(), template, op });
  }
}
// Signing out, revoking consents, editing users or the clinic's settings (which may require
// TOTP) and enrolling TOTP change who may do what and would leave the rest of the run at
// 401/403; they get their share at the end instead.
const disruptive = ({ method, template }) =>
  template.endsWith('/auth/logout') || template.endsWith('/me/totp') ||
  (method === 'PATCH' && template === '/api/v1/organization') ||
  (method === 'DELETE' && template.includes('/consents/')) || (method === 'PATCH' && template.startsWith('/api/v1/users/'));
const roles = ['clinician', 'clinician', 'clinician', 'patient', 'admin', 'researcher', 'clinician2', 'patient2'];

function makeRequest(operation) {
  let target = operation.template.replace(/\{(\w+)\}/g, (_, name) => {
    const pool = ids[name] && ids[name].length ? ids[name] : ids.id;
    return encodeURIComponent(pick([...pool, ...pool, 'not-a-uuid', '00000000-0000-7000-8000-000000000000']));
  });
  const query = [];
  for (const p of operation.op.parameters || []) {
    if (p.in === 'query' && random() < 0.7) {
      const v = generate(p.schema || {}, ids);
      query.push(`${encodeURIComponent(p.name)}=${encodeURIComponent(String(encode(v)).replace(/^"|"$/g, '').slice(0, 300))}`);
    }
  }
  if (query.length) target += '?' + query.join('&');
  let body;
  let contentType = 'application/json';
  if (operation.op.requestBody) {
    const schema = operation.op.requestBody.content?.['application/json']?.schema || {};
    body = encode(generate(schema, ids));
    const r = random();
    if (r < 0.05) body = body.slice(0, Math.floor(random() * 50));
    else if (r < 0.08) body = Buffer.concat([Buffer.from('{"amount":"'), Buffer.from([0xff, 0xfe, 0xc0]), Buffer.from('"}')]);
    else if (r < 0.1) contentType = pick(['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1']);
  }
  return { method: operation.method, target, body, contentType, role: pick(roles) };
}

const statuses = new Map();
const reached = new Set();  // operations that answered 2xx at least once
async function send(request, label) {
  let r;
  try {
    r = await call(request.method, request.target, tokens[request.role], request.body, request.contentType);
  } catch (e) {
    assert.fail(`${label}: ${request.method} ${request.target} as ${request.role} failed (${e.message}); body ${String(request.body).slice(0, 300)}`);
  }
  statuses.set(r.status, (statuses.get(r.status) || 0) + 1);
  const where = `${label}: ${request.method} ${request.target} as ${request.role} -> ${r.status}; body ${String(request.body).slice(0, 300)}; answer ${r.bytes.toString('utf8').slice(0, 300)}`;
  assert.ok(r.status < 500, where);
  if (r.type.startsWith('application/json') && r.bytes.length > 0) {
    let parsed;
    assert.doesNotThrow(() => (parsed = json(r)), where);
    if (r.status >= 400) {
      assert.equal(typeof parsed?.error?.code, 'string', where);
      assert.equal(typeof parsed?.error?.message, 'string', where);
    }
  } else if (r.status >= 400) {
    assert.fail(`${where}: an error without a JSON body`);
  }
  return r;
}

const steady = operations.filter((o) => !disruptive(o));
for (let i = 0; i < REQUESTS; ++i) {
  const operation = pick(steady);
  const r = await send(makeRequest(operation), `request ${i} (seed ${SEED})`);
  if (r.status < 300) reached.add(`${operation.method} ${operation.template}`);
}
for (const operation of operations.filter(disruptive)) {
  for (let i = 0; i < 20; ++i) await send(makeRequest(operation), `disruptive ${operation.method} ${operation.template}`);
}

// The run reached the handlers, not only the routers' 404s and 403s.
assert.ok(reached.size >= steady.length / 3, `only ${reached.size} of ${steady.length} operations ever succeeded`);
assert.equal((await call('GET', '/readyz')).status, 200, 'the server is still ready');
server.child.kill('SIGTERM');
const code = await new Promise((resolve) => server.child.once('exit', resolve));
assert.equal(code, 0, 'mitra serve stops cleanly');
const verify = spawnSync(BIN, ['audit', 'verify', '--database', server.db], { encoding: 'utf8' });
assert.equal(verify.status, 0, `audit verify: ${verify.stdout} ${verify.stderr}`);
const log = server.log();
for (const id of ids.pid) assert.ok(!log.includes(id), 'a patient id appears in the server log');
assert.ok(!/@demo\.mitra\.example/.test(log), 'an e-mail address appears in the server log');
fs.rmSync(server.dir, { recursive: true, force: true });
if (server.schema) psql(`DROP SCHEMA ${server.schema} CASCADE`);
console.log(`api_schema_fuzz${POSTGRES ? ' on PostgreSQL' : ''}: ${REQUESTS} requests over ${steady.length} operations (seed ${SEED}), ` +
  `${reached.size} reached with a 2xx; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
