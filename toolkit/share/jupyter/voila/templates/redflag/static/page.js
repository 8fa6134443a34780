// The app view's page helpers (toolkit/share/jupyter/voila/templates/redflag/index.html.j2):
// Voilà's inline helper functions as a file, so that the page's Content-Security-Policy can
// refuse every inline script. Voilà's bundle calls display_cells once its theme has loaded.
(function () {
  "use strict";
  // The token has done its work once this page was served: the server set its login cookie,
  // which the links between pages, the kernel and the websocket use from now on. Out of the
  // address bar it is out of browser history and out of sight of anyone looking at the screen.
  var url = new URL(window.location.href);
  if (url.searchParams.has("token")) {
    url.searchParams.delete("token");
    window.history.replaceState(window.history.state, "", url.pathname + url.search + url.hash);
  }

  // The app is one history entry: a link to another of its pages (same origin) replaces this
  // page instead of adding an entry, so Back after "Exit this page" leaves the app rather than
  // returning to it. Here in the page template it works from the first moment, before any
  // widget has loaded. A click with a modifier key (a new tab), a link to another site or to a
  // place on this page, and download links are left alone.
  window.addEventListener("click", function (event) {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey ||
        event.shiftKey || event.altKey) {
      return;
    }
    var link = event.target instanceof Element ? event.target.closest("a[href]") : null;
    if (!link || (link.target && link.target !== "_self") || link.hasAttribute("download")) {
      return;
    }
    var to = new URL(link.href, document.baseURI);
    if (to.origin !== window.location.origin) {
      return;
    }
    if (to.pathname === window.location.pathname && to.search === window.location.search && to.hash) {
      return;
    }
    event.preventDefault();
    window.location.replace(to.href);
  }, true);

  window.voila_heartbeat = function () {};
  window.update_loading_text = function (cellIndex, cellCount, text) {
    var spinner = document.getElementById("loading");
    if (spinner && spinner.style.display === "none") {
      spinner.style.display = "flex";
    }
    var el = document.getElementById("loading_text");
    if (el) {
      el.textContent = text || "Executing " + cellIndex + " of " + cellCount;
    }
  };
  window.display_cells = function () {
    if (!window.themeLoaded) {
      window.cellLoaded = true;
      return;
    }
    var el = document.getElementById("loading");
    if (el) {
      el.parentNode.removeChild(el);
    }
    el = document.getElementById("rendered_cells");
    if (el) {
      el.style.display = "";
    }
  };
  window.voila_process = window.update_loading_text;
  window.voila_finish = window.display_cells;
})();
