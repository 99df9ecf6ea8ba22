{% autoescape off %}// The member pages' service worker (served from /m/sw.js, so its scope is /m/).
// Pages: network first; the pages worth having offline (the list of cards, a shop's card page, a voucher) are kept
// as they are opened, so with no network the last copy opens (the card page then shows the fixed card-number QR).
// No other page is kept (settings, history, the data download), nor anything the server marks no-store.
// The kept pages live in a cache whose name never changes, so a new version of the site keeps them; only the static
// assets' cache carries the version. Static assets: from the cache. QR images: network only, never kept.
const PAGES = {{ pages_cache }};
const ASSETS_CACHE = {{ assets_cache }};
const ASSETS = {{ assets }};
const SCOPE = {{ scope }};
const STATIC = {{ static_prefix }};
const NOT_SHOPS = {{ not_shops }};  // first path segments that are never a shop's (sign-in, link, …)

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(ASSETS_CACHE).then((cache) => cache.addAll(ASSETS)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(
        keys.filter((key) => key.startsWith("regulars-member-") && key !== PAGES && key !== ASSETS_CACHE)
          .map((key) => caches.delete(key)),
      ))
      .then(() => self.clients.claim()),
  );
});

// The kinds of page kept for offline use: "/m/", "/m/<shop>/" and "/m/<shop>/vouchers/<code>/".
function isKeptPage(url) {
  if (url.origin !== self.location.origin || !url.pathname.startsWith(SCOPE)) {
    return false;
  }
  if (url.pathname === SCOPE) {
    return true;
  }
  const parts = url.pathname.slice(SCOPE.length).split("/");
  if (!parts[0] || NOT_SHOPS.includes(parts[0]) || parts[parts.length - 1] !== "") {
    return false;
  }
  return parts.length === 2 || (parts.length === 4 && parts[1] === "vouchers" && parts[2] !== "");
}

function isStorable(response) {
  const control = response.headers.get("Cache-Control") || "";
  return response.ok && !response.redirected && response.type === "basic" && !/no-store/i.test(control);
}

async function keep(key, response) {
  if (isStorable(response)) {
    const cache = await caches.open(PAGES);
    await cache.put(key, response);
  }
}

async function pageFromNetworkOrCache(request) {
  const url = new URL(request.url);
  try {
    const response = await fetch(request);
    if (isKeptPage(url)) {
      await keep(request, response.clone());
    }
    return response;
  } catch (error) {
    const cache = await caches.open(PAGES);
    const options = { ignoreSearch: true, ignoreVary: true };
    const cached = (isKeptPage(url) && (await cache.match(request, options))) || (await cache.match(SCOPE, options));
    if (cached) {
      return cached;
    }
    throw error;
  }
}

async function assetFromCacheOrNetwork(request) {
  const cache = await caches.open(ASSETS_CACHE);
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
  if (request.method !== "GET" || url.origin !== self.location.origin) {
    return;
  }
  if (request.mode === "navigate" && url.pathname.startsWith(SCOPE)) {
    event.respondWith(pageFromNetworkOrCache(request));
  } else if (url.pathname.startsWith(STATIC)) {
    event.respondWith(assetFromCacheOrNetwork(request));
  }
});

// The first page a member opens comes from the network before this worker runs: once ready, the page sends its
// address ("keep-page") and it is kept like the pages opened later.
async function keepPage(address) {
  const url = new URL(address, self.location.origin);
  if (isKeptPage(url)) {
    await keep(url.href, await fetch(url.href, { credentials: "same-origin" }));
  }
}

// Signing out: the kept pages go too (they show the member's points and card); the server also answers the
// sign-out with Clear-Site-Data, which removes every cache and this worker.
self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data === "forget-pages") {
    event.waitUntil(caches.delete(PAGES));
  } else if (data.type === "keep-page" && typeof data.url === "string") {
    event.waitUntil(keepPage(data.url).catch(() => { /* offline again: the next visit keeps it */ }));
  }
});
{% endautoescape %}