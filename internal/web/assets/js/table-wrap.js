// A table's scrolling region is a Tab stop only while it scrolls. The
// server marks every region focusable (tabindex="0"), so that without a
// script a keyboard can still reach and scroll a table wider than the
// screen; where the table fits, that stop is an empty extra press of Tab.
// This takes the stop away where the table fits and gives it back when a
// narrower window (or a larger text size) makes it scroll.
//
// The source is internal/web/assets/js/table-wrap.js; the asset build
// copies it to static/js.
const wraps = document.querySelectorAll(".dbtp-table-wrap[tabindex]");
function fit() {
  for (const w of wraps) {
    if (w.scrollWidth > w.clientWidth + 1) w.setAttribute("tabindex", "0");
    else if (document.activeElement !== w) w.removeAttribute("tabindex");
  }
}
if (wraps.length) {
  fit();
  addEventListener("resize", fit);
}
