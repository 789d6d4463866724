// Builds the GOV.UK Frontend assets that dbtp embeds and commits, so that a
// Go build needs no Node. Rebuild after changing app.scss or upgrading
// govuk-frontend:
//
//   cd internal/web/assets && npm ci && npm run build
//
// Output goes to ../static: css/app.css (minified), js/govuk-frontend.min.js
// (the ES module bundle), js/init.js (adds the js-enabled class and calls
// initAll, as an external script because CSP forbids inline ones, and
// brings in table-wrap.js, which every page with a table needs), dbtp's
// own scripts from js/ here, and images/favicon.svg (a neutral mark: the GOV.UK favicons are the crown).
import { mkdirSync, copyFileSync, writeFileSync, rmSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "static");
const govuk = join(here, "node_modules", "govuk-frontend", "dist", "govuk");
const version = JSON.parse(readFileSync(join(here, "node_modules", "govuk-frontend", "package.json"))).version;

rmSync(out, { recursive: true, force: true });
for (const d of ["css", "js", "images"]) mkdirSync(join(out, d), { recursive: true });

const css = sass.compile(join(here, "app.scss"), {
  loadPaths: [join(here, "node_modules")],
  style: "compressed",
  // No byte order mark: after the licence comment below it would sit
  // inside the first rule's selector, and the browser would drop that
  // rule, GOV.UK Frontend's :root with the breakpoints its scripts read.
  charset: false,
  quietDeps: true,
  silenceDeprecations: ["import", "global-builtin", "slash-div", "color-functions"],
});
if (/GDS Transport|govuk-crest/.test(css.css)) {
  throw new Error("compiled CSS still mentions the GDS Transport font or the crown");
}
writeFileSync(join(out, "css", "app.css"), `/* GOV.UK Frontend ${version} (MIT) with dbtp styles */\n${css.css}\n`);

copyFileSync(join(govuk, "govuk-frontend.min.js"), join(out, "js", "govuk-frontend.min.js"));
writeFileSync(join(out, "js", "init.js"), `// Progressive enhancement: pages work without this script.
import { initAll } from "./govuk-frontend.min.js";
import "./table-wrap.js";
document.body.classList.add("js-enabled");
if ("noModule" in HTMLScriptElement.prototype) {
  document.body.classList.add("govuk-frontend-supported");
}
initAll();
`);

// dbtp's own scripts (progressive enhancement, one file per component)
// are kept beside this file and copied as they are.
for (const f of readdirSync(join(here, "js"))) {
  if (f.endsWith(".js")) copyFileSync(join(here, "js", f), join(out, "js", f));
}

writeFileSync(join(out, "images", "favicon.svg"), `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#0b0c0c"/><rect x="7" y="7" width="18" height="18" rx="3" fill="none" stroke="#ffffff" stroke-width="3"/></svg>
`);
console.log(`built GOV.UK Frontend ${version} assets into ${out}`);
