// PageStyle (toolkit/widgets.py) is never shown: anywidget adds its stylesheet (page.css) to the
// page as soon as the model exists, which is most of what it is for. It also makes the links
// between our pages work inside JupyterLab: there a link such as "summary.ipynb" would load the
// whole of Lab again (several seconds); with Lab exposed to the page (`window.jupyterapp`, which
// `redflag lab` turns on) it opens the page in a Lab tab instead. Elsewhere (the app view, a Lab
// that does not expose itself) links are left to the browser.
const ONCE = "__redflagPageLinks";
const OUR_PAGE = /^[\w.-]+\.ipynb$/;

function openInLab(event) {
  const app = globalThis.jupyterapp;
  if (!app || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey ||
      event.shiftKey || event.altKey) {
    return;
  }
  const link = event.target instanceof Element ? event.target.closest("a[href]") : null;
  const href = link ? link.getAttribute("href") : "";
  // only our own page links, inside a notebook's output (never Lab's own links)
  if (!OUR_PAGE.test(href) || !link.closest(".jp-OutputArea-output")) {
    return;
  }
  const current = app.shell.currentWidget;
  const path = current && current.context ? current.context.path : null;
  if (typeof path !== "string") {
    return;
  }
  event.preventDefault();
  const folder = path.includes("/") ? path.slice(0, path.lastIndexOf("/") + 1) : "";
  app.commands.execute("docmanager:open", { path: folder + href });
}

export default {
  initialize() {
    if (!globalThis[ONCE]) {
      globalThis[ONCE] = true;
      document.addEventListener("click", openInLab, true);
    }
  },
};
