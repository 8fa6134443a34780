// QuickExit (toolkit/widgets.py): the "Exit this page" button, Shift pressed 3 times, and the
// idle lock's notice. Settings (url, shift_gap_ms, idle_seconds) and every word shown (label,
// shift_messages, expired_message, idle_notice) come from the model: none is written here.
//
// One shared state per browser page, whichever copy of this module runs (JupyterLab can show
// several notebooks, each with its own QuickExit, and outputs re-render): one keyboard listener,
// one button. Where views disagree, the most recently shown one's model speaks for the page.
//
// The app view's page template has its own button, there before any widget (Voilà's
// templates/redflag/static/exit.js, window.__redflagPageExit): then this module draws no button
// and adds no key listener. It takes that button and that listener over (`take`), so the page
// has one of each, and gives them back (`release`) when its last view goes.
const KEY = "__redflagQuickExit";
const PRESSES = 3;             // GOV.UK's "Exit this page": Shift three times

function shared() {
  if (!globalThis[KEY]) {
    globalThis[KEY] = { views: [], root: null, button: null, status: null, room: null, inLab: false,
                        counter: null, hint: null, page: null,
                        count: 0, last: 0, timer: null, shiftAlone: false, listening: false, exiting: false,
                        used: Date.now(), told: Date.now(), ticker: null, notice: null };
  }
  return globalThis[KEY];
}

function safeUrl(raw) {
  if (raw === "about:blank") return raw;
  try {
    const url = new URL(String(raw));
    if (url.protocol === "http:" || url.protocol === "https:") return url.href;
  } catch (err) { /* not a URL: fall through */ }
  return "about:blank";
}

// The model of the most recently shown view: its url, gap and words are the page's.
function current(s) {
  return s.views.length ? s.views[s.views.length - 1].model : null;
}

function setting(s, name, fallback) {
  const model = current(s);
  const value = model ? model.get(name) : undefined;
  return value === undefined || value === null ? fallback : value;
}

function say(s, text) {
  if (s.status) s.status.textContent = text;
  if (s.counter) s.counter.setAttribute("data-count", String(s.count));
}

// The button's label and the idle notice, from the current model.
function showWords(s) {
  if (!s.root) return;
  s.button.textContent = String(setting(s, "label", ""));
  s.hint.textContent = String(setting(s, "shift_hint", ""));
  s.notice.textContent = String(setting(s, "idle_notice", ""));
}

function exitPage(s) {
  if (s.exiting) return;
  s.exiting = true;
  const models = [...new Set(s.views.map((v) => v.model))];
  const url = safeUrl(models.length ? models[models.length - 1].get("url") : "about:blank");
  // 1. Blank the page now: nothing stays on screen, or in reach of a screen reader, while
  //    the next page loads.
  const cover = document.createElement("style");
  cover.textContent = "html, body { background: #fff !important; } body > * { display: none !important; }";
  document.head.appendChild(cover);
  document.title = "";
  // JupyterLab sets the tab title again when its focus changes: from now on, nothing may.
  try {
    Object.defineProperty(document, "title", { configurable: true, get: () => "", set: () => {} });
  } catch (err) { /* an older browser: the title was blanked once */ }
  document.body.replaceChildren();
  // The tab's unlock (uikit.SESSION_ITEM) goes too: after Exit every page asks again.
  try { sessionStorage.removeItem("redflag-unlock"); } catch (err) { /* storage off: nothing kept */ }
  // 2. Tell the kernel(s), so unsaved answers are forgotten there too.
  for (const model of models) {
    try { model.send({ event: "exit" }); } catch (err) { /* leaving matters more */ }
  }
  // 3. Leave without a "Leave site?" prompt. JupyterLab asks when a notebook is unsaved (it sets
  //    returnValue in a beforeunload listener added at start-up). Listeners on window run in
  //    the order they were added, capture or not, so ours runs after it and clears returnValue
  //    again: an empty returnValue, with no preventDefault, means no prompt.
  window.onbeforeunload = null;
  window.addEventListener("beforeunload", (e) => {
    e.stopImmediatePropagation();
    e.returnValue = "";
  });
  leave(url);
}

// location.replace() replaces only the current history entry. JupyterLab adds an entry each
// time it shows another document (history.pushState), all in this one page: Back would reload
// Lab, which reopens the checklists. So first go back to this page's earliest entry (Navigation
// API, where the browser has it), then replace that one. Entries after it stay as Forward
// entries: a page cannot delete history.
async function leave(url) {
  try {
    const nav = globalThis.navigation;
    const first = nav && nav.currentEntry ? nav.entries().find((e) => e.sameDocument) : null;
    if (first && first.key !== nav.currentEntry.key) {
      // JupyterLab's router answers the traversal: it pushes an entry, or reloads (a URL with
      // ?reset). From now on only the traversal and the exit itself may navigate this page.
      history.pushState = () => {};
      history.replaceState = () => {};
      const target = url === "about:blank" ? url : new URL(url).href;
      nav.addEventListener("navigate", (e) => {
        if (e.navigationType !== "traverse" && e.destination.url !== target && e.cancelable) {
          e.preventDefault();
        }
      });
      await Promise.race([nav.traverseTo(first.key).committed,
                          new Promise((resolve) => setTimeout(resolve, 500))]);
    }
  } catch (err) { /* leave from here */ }
  window.location.replace(url);
}

