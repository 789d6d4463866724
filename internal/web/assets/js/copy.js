// A "copy" button for a read-only field. The page marks where the button
// goes with a hidden, empty element (data-dbtp-copy names the field's id,
// data-dbtp-copy-label the button's words); this script puts the button
// there. Without the script there is no button, and the field is selected
// and copied by hand; with it, one press copies the value and a live line
// says so. (A button in the page with the hidden attribute would still
// show: .govuk-button's display wins over it.)
//
// The source is internal/web/assets/js/copy.js; the asset build copies it
// to static/js.
for (const slot of document.querySelectorAll("[data-dbtp-copy]")) {
  const field = document.getElementById(slot.dataset.dbtpCopy);
  const status = document.querySelector("[data-dbtp-copy-status]");
  if (!field || !navigator.clipboard) continue;
  const button = document.createElement("button");
  button.type = "button";
  button.className = "govuk-button govuk-button--secondary";
  button.dataset.dbtpCopyButton = slot.dataset.dbtpCopy;
  button.textContent = slot.dataset.dbtpCopyLabel || "Copy";
  slot.replaceWith(button);
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
