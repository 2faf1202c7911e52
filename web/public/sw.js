// mitra service worker: keeps the app shell available offline.
// - Navigations: network first (so a new build is picked up at once), the cached shell when offline.
// - /assets/* (content-hashed by Vite): cache first, stored on first use.
// - /api/* and everything else: never cached here; writes made offline are queued by the app
//   itself in IndexedDB and synced when the connection returns.
const SHELL_CACHE = 'mitra-shell-v1';
const SHELL_URLS = ['/', '/manifest.webmanifest', '/icon.svg'];

async function precache() {
  const cache = await caches.open(SHELL_CACHE);
  await cache.addAll(SHELL_URLS);
  const html = await (await cache.match('/')).text();
  const assets = Array.from(html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g), (m) => m[1]);
  await cache.addAll(assets);
}

self.addEventListener('install', (event) => {
  event.waitUntil(precache().then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== SHELL_CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/api/') || url.pathname === '/healthz') return;

  if (request.mode === 'navigate') {
    event.respondWith(
      fetch(request)
        .then((response) => {
          const html = (response.headers.get('content-type') || '').startsWith('text/html');
          if (response.ok && html) {
            const copy = response.clone();
            caches.open(SHELL_CACHE).then((c) => c.put('/', copy));
            return response;
          }
          // A client-side route the server did not map to index.html: serve the app shell.
          if (response.status === 404) return caches.match('/').then((hit) => hit || fetch('/'));
          return response;
        })
        .catch(() => caches.match('/')),
    );
    return;
  }
  if (url.pathname.startsWith('/assets/') || SHELL_URLS.includes(url.pathname)) {
    event.respondWith(
      caches.match(request).then(
        (hit) =>
          hit ||
          fetch(request).then((response) => {
            if (response.ok) {
              const copy = response.clone();
              caches.open(SHELL_CACHE).then((c) => c.put(request, copy));
            }
            return response;
          }),
      ),
    );
  }
});