function resetCount(s, announce) {
  if (s.timer) clearTimeout(s.timer);
  s.timer = null;
  const had = s.count > 0;
  s.count = 0;
  say(s, had && announce ? String(setting(s, "expired_message", "")) : "");
}

// A press counts when Shift goes up with no other key pressed since it went down: Shift used
// as a modifier (capitals, Shift+Tab) never counts or speaks, and auto-repeat (one keyup for
// many keydowns) is one press. Any other key starts the count again.
function redflagQuickExitKey(event) {
  const s = shared();
  if (s.views.length === 0 || s.exiting) return;
  if (event.type === "keydown") {
    if (event.key === "Shift") {
      if (!event.repeat) s.shiftAlone = true;
      return;
    }
    s.shiftAlone = false;
    if (s.count) resetCount(s, false);
    return;
  }
  if (event.type !== "keyup" || event.key !== "Shift" || !s.shiftAlone) return;
  s.shiftAlone = false;
  const now = Date.now();
  const gap = Number(setting(s, "shift_gap_ms", 1000));
  if (s.count && now - s.last > gap) s.count = 0;
  s.count += 1;
  s.last = now;
  if (s.timer) clearTimeout(s.timer);
  if (s.count >= PRESSES) {
    say(s, "");
    s.count = 0;
    exitPage(s);
    return;
  }
  const messages = setting(s, "shift_messages", []);
  say(s, String(messages[s.count - 1] ?? ""));
  s.timer = setTimeout(() => resetCount(s, true), gap);
}

// The idle lock. Any use of the page (a key, the mouse, the wheel, touch) is noted here; at most
// once per USE_TELL_MS the kernel hears "use" and starts counting again. The kernel keeps the
// clock (it locks even when this browser is gone): this side only warns, WARN_MS before. Only
// what a person does counts: "scroll" also fires when the page changes by itself.
const USE_EVENTS = ["keydown", "pointerdown", "pointermove", "wheel", "touchstart"];
const USE_TELL_MS = 15000;
const WARN_MS = 60000;

function noteUse() {
  const s = shared();
  s.used = Date.now();
  if (s.notice && !s.notice.hidden) s.notice.hidden = true;
}

function idleMs(s) {
  const all = s.views.map((v) => Number(v.model.get("idle_seconds")) || 0).filter((x) => x > 0);
  return all.length ? Math.min(...all) * 1000 : 0;
}

function tick(s) {
  if (s.exiting || s.views.length === 0) return;
  const now = Date.now();
  if (s.used > s.told && now - s.told >= Math.min(USE_TELL_MS, idleMs(s) / 4 || USE_TELL_MS)) {
    s.told = now;
    for (const model of new Set(s.views.map((v) => v.model))) {
      try { model.send({ event: "use" }); } catch (err) { /* the kernel may be gone */ }
    }
  }
  const idle = idleMs(s);
  const quiet = now - s.used;
  if (s.notice && idle > 0) {
    s.notice.hidden = !(quiet >= idle - Math.min(WARN_MS, idle / 2) && quiet < idle);
  }
}

function listen(s) {
  if (s.page) s.page.take({ key: redflagQuickExitKey, exit: () => exitPage(s) });
  if (s.listening) return;
  // Capture phase on window: runs before any widget or JupyterLab handler can stop the event.
  // The page template's script has a listener already: it hands each key over (`take` above).
  if (!s.page) {
    window.addEventListener("keydown", redflagQuickExitKey, true);
    window.addEventListener("keyup", redflagQuickExitKey, true);
  }
  for (const name of USE_EVENTS) window.addEventListener(name, noteUse, { capture: true, passive: true });
  s.ticker = setInterval(() => tick(s), 1000);
  s.listening = true;
}

// Room for the button, so it never covers anything. JupyterLab: the button fits in the menu
// bar's empty right-hand end (#jp-top-panel). Elsewhere (Voilà): the page's scrolling element
// gets that much more padding at the top (nothing hidden under the button at the top of the
// page) and scroll-padding (an element that gets focus is scrolled clear of it).
const ROOM_PX = 64;

// The page's scrolling element: the outermost ancestor that scrolls vertically (Voilà:
// #rendered_cells). Not the nearest: an output area with overflow-x: auto computes
// overflow-y: auto too.
function scroller(el) {
  let found = null;
  for (let e = el.parentElement; e && e !== document.body; e = e.parentElement) {
    const y = getComputedStyle(e).overflowY;
    if (y === "auto" || y === "scroll") found = e;
  }
  return found || document.scrollingElement || document.documentElement;
}

