// The pages' service worker: keeps the pages' own files so that a page reloaded without a
// connection still opens and records can be entered and kept in the outbox. Pages are taken
// from the network first (so a new version shows at once when online) and from this cache only
// when the network fails; the versioned chart library from the cache first. API answers are
// never cached here: they pass straight through.
const CACHE = 'tonle-pages-v3';
const SHELL = ['/', '/style.css', '/js/app.js', '/js/api.js', '/js/dom.js', '/js/entry.js', '/js/rules.js',
  '/js/outbox.js', '/js/dashboard.js', '/js/programmes.js', '/js/i18n.js', '/js/rejections.js', '/js/imports.js',
  '/js/users.js', '/js/audit.js', '/js/account.js', '/i18n/en.json', '/i18n/km.json',
  '/vendor/intl-messageformat-10.7.16/intl-messageformat.esm.js', '/js/review.js', '/js/periods.js'];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys()
    .then((names) => Promise.all(names.filter((n) => n !== CACHE).map((n) => caches.delete(n))))
    .then(() => self.clients.claim()));
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin
      || url.pathname.startsWith('/api/') || url.pathname === '/health') {
    return;
  }
  const key = url.pathname === '/index.html' ? '/' : url.pathname;
  if (url.pathname.startsWith('/webjars/')) {
    event.respondWith(caches.match(key).then((hit) => hit || fetch(event.request).then((response) => keep(key, response))));
    return;
  }
  event.respondWith(fetch(event.request)
    .then((response) => keep(key, response))
    .catch(() => caches.match(key).then((hit) => hit || Response.error())));
});

function keep(key, response) {
  if (response.ok) {
    const copy = response.clone();
    caches.open(CACHE).then((cache) => cache.put(key, copy));
  }
  return response;
}
