// Person picker: progressive enhancement of a person question (see
// forms/picker.go). Without this script the question is a search box, a
// Search button and the people found as radio buttons. With it, the box
// is an ARIA 1.2 combobox: typing lists matching people in a listbox
// below; Down and Up move through them, Enter or a click chooses, Escape
// closes. The chosen user ID goes in a hidden input named after the
// question, which is what the form submits either way.
//
// The source is internal/web/assets/js/picker.js; the asset build copies
// it to static/js.

const DELAY = 250; // ms after the last key before searching

function enhance(root) {
  const field = root.dataset.field;
  const url = root.dataset.searchUrl;
  const input = root.querySelector(".dbtp-picker__input");
  if (!field || !url || !input || root.dataset.enhanced) return;
  root.dataset.enhanced = "1";

  // What the server drew for the chosen person, before the radios go.
  let chosenId = "";
  let chosenName = "";
  const checked = root.querySelector('input[type="radio"]:checked');
  if (checked) {
    chosenId = checked.value;
    const label = root.querySelector('label[for="' + checked.id + '"]');
    chosenName = label ? label.textContent.trim() : "";
  }
  root.querySelectorAll(".dbtp-picker__results, .dbtp-picker__button").forEach((el) => el.remove());
  // The error summary links to the question by its ID, which the first
  // radio carried: the box takes it over.
  if (!root.id && !document.getElementById(field)) root.id = field;

  const hidden = document.createElement("input");
  hidden.type = "hidden";
  hidden.name = field;
  hidden.value = chosenId;
  root.appendChild(hidden);
  if (chosenName) input.value = chosenName;

  const listId = field + "-listbox";
  const list = document.createElement("ul");
  list.id = listId;
  list.className = "dbtp-picker__list";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", "People found");
  list.hidden = true;
  input.insertAdjacentElement("afterend", list);

  const status = document.createElement("div");
  status.className = "govuk-visually-hidden";
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  root.appendChild(status);

  const hint = document.createElement("div");
  hint.id = field + "-picker-hint";
  hint.className = "govuk-hint";
  hint.textContent = "Start typing a name or email address, then choose the person from the list.";
  input.insertAdjacentElement("beforebegin", hint);

  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", listId);
  const described = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
  described.push(hint.id);
  input.setAttribute("aria-describedby", described.join(" "));

  let people = [];
  let active = -1;
  let timer = 0;
  let seq = 0;
  let chose = false; // the Enter key being pressed chose a person

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function highlight(i) {
    const items = list.children;
    if (active >= 0 && items[active]) items[active].setAttribute("aria-selected", "false");
    active = i;
    if (active >= 0 && items[active]) {
      items[active].setAttribute("aria-selected", "true");
      input.setAttribute("aria-activedescendant", items[active].id);
      items[active].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function choose(i) {
    const p = people[i];
    if (!p) return;
    hidden.value = p.id;
    input.value = p.name;
    close();
    status.textContent = p.name + " chosen";
  }

  // howMany says how many people match when there are more than are
  // listed: "10 of 37 shown", "10 of more than 110 shown".
  function howMany(total, many) {
    if (!total) return people.length + " shown, and there are more";
    return people.length + " of " + (many ? "more than " : "") + total + " shown";
  }

  function render(query, more, total, many) {
    list.textContent = "";
    people.forEach((p, i) => {
      const li = document.createElement("li");
      li.id = field + "-option-" + i;
      li.className = "dbtp-picker__option";
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.textContent = p.name;
      if (p.email) {
        const span = document.createElement("span");
        span.className = "dbtp-picker__email";
        span.textContent = p.email;
        li.appendChild(span);
      }
      // mousedown, not click: a click would blur the box first.
      li.addEventListener("mousedown", (e) => {
        e.preventDefault();
        choose(i);
      });
      list.appendChild(li);
    });
    if (people.length === 0) {
      const none = 'No one found for "' + query + '"';
      status.textContent = none;
      const li = document.createElement("li");
      li.id = field + "-option-none";
      li.className = "dbtp-picker__none";
      li.setAttribute("role", "option");
      li.setAttribute("aria-disabled", "true");
      li.setAttribute("aria-selected", "false");
      li.textContent = none;
      list.appendChild(li);
    } else if (more) {
      // Never a list of thousands: the first few, how many there are, and
      // how to narrow them, seen in the list and heard from the status.
      const narrow = howMany(total, many) + ": type more of the name, or the email address, to narrow the list";
      const li = document.createElement("li");
      li.id = field + "-option-more";
      li.className = "dbtp-picker__none";
      li.setAttribute("role", "option");
      li.setAttribute("aria-disabled", "true");
      li.setAttribute("aria-selected", "false");
      li.textContent = narrow;
      list.appendChild(li);
      status.textContent = narrow + ". Use the down arrow to choose.";
    } else {
      status.textContent =
        people.length + (people.length === 1 ? " person" : " people") + " found. Use the down arrow to choose.";
    }
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    active = -1;
  }

  async function search() {
    const query = input.value.trim();
    if (query.length < 2) {
      people = [];
      close();
      return;
    }
    const mine = ++seq;
    try {
      const res = await fetch(url + "?q=" + encodeURIComponent(query), {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      if (!res.ok) throw new Error(String(res.status));
      const body = await res.json();
      if (mine !== seq) return; // a later search has been sent
      people = body.people || [];
      render(query, body.more, body.total, body.many);
    } catch (e) {
      if (mine !== seq) return;
      people = [];
      close();
      status.textContent = "The search did not work. Try again.";
    }
  }

  input.addEventListener("input", () => {
    hidden.value = ""; // what is typed no longer names the chosen person
    clearTimeout(timer);
    timer = setTimeout(search, DELAY);
  });

  input.addEventListener("keydown", (e) => {
    const open = !list.hidden && people.length > 0;
    switch (e.key) {
      case "ArrowDown":
        e.preventDefault();
        if (!open) {
          search();
          return;
        }
        highlight(Math.min(active + 1, people.length - 1));
        break;
      case "ArrowUp":
        if (!open) return;
        e.preventDefault();
        highlight(Math.max(active - 1, 0));
        break;
      case "Enter":
        if (open && active >= 0) {
          e.preventDefault(); // choose, do not submit
          chose = true;
          choose(active);
        }
        break;
      case "Escape":
        if (!list.hidden) {
          e.preventDefault();
          close();
        }
        break;
      case "Tab":
        close();
        break;
    }
  });

  // Enter that chose a person must not also submit the form. Browsers
  // skip keypress after a cancelled keydown, but not every input path
  // does (a synthesised key, some assistive technology), so it is
  // cancelled here too.
  input.addEventListener("keypress", (e) => {
    if (e.key === "Enter" && chose) e.preventDefault();
  });
  input.addEventListener("keyup", (e) => {
    if (e.key === "Enter") chose = false;
  });

  input.addEventListener("blur", () => close());
}

document.querySelectorAll("[data-person-picker]").forEach(enhance);