function makeRoom(s, el, tries = 0) {
  if (s.inLab || s.page || s.room || !s.root) return;   // the page template's band has its own room
  if (!el.isConnected) {               // a view is rendered before it is put on the page
    if (tries < 120) requestAnimationFrame(() => makeRoom(s, el, tries + 1));
    return;
  }
  const box = scroller(el);
  const padded = box === document.documentElement ? document.body : box;
  s.room = { box, padded, padding: padded.style.paddingTop, scrollPadding: box.style.scrollPaddingTop };
  const now = parseFloat(getComputedStyle(padded).paddingTop) || 0;
  padded.style.paddingTop = `${now + ROOM_PX}px`;
  box.style.scrollPaddingTop = `${ROOM_PX + 8}px`;
}

function giveRoomBack(s) {
  if (!s.room) return;
  s.room.padded.style.paddingTop = s.room.padding;
  s.room.box.style.scrollPaddingTop = s.room.scrollPadding;
  s.room = null;
}

// The page template's button, when this page has one.
function adoptPageButton(s) {
  const page = globalThis.__redflagPageExit;
  if (!page || !page.root || !page.root.isConnected) return false;
  const root = page.root;
  s.page = page;
  s.root = root;
  s.button = root.querySelector(".redflag-quick-exit-button");
  s.hint = root.querySelector(".redflag-quick-exit-hint");
  s.counter = root.querySelector(".redflag-quick-exit-count");
  s.status = root.querySelector(".redflag-quick-exit-said");
  s.notice = root.querySelector(".redflag-quick-exit-notice");
  showWords(s);
  return true;
}

function ensureButton(s) {
  if (s.root && s.root.isConnected) return;
  if (adoptPageButton(s)) return;
  const root = document.createElement("div");
  root.className = "redflag-quick-exit";
  s.inLab = document.getElementById("jp-top-panel") !== null;
  if (s.inLab) root.classList.add("redflag-quick-exit--lab");
  root.setAttribute("data-lm-suppress-shortcuts", "true");
  const button = document.createElement("button");
  button.type = "button";
  button.className = "redflag-quick-exit-button";
  // No JupyterLab shortcut for keys on the button (Enter would otherwise be "edit cell").
  button.setAttribute("data-lm-suppress-shortcuts", "true");
  button.addEventListener("click", () => exitPage(s));
  // "or press Shift 3 times", and three marks that fill as Shift is pressed (seen, not read:
  // the status line below says the same to a screen reader).
  const hint = document.createElement("span");
  hint.className = "redflag-quick-exit-hint";
  const counter = document.createElement("span");
  counter.className = "redflag-quick-exit-count";
  counter.setAttribute("aria-hidden", "true");
  counter.setAttribute("data-count", "0");
  counter.append(...Array.from({ length: PRESSES }, () => document.createElement("span")));
  const status = document.createElement("span");
  status.classList.add("redflag-visually-hidden", "redflag-quick-exit-said");
  status.setAttribute("role", "status");
  const notice = document.createElement("p");
  notice.className = "redflag-quick-exit-notice";
  notice.setAttribute("role", "status");
  notice.hidden = true;
  root.append(button, hint, counter, status, notice);
  // On <body>, not in the output. In JupyterLab the notebook and its ancestors have
  // `contain: strict`, which makes them the containing block of a position: fixed descendant:
  // inside an output the button would be fixed to the notebook panel, not the window (and gone
  // with its cell if Lab's windowing detaches it). On <body> it is fixed to the window, and it
  // is the page's first Tab stop.
  document.body.prepend(root);
  s.root = root;
  s.button = button;
  s.status = status;
  s.hint = hint;
  s.counter = counter;
  s.notice = notice;
  showWords(s);
}

const WORDS = ["change:label", "change:idle_notice", "change:shift_hint"];

function render({ model, el }) {
  const s = shared();
  const view = { model };
  s.views.push(view);
  ensureButton(s);
  listen(s);
  showWords(s);
  makeRoom(s, el);
  el.classList.add("redflag-quick-exit-host");
  const onWords = () => showWords(s);
  for (const event of WORDS) model.on(event, onWords);
  return () => {
    for (const event of WORDS) model.off(event, onWords);
    const i = s.views.indexOf(view);
    if (i >= 0) s.views.splice(i, 1);
    if (s.views.length === 0 && s.root) {
      resetCount(s, false);
      if (s.page) s.page.release();      // the template's button stays, and works on its own
      else s.root.remove();
      s.root = null;
      s.button = null;
      s.status = null;
      s.hint = null;
      s.counter = null;
      s.page = null;
      giveRoomBack(s);
    } else {
      showWords(s);
    }
  };
}

export default { render };
