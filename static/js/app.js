// Small, local behaviour. Every page works without it; it only saves clicks.
document.documentElement.classList.add("js");

// A select marked data-autosubmit sends its form when changed (its submit button is hidden by CSS).
document.addEventListener("change", (event) => {
  const field = event.target.closest("[data-autosubmit]");
  if (field && field.form) {
    field.form.requestSubmit();
  }
});
