// AnswerGroup (toolkit/widgets.py): one statement and its answer scale as ONE native radio group.
// Every word shown comes from the model (statement, options, hint, why, and the labels
// why_label, note_button_label, note_placeholder, note_label): none is written here, so one
// message catalogue on the Python side translates them all. The DOM is made with
// createElement/textContent only: statement texts come from data files and must never be parsed
// as markup.
const SEQ = "__redflagAnswerGroupSeq";
// JupyterLab (Lumino 2) runs no keyboard shortcut when the key's target is, or is inside, an
// element with this attribute. It must be on the radio itself: the notebook's command-mode
// shortcuts (ArrowUp/Down/Left/Right, "D D" = delete cell, ...) have selectors ending in
// ":focus", which match the focused radio before the check reaches any ancestor.
const SUPPRESS = "data-lm-suppress-shortcuts";

// A radio group's name must be unique on the page (JupyterLab shows several notebooks, and
// each view of a widget is its own group): one page-wide counter, whichever copy of this
// module runs.
function nextName() {
  globalThis[SEQ] = (globalThis[SEQ] || 0) + 1;
  return `redflag-answer-${globalThis[SEQ]}`;
}

function render({ model, el }) {
  const name = nextName();
  const fieldset = document.createElement("fieldset");
  fieldset.className = "redflag-answer-group";
  fieldset.setAttribute(SUPPRESS, "true");
  const legend = document.createElement("legend");
  legend.className = "redflag-answer-statement";
  const hint = document.createElement("p");
  hint.className = "redflag-answer-hint";
  hint.id = `${name}-hint`;
  const choices = document.createElement("div");
  choices.className = "redflag-answer-choices";
  fieldset.append(legend, hint, choices);
  // "Why this matters": a native disclosure after the group (its own Tab stop, Enter opens it).
  const why = document.createElement("details");
  why.className = "redflag-answer-why";
  const whySummary = document.createElement("summary");
  const whyText = document.createElement("p");
  why.append(whySummary, whyText);
  el.classList.add("redflag-answer-host");
  // "Add a note": a button that opens a private text box (only when `notes` is on).
  const noteButton = document.createElement("button");
  noteButton.type = "button";
  noteButton.className = "redflag-answer-note-toggle";
  noteButton.setAttribute(SUPPRESS, "true");
  const note = document.createElement("textarea");
  note.className = "redflag-answer-note";
  note.id = `${name}-note`;
  note.rows = 2;
  note.setAttribute(SUPPRESS, "true");
  noteButton.setAttribute("aria-controls", note.id);
  el.replaceChildren(fieldset, why, noteButton, note);

  let inputs = [];

  function showText() {
    legend.textContent = String(model.get("statement") ?? "");
    const text = String(model.get("hint") ?? "");
    hint.textContent = text;
    hint.hidden = text === "";
    if (text) {
      fieldset.setAttribute("aria-describedby", hint.id);
    } else {
      fieldset.removeAttribute("aria-describedby");
    }
    const explain = String(model.get("why") ?? "");
    whyText.textContent = explain;
    why.hidden = explain === "";
  }

  function showLabels() {
    whySummary.textContent = String(model.get("why_label") ?? "");
    noteButton.textContent = String(model.get("note_button_label") ?? "");
    note.placeholder = String(model.get("note_placeholder") ?? "");
    note.setAttribute("aria-label", String(model.get("note_label") ?? ""));
  }

  function showNote() {
    const open = Boolean(model.get("note_open"));
    noteButton.hidden = !model.get("notes");
    noteButton.setAttribute("aria-expanded", String(open));
    note.hidden = !open || !model.get("notes");
    const value = String(model.get("note") ?? "");
    if (note.value !== value) note.value = value;
  }

  function onToggle() {
    model.set("note_open", !model.get("note_open"));
    model.save_changes();
    if (model.get("note_open")) note.focus();
  }

  function onNote() {
    model.set("note", note.value);
    model.save_changes();
  }

  function showValue() {
    const value = model.get("value");
    for (const input of inputs) {
      input.checked = value !== null && value !== undefined && input.value === String(value);
    }
  }

  function showOptions() {
    const rows = [];
    inputs = [];
    (model.get("options") || []).forEach((pair, i) => {
      const row = document.createElement("label");
      row.className = "redflag-answer-choice";
      const input = document.createElement("input");
      input.type = "radio";
      input.name = name;
      input.setAttribute(SUPPRESS, "true");
      input.id = `${name}-${i}`;
      input.value = String(pair[1]);
      const text = document.createElement("span");
      text.textContent = String(pair[0]);
      row.append(input, text);
      rows.push(row);
      inputs.push(input);
    });
    choices.replaceChildren(...rows);
    showValue();
  }

  function showDisabled() {
    fieldset.disabled = Boolean(model.get("disabled"));
  }

  function onChange(event) {
    const input = event.target;
    if (!inputs.includes(input) || !input.checked) return;
    model.set("value", input.value);
    model.save_changes();
  }

  choices.addEventListener("change", onChange);
  noteButton.addEventListener("click", onToggle);
  note.addEventListener("input", onNote);
  const handlers = [
    ["change:statement", showText], ["change:hint", showText], ["change:why", showText],
    ["change:options", showOptions],
    ["change:value", showValue], ["change:disabled", showDisabled],
    ["change:note", showNote], ["change:note_open", showNote], ["change:notes", showNote],
    ["change:why_label", showLabels], ["change:note_button_label", showLabels],
    ["change:note_placeholder", showLabels], ["change:note_label", showLabels],
  ];
  for (const [event, handler] of handlers) model.on(event, handler);
  showText();
  showLabels();
  showOptions();
  showDisabled();
  showNote();
  return () => {
    for (const [event, handler] of handlers) model.off(event, handler);
    choices.removeEventListener("change", onChange);
    noteButton.removeEventListener("click", onToggle);
    note.removeEventListener("input", onNote);
  };
}

