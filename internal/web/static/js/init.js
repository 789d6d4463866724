// Progressive enhancement: pages work without this script.
import { initAll } from "./govuk-frontend.min.js";
import "./table-wrap.js";
document.body.classList.add("js-enabled");
if ("noModule" in HTMLScriptElement.prototype) {
  document.body.classList.add("govuk-frontend-supported");
}
initAll();
