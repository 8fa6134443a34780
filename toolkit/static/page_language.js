// PageLanguage (toolkit/language.py) is never shown: as soon as its model exists it says which
// language the page's words are in, so that screen readers read them with the right voice.
// In the app view (Voilà: the whole page is ours) the <html> element gets lang="..."; in
// JupyterLab or Notebook, whose own menus keep their language, only the regions marked with the
// class "redflag-lang" (language.mark) get it. Regions drawn later are marked as they appear.
const REGION = ".redflag-lang";

function apply(model) {
  const lang = model.get("lang");
  if (!lang) return;
  const ownPage = "voila" in document.body.dataset; // Voilà's <body data-voila=...>
  if (ownPage && document.documentElement.lang !== lang) document.documentElement.lang = lang;
  for (const el of document.querySelectorAll(REGION)) {
    if (el.lang !== lang) el.lang = lang;
  }
}

export default {
  initialize({ model }) {
    apply(model);
    const observer = new MutationObserver(() => apply(model));
    observer.observe(document.body, { childList: true, subtree: true });
    model.on("change:lang", () => apply(model));
    return () => observer.disconnect();
  },
};
