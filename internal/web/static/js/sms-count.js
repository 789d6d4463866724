// Live text message count: progressive enhancement of digital post's
// "send a message" form for a text message, and of the form that makes or
// changes a text message template (which has no message to show, only
// its count: data-sms-text is optional). Without this script the page
// shows the message and its count as they stood when it was drawn, and
// the "Check your message" page counts it exactly. With it, the message
// and its count follow what is typed: the form is posted (with its CSRF
// token) to the count address, which fills in the template and counts it
// as the send path does, so the page and what is sent never disagree.
//
// The source is internal/web/assets/js/sms-count.js; the asset build
// copies it to static/js.

const DELAY = 300; // ms after the last key before counting again

function enhance(root) {
  const form = root.closest("form");
  const url = root.dataset.countUrl;
  const text = root.querySelector("[data-sms-text]");
  const words = root.querySelector("[data-sms-words]");
  if (!form || !url || !words || root.dataset.enhanced) return;
  root.dataset.enhanced = "1";

  let timer = 0;
  let asked = 0; // the latest question: older answers are dropped

  async function count() {
    const mine = ++asked;
    let answer;
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
        body: new URLSearchParams(new FormData(form)),
        credentials: "same-origin",
      });
      if (!res.ok) return; // the page's own count stays
      answer = await res.json();
    } catch {
      return;
    }
    if (mine !== asked) return;
    text?.replaceChildren(
      ...(answer.paragraphs || []).map((lines) => {
        const p = document.createElement("p");
        p.className = "govuk-body";
        lines.forEach((line, i) => {
          if (i) p.append(document.createElement("br"));
          p.append(line);
        });
        return p;
      }),
    );
    words.textContent = answer.words || "";
  }

  form.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(count, DELAY);
  });
}

document.querySelectorAll("[data-dbtp-sms-count]").forEach(enhance);
