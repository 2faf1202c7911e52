// Offline outbox: doses and assessments are written to IndexedDB first, each with a
// client-generated UUIDv7 id, and then sent. The server stores a write once per id, so a retried
// or repeated sync (two tabs, a lost response) never duplicates.
import { ApiError, NetworkError, api } from './api';

export type OutboxKind = 'dose' | 'repeat_last' | 'assessment';

export interface OutboxItem {
  id: string; // the record id sent to the server
  kind: OutboxKind;
  patient_id: string;
  body: Record<string, unknown>;
  created_at: string;
  attempts: number;
  status: 'pending' | 'failed';
  error?: string;
  summary: string; // plain-language description for the pending list
}

const DB_NAME = 'mitra';
const STORE = 'outbox';
let dbPromise: Promise<IDBDatabase> | null = null;

function db(): Promise<IDBDatabase> {
  if (!dbPromise) {
    dbPromise = new Promise((resolve, reject) => {
      const req = indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = () => {
        const d = req.result;
        if (!d.objectStoreNames.contains(STORE)) d.createObjectStore(STORE, { keyPath: 'id' });
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }
  return dbPromise;
}

function tx<T>(mode: IDBTransactionMode, fn: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  return db().then(
    (d) =>
      new Promise<T>((resolve, reject) => {
        const t = d.transaction(STORE, mode);
        const r = fn(t.objectStore(STORE));
        t.oncomplete = () => resolve(r.result);
        t.onerror = () => reject(t.error);
        t.onabort = () => reject(t.error);
      }),
  );
}

type Listener = (items: OutboxItem[], syncing: boolean) => void;
const listeners = new Set<Listener>();
let cache: OutboxItem[] = [];
let syncing = false;

function emit(): void {
  for (const l of listeners) l(cache, syncing);
}

export async function refresh(): Promise<OutboxItem[]> {
  const all = await tx<OutboxItem[]>('readonly', (s) => s.getAll() as IDBRequest<OutboxItem[]>);
  cache = all.sort((a, b) => a.created_at.localeCompare(b.created_at));
  emit();
  return cache;
}

export function subscribe(l: Listener): () => void {
  listeners.add(l);
  l(cache, syncing);
  return () => listeners.delete(l);
}

export async function enqueue(item: Omit<OutboxItem, 'attempts' | 'status' | 'created_at'>): Promise<void> {
  const full: OutboxItem = { ...item, attempts: 0, status: 'pending', created_at: new Date().toISOString() };
  await tx('readwrite', (s) => s.put(full));
  await refresh();
  void sync();
}

export async function discard(id: string): Promise<void> {
  await tx('readwrite', (s) => s.delete(id));
  await refresh();
}

function endpoint(item: OutboxItem): string {
  const pid = encodeURIComponent(item.patient_id);
  switch (item.kind) {
    case 'dose':
      return `/patients/${pid}/doses`;
    case 'repeat_last':
      return `/patients/${pid}/doses/repeat-last`;
    case 'assessment':
      return `/patients/${pid}/assessments`;
  }
}

type SentListener = (item: OutboxItem, response: unknown) => void;
const sentListeners = new Set<SentListener>();
export function onSent(l: SentListener): () => void {
  sentListeners.add(l);
  return () => sentListeners.delete(l);
}

let running: Promise<void> | null = null;

/** Sends every pending item in order; stops at the first network failure (still offline). */
export function sync(): Promise<void> {
  if (running) return running;
  running = (async () => {
    syncing = true;
    emit();
    try {
      const items = await refresh();
      for (const item of items) {
        if (item.status === 'failed') continue;
        try {
          const response = await api('POST', endpoint(item), { ...item.body, id: item.id }, { quiet401: true });
          await tx('readwrite', (s) => s.delete(item.id));
          for (const l of sentListeners) l(item, response);
        } catch (e) {
          if (e instanceof NetworkError) break;
          if (e instanceof ApiError && (e.status === 401 || e.status === 429 || e.status >= 500)) {
            // Signed out, throttled or a server fault: keep it pending and try again later.
            await tx('readwrite', (s) => s.put({ ...item, attempts: item.attempts + 1, error: e.message }));
            break;
          }
          // The server refused it (bad input, no longer allowed): keep it, visible, for the person.
          const msg = e instanceof ApiError ? `${e.message}${e.field ? ` (${e.field})` : ''}` : String(e);
          await tx('readwrite', (s) => s.put({ ...item, attempts: item.attempts + 1, status: 'failed', error: msg }));
        }
      }
    } finally {
      syncing = false;
      running = null;
      await refresh();
    }
  })();
  return running;
}

export function startAutoSync(): void {
  window.addEventListener('online', () => void sync());
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') void sync();
  });
  setInterval(() => {
    if (navigator.onLine && cache.some((i) => i.status === 'pending')) void sync();
  }, 15000);
  void refresh().then(() => sync());
}