// AnswerSheet (toolkit/widgets.py): a form's statements in ONE widget, each drawn by render()
// above through a view of the sheet's model that reads and writes like an AnswerGroup's (its
// value, note and note_open live in the sheet's values, note_texts and open_notes, keyed by the
// statement's id). One model instead of one per statement: the page creates one widget, not
// twenty, so a form opens sooner.
const OWN = new Set(["statement", "options", "hint", "why", "note_label"]);
const SHEET_EVENTS = {
  "change:value": "change:values",
  "change:note": "change:note_texts",
  "change:note_open": "change:open_notes",
};

function itemModel(model, item) {
  const id = item.id;
  const merged = (key, value) => {
    const all = { ...(model.get(key) || {}) };
    if (value === null || value === undefined || value === "") delete all[id];
    else all[id] = value;
    return all;
  };
  return {
    get(key) {
      if (OWN.has(key)) return item[key];
      if (key === "value") return (model.get("values") || {})[id] ?? null;
      if (key === "note") return (model.get("note_texts") || {})[id] ?? "";
      if (key === "note_open") return (model.get("open_notes") || []).includes(id);
      return model.get(key); // disabled, notes and the shared labels
    },
    set(key, value) {
      if (key === "value") model.set("values", merged("values", value));
      else if (key === "note") model.set("note_texts", merged("note_texts", value));
      else if (key === "note_open") {
        const others = (model.get("open_notes") || []).filter((x) => x !== id);
        model.set("open_notes", value ? [...others, id] : others);
      }
    },
    save_changes() {
      model.save_changes();
    },
    // a statement's own texts never change on its own (a new list is drawn afresh: "change:items")
    on(event, handler) {
      if (!OWN.has(event.slice(7))) model.on(SHEET_EVENTS[event] || event, handler);
    },
    off(event, handler) {
      if (!OWN.has(event.slice(7))) model.off(SHEET_EVENTS[event] || event, handler);
    },
  };
}

function renderSheet({ model, el }) {
  el.classList.add("redflag-answer-sheet");
  let cleanups = [];
  function draw() {
    for (const cleanup of cleanups) cleanup();
    const hosts = [];
    cleanups = (model.get("items") || []).map((item) => {
      const host = document.createElement("div");
      host.className = "redflag-item";
      hosts.push(host);
      return render({ model: itemModel(model, item), el: host });
    });
    el.replaceChildren(...hosts);
  }
  draw();
  model.on("change:items", draw);
  return () => {
    model.off("change:items", draw);
    for (const cleanup of cleanups) cleanup();
  };
}

export default {
  render(context) {
    return context.model.get("items") === undefined ? render(context) : renderSheet(context);
  },
};
