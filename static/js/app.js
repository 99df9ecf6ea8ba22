// Small, local behaviour. Every page works without it; it only saves clicks.
document.documentElement.classList.add("js");

// A select marked data-autosubmit sends its form when changed (its submit button is hidden by CSS).
document.addEventListener("change", (event) => {
  const field = event.target.closest("[data-autosubmit]");
  if (field && field.form) {
    field.form.requestSubmit();
  }
});

// A button marked data-copy="#field" copies that field's text (a new key or a secret) and says so.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) {
    return;
  }
  const field = document.querySelector(button.dataset.copy);
  if (!field) {
    return;
  }
  field.select();
  try {
    await navigator.clipboard.writeText(field.value);
  } catch {
    document.execCommand("copy");
  }
  button.dataset.label = button.dataset.label || button.textContent;
  button.textContent = "✓";
  setTimeout(() => { button.textContent = button.dataset.label; }, 1500);
});

// A read-only field marked data-select-on-focus selects its whole value, ready to copy.
document.addEventListener("focusin", (event) => {
  if (event.target.matches("[data-select-on-focus]")) {
    event.target.select();
  }
});

// Onboarding starts from the browser's time zone: the page is asked again with it, once, so the country, its
// currency and its time zone are the browser's rather than a guess from the language.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form[data-browser-zone]");
  const zone = window.Intl && Intl.DateTimeFormat().resolvedOptions().timeZone;
  const chosen = form && form.querySelector("#id_timezone");
  if (!form || !zone || !chosen || chosen.value === zone) {
    return;
  }
  const url = new URL(window.location.href);
  url.searchParams.set("zone", zone);
  window.location.replace(url);
});
