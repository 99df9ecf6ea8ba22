// The counter screen's small behaviours. Everything works without them; they save taps and keystrokes.
(() => {
  "use strict";

  const scanField = () => document.querySelector("[data-scan-field]");

  // A USB or Bluetooth scanner types like a keyboard. When nothing editable has focus, keystrokes go to the
  // scan field, so a card scanned while the member page is open still finds its member.
  document.addEventListener("keydown", (event) => {
    const field = scanField();
    const active = document.activeElement;
    if (!field || event.ctrlKey || event.metaKey || event.altKey || event.key.length !== 1) return;
    if (active && (active.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName))) return;
    field.focus();
  });

  // No double submissions: a form being sent has its buttons disabled (the server ignores repeats anyway).
  document.addEventListener("submit", (event) => {
    const form = event.target;
    const confirmButton = event.submitter && event.submitter.dataset.confirm;
    if (confirmButton && !window.confirm(confirmButton)) {
      event.preventDefault();
      return;
    }
    if (form.method.toLowerCase() !== "post") return;
    window.setTimeout(() => form.querySelectorAll("button[type=submit]").forEach((b) => { b.disabled = true; }), 0);
  });

  // ------------------------------------------------------------ the purchase form

  function decimals(text) {
    const value = Number.parseFloat(text);
    return Number.isFinite(value) ? value : 0;
  }

  function setupPurchase(form) {
    const amount = form.querySelector("[name=amount]");
    const points = form.querySelector("[name=points]");
    const toPay = form.querySelector("[data-to-pay]");
    const toPayLine = form.querySelector("[data-to-pay-line]");
    const digits = Number.parseInt(form.dataset.digits || "0", 10);
    const pointValue = decimals(form.dataset.pointValue);
    const formatter = new Intl.NumberFormat(document.documentElement.lang || undefined, {
      style: "currency", currency: form.dataset.currency, minimumFractionDigits: digits, maximumFractionDigits: digits,
    });
    let typed = amount && amount.value !== "";
    const counts = [...form.querySelectorAll(".quick-count")];

    function itemsTotal() {
      return counts.reduce((sum, input) => sum + decimals(input.dataset.price) * decimals(input.value), 0);
    }

    function refresh() {
      if (!typed && counts.length) {
        const total = itemsTotal();
        amount.value = total > 0 ? total.toFixed(digits) : "";
      }
      if (points && toPay) {
        const used = decimals(points.value);
        const paid = decimals(amount.value) - used * pointValue;
        toPayLine.hidden = !(used > 0);
        toPay.textContent = formatter.format(Math.max(paid, 0));
      }
    }

    form.querySelectorAll("[data-quick-add]").forEach((button) => {
      button.addEventListener("click", () => {
        const input = document.getElementById(button.dataset.quickAdd);
        input.value = String(decimals(input.value) + 1);
        refresh();
      });
    });
    counts.forEach((input) => input.addEventListener("input", refresh));
    if (amount) amount.addEventListener("input", () => { typed = amount.value !== ""; refresh(); });
    if (points) points.addEventListener("input", refresh);
    refresh();
    // On a tablet the amount is typed at once; on a phone the page opens on who the member is (focusing the
    // amount would scroll past them and open the keyboard over them).
    const wide = window.matchMedia("(min-width: 821px)").matches;
    if (amount && wide && !document.querySelector("[autofocus]")) amount.focus();
  }

  // ------------------------------------------------------------ the camera

  function setupCamera() {
    const button = document.querySelector("[data-camera]");
    const panel = document.querySelector("[data-camera-panel]");
    if (!button || !panel || !window.QrScanner || !window.isSecureContext || !navigator.mediaDevices) return;
    const video = panel.querySelector("[data-camera-video]");
    const failure = panel.querySelector("[data-camera-error]");
    let scanner = null;

    function close() {
      if (scanner) { scanner.stop(); scanner.destroy(); scanner = null; }
      panel.hidden = true;
    }

    function found(result) {
      const field = scanField();
      close();
      field.value = result.data || result;
      field.form.requestSubmit();
    }

    button.hidden = false;
    button.addEventListener("click", () => {
      panel.hidden = false;
      failure.hidden = true;
      scanner = new window.QrScanner(video, found, { preferredCamera: "environment", highlightScanRegion: true,
        returnDetailedScanResult: true });
      scanner.start().catch(() => { failure.hidden = false; });
    });
    panel.querySelector("[data-camera-close]").addEventListener("click", close);
    document.addEventListener("keydown", (event) => { if (event.key === "Escape") close(); });
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-purchase-form]").forEach(setupPurchase);
    setupCamera();
  });
})();
