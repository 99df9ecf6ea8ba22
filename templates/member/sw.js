{% autoescape off %}// The member pages' service worker (served from /m/sw.js, so its scope is /m/).
// Pages: network first, and each page opened is kept, so with no network the last copy opens (the card page
// then shows the fixed card-number QR). Static assets: from the cache. QR images: network only, never kept.
const VERSION = {{ version }};
const CACHE = `regulars-member-${VERSION}`;
const ASSETS = {{ assets }};
const SCOPE = {{ scope }};
const STATIC = {{ static_prefix }};

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(ASSETS)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(
        keys.filter((key) => key.startsWith("regulars-member-") && key !== CACHE).map((key) => caches.delete(key)),
      ))
      .then(() => self.clients.claim()),
  );
});

function isLiveImage(url) {
  return url.pathname.endsWith("/qr.svg") || url.pathname.endsWith("/qr.png");
}

async function pageFromNetworkOrCache(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok && !response.redirected) {
      await cache.put(request, response.clone());
    }
    return response;
  } catch (error) {
    const cached = (await cache.match(request, { ignoreSearch: true })) || (await cache.match(SCOPE));
    if (cached) {
      return cached;
    }
    throw error;
  }
}

async function assetFromCacheOrNetwork(request) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(request);
  if (cached) {
    return cached;
  }
  const response = await fetch(request);
  if (response.ok) {
    await cache.put(request, response.clone());
  }
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin || isLiveImage(url)) {
    return;
  }
  if (request.mode === "navigate" && url.pathname.startsWith(SCOPE)) {
    event.respondWith(pageFromNetworkOrCache(request));
  } else if (url.pathname.startsWith(STATIC)) {
    event.respondWith(assetFromCacheOrNetwork(request));
  }
});

// Signing out: the pages kept for offline use go too (they show the member's points and card).
self.addEventListener("message", (event) => {
  if (event.data === "forget-pages") {
    event.waitUntil(caches.delete(CACHE));
  }
});
{% endautoescape %}