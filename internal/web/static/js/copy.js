// A "copy" button for a read-only field (data-dbtp-copy names the field's
// id). Without this script the button stays hidden and the field is
// selected and copied by hand; with it, one press copies the value and a
// live line says so.
//
// The source is internal/web/assets/js/copy.js; the asset build copies it
// to static/js.
for (const button of document.querySelectorAll("[data-dbtp-copy]")) {
  const field = document.getElementById(button.dataset.dbtpCopy);
  const status = document.querySelector("[data-dbtp-copy-status]");
  if (!field || !navigator.clipboard) continue;
  button.hidden = false;
  button.addEventListener("click", async () => {
    field.select();
    try {
      await navigator.clipboard.writeText(field.value);
      if (status) status.textContent = "Copied. Paste it into the system's settings now.";
    } catch {
      if (status) status.textContent = "Could not copy: select the key and copy it yourself.";
    }
  });
}
