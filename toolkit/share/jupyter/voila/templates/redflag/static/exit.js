// The app view's own "Exit this page" (index.html.j2): the button and Shift pressed 3 times work
// from the first moment the page shows, before Voilà has started the kernel or drawn a widget.
// Loaded as a file right after the button (an inline script would be refused by the page's CSP).
//
// Once a QuickExit widget (toolkit/static/quick_exit.js) is on the page it takes over this same
// button: it sets `delegate` below, and from then on this script's one key listener and the
// button's click go to the widget, which tells the kernel (leaving locks the answers) and uses
// the widget's address, gap and words. Until then (or if the kernel never comes) this script
// leaves by itself, for the address in the band's data-url.
(function () {
  "use strict";
  var root = document.getElementById("redflag-exit");
  if (!root || window.__redflagPageExit) return;
  var button = root.querySelector(".redflag-quick-exit-button");
  var counter = root.querySelector(".redflag-quick-exit-count");
  var status = root.querySelector(".redflag-quick-exit-said");
  var PRESSES = 3;
  var GAP_MS = 1000;
  var api = { root: root, delegate: null };
  var state = { count: 0, last: 0, timer: null, shiftAlone: false, exiting: false };

  function safeUrl(raw) {
    if (raw === "about:blank") return raw;
    try {
      var url = new URL(String(raw));
      if (url.protocol === "http:" || url.protocol === "https:") return url.href;
    } catch (err) { /* not a URL */ }
    return "about:blank";
  }

  function show(count, words) {
    counter.setAttribute("data-count", String(count));
    status.textContent = words;
  }

  function leave() {
    if (state.exiting) return;
    state.exiting = true;
    // The tab's unlock (uikit.SESSION_ITEM) goes first: the kernel hears of an Exit only after the page has gone.
    try { sessionStorage.removeItem("redflag-unlock"); } catch (err) { /* storage off: nothing kept */ }
    var cover = document.createElement("style");
    cover.textContent = "html, body { background: #fff !important; } body > * { display: none !important; }";
    document.head.appendChild(cover);
    document.title = "";
    document.body.replaceChildren();
    window.onbeforeunload = null;
    window.location.replace(safeUrl(root.getAttribute("data-url")));
  }

  function reset(announce) {
    if (state.timer) clearTimeout(state.timer);
    state.timer = null;
    var had = state.count > 0;
    state.count = 0;
    show(0, had && announce ? root.getAttribute("data-expired") || "" : "");
  }

  // The same rule as the widget's: a press counts when Shift goes up with no other key pressed
  // since it went down; any other key starts the count again.
  function onKey(event) {
    if (api.delegate) {
      api.delegate.key(event);
      return;
    }
    if (state.exiting) return;
    if (event.type === "keydown") {
      if (event.key === "Shift") {
        if (!event.repeat) state.shiftAlone = true;
        return;
      }
      state.shiftAlone = false;
      if (state.count) reset(false);
      return;
    }
    if (event.key !== "Shift" || !state.shiftAlone) return;
    state.shiftAlone = false;
    var now = Date.now();
    if (state.count && now - state.last > GAP_MS) state.count = 0;
    state.count += 1;
    state.last = now;
    if (state.timer) clearTimeout(state.timer);
    if (state.count >= PRESSES) {
      show(PRESSES, "");
      leave();
      return;
    }
    show(state.count, root.getAttribute("data-said-" + state.count) || "");
    state.timer = setTimeout(function () { reset(true); }, GAP_MS);
  }

  button.addEventListener("click", function () {
    if (api.delegate) api.delegate.exit();
    else leave();
  });
  window.addEventListener("keydown", onKey, true);
  window.addEventListener("keyup", onKey, true);
  // For the widget: `take(delegate)` hands it the keys and the button (a count under way is
  // dropped), `release()` gives them back when its last view goes.
  api.take = function (delegate) {
    reset(false);
    api.delegate = delegate;
  };
  api.release = function () {
    api.delegate = null;
    reset(false);
  };
  window.__redflagPageExit = api;
})();
