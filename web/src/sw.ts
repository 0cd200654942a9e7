/**
 * The service worker: it caches the app shell so the app opens without a connection, and
 * nothing else. A request that is not for a shell file (the API, the pseudonymiser, the
 * sign-in, config.json) is left alone, so no answer about a subject is ever stored.
 */

// A module, so this `self` (the worker's global scope) shadows the DOM one.
export {};
declare const self: ServiceWorkerGlobalScope;

const CACHE = `betrokken-shell-${__SHELL_VERSION__}`;
const scope = new URL(self.registration.scope);
const SHELL = new Set([scope.href, ...__SHELL_FILES__.map((file) => new URL(file, scope).href)]);
const INDEX = new URL("index.html", scope).href;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(__SHELL_FILES__.map((file) => new URL(file, scope).href)))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((name) => name !== CACHE).map((name) => caches.delete(name))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const { request } = event;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  url.search = "";
  url.hash = "";
  if (!SHELL.has(url.href)) return;
  const key = url.href === scope.href ? INDEX : url.href;
  // Network first, so a new deployment shows at once; the cache when offline.
  event.respondWith(
    fetch(request).catch(() => caches.match(key, { cacheName: CACHE }).then((hit) => hit ?? Response.error())),
  );
});
