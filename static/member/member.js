// The member pages' small local behaviour: the live QR card, the offline card, sharing, copying, confirming,
// and the service worker that keeps the card working with no network. Every page works without it.
document.documentElement.classList.add("js");

// ------------------------------------------------------------------ the service worker
const body = document.body;
if ("serviceWorker" in navigator && body.dataset.serviceWorker) {
  // A page no worker served (the very first visit, before the worker existed) is not kept yet: once the worker is
  // ready, ask it to keep this page, so the card opens offline from the first visit on.
  const servedByWorker = Boolean(navigator.serviceWorker.controller);
  navigator.serviceWorker.register(body.dataset.serviceWorker, { scope: body.dataset.serviceWorkerScope })
    .then(() => navigator.serviceWorker.ready)
    .then((registration) => {
      if (!servedByWorker && registration.active) {
        registration.active.postMessage({ type: "keep-page", url: window.location.href });
      }
    })
    .catch(() => { /* no worker (an insecure origin): the pages still work online */ });
}

// ------------------------------------------------------------------ the QR card
// The signed payload is good for about a minute, so the page fetches a new one every 30 seconds. Offline, or when a
// refresh fails, the card shows the fixed card-number QR instead (the counter can still find the member by it).
const card = document.querySelector("[data-qr-card]");
if (card) {
  const live = card.querySelector("[data-qr-live]");
  const offline = card.querySelector("[data-qr-offline]");
  const source = card.dataset.qrSource;
  const refreshMs = Number(card.dataset.qrRefresh || 30) * 1000;
  const validMs = Number(card.dataset.qrValid || 60) * 1000;
  let issuedAt = Number(card.dataset.qrIssuedAt || 0) * 1000;

  const show = (state) => {
    card.dataset.state = state;
    live.hidden = state !== "live";
    if (offline) {
      offline.hidden = state !== "offline";
    }
  };

  const refresh = async () => {
    if (!navigator.onLine) {
      show("offline");
      return;
    }
    try {
      const response = await fetch(source, { cache: "no-store", credentials: "same-origin" });
      const type = response.headers.get("Content-Type") || "";
      if (!response.ok || !type.startsWith("image/svg+xml")) {
        throw new Error(`QR refresh answered ${response.status}`);
      }
      live.querySelector("[data-qr-image]").innerHTML = await response.text();
      issuedAt = Date.now();
      show("live");
    } catch {
      show("offline");
    }
  };

  // A page opened from the offline cache carries an old payload: never show one the counter would refuse.
  const tooOld = () => Date.now() - issuedAt > validMs - 5000;
  if (!navigator.onLine || tooOld()) {
    show("offline");
  }
  if (navigator.onLine && Date.now() - issuedAt > 5000) {
    refresh();
  }
  setInterval(() => {
    if (tooOld() && card.dataset.state === "live") {
      show("offline");
    }
  }, 5000);
  setInterval(refresh, refreshMs);
  window.addEventListener("offline", () => show("offline"));
  window.addEventListener("online", refresh);
  // Back or forward to this page from the browser's page cache: its code is as old as the visit, so fetch a new one.
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) {
      if (tooOld()) {
        show("offline");
      }
      refresh();
    }
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") {
      refresh();
    }
  });
}

// ------------------------------------------------------------------ sharing and copying the referral link
document.querySelectorAll("[data-web-share]").forEach((button) => {
  if (!navigator.share) {
    return;
  }
  button.hidden = false;
  button.addEventListener("click", () => {
    navigator.share({ title: button.dataset.title, text: button.dataset.text, url: button.dataset.url })
      .catch(() => { /* the member closed the share sheet */ });
  });
});

document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) {
    return;
  }
  const field = document.querySelector(button.dataset.copy);
  field.select();
  try {
    await navigator.clipboard.writeText(field.value);
  } catch {
    document.execCommand("copy");
  }
  const label = button.dataset.label || button.textContent;
  button.dataset.label = label;
  button.textContent = button.dataset.copied || "✓";
  setTimeout(() => { button.textContent = label; }, 1500);
});

// ------------------------------------------------------------------ confirming and signing out
document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form.dataset.confirm;
  if (question && !window.confirm(question)) {
    event.preventDefault();
    return;
  }
  if (form.matches("[data-sign-out]") && navigator.serviceWorker && navigator.serviceWorker.controller) {
    navigator.serviceWorker.controller.postMessage("forget-pages");
  }
});

// A select marked data-autosubmit sends its form when changed.
document.addEventListener("change", (event) => {
  const field = event.target.closest("[data-autosubmit]");
  if (field && field.form) {
    field.form.requestSubmit();
  }
});
