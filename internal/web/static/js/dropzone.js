// Drag and drop onto a file field. The field stays a plain file input,
// which works without this script; dropping a file onto the area around
// it fills the input, and a live line says which file is chosen.
for (const zone of document.querySelectorAll("[data-dbtp-drop-zone]")) {
  const input = zone.querySelector('input[type="file"]');
  if (!input) continue;
  const status = document.createElement("p");
  status.className = "govuk-body-s dbtp-drop-zone__status";
  status.setAttribute("aria-live", "polite");
  const idle = "Or drag and drop a file here";
  const show = () => {
    status.textContent = input.files && input.files.length ? "Chosen: " + input.files[0].name : idle;
  };
  show();
  zone.append(status);
  zone.classList.add("dbtp-drop-zone--enhanced");
  zone.addEventListener("dragover", (e) => {
    e.preventDefault();
    zone.classList.add("dbtp-drop-zone--over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("dbtp-drop-zone--over"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("dbtp-drop-zone--over");
    if (e.dataTransfer && e.dataTransfer.files.length) {
      input.files = e.dataTransfer.files;
      show();
    }
  });
  input.addEventListener("change", show);
}
