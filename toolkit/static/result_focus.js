// ResultFocus (toolkit/widgets.py): a checklist form's way to its result. It shows the
// "Skip to your result" link at the top of the form, and each time the kernel raises `request`
// (after Show my result or Save) focus moves to the result's heading, scrolled into view.
// It looks only inside its own form (`.redflag-form`), so several forms on one JupyterLab
// page never reach each other's results. Every word shown comes from the model.
const FORM = ".redflag-form";
const AREA = ".redflag-result-area";
const HEADING = ".redflag-result-heading";
const SHOW = ".redflag-show-result";

function shown(e) {
  return !!e && e.getClientRects().length > 0;
}

// The result's heading when a result is on screen, else the "Show my result" button (where the
// result will be), else nothing.
function target(el) {
  const form = el.closest(FORM);
  if (!form) return null;
  const heading = form.querySelector(`${AREA} ${HEADING}`);
  if (shown(heading)) return heading;
  const show = form.querySelector(`button${SHOW}`);
  return shown(show) ? show : null;
}

// Bring the result area's top into view (a support box above the heading stays in sight), then
// the heading itself if that left it off screen, then focus it: a screen reader reads its name.
function reach(el) {
  const t = target(el);
  if (!t) return false;
  if (!t.hasAttribute("tabindex") && t.tagName !== "BUTTON") t.setAttribute("tabindex", "-1");
  const area = t.closest(AREA);
  (area || t).scrollIntoView({ block: "start", behavior: "instant" });
  const box = t.getBoundingClientRect();
  if (box.top < 0 || box.bottom > innerHeight) t.scrollIntoView({ block: "center", behavior: "instant" });
  t.focus({ preventScroll: true });
  return true;
}

function render({ model, el }) {
  el.classList.add("redflag-result-focus-host");
  const link = document.createElement("a");
  link.href = "#";
  link.className = "redflag-skip-link";
  const words = () => { link.textContent = String(model.get("label") || ""); };
  words();
  link.addEventListener("click", (event) => {
    event.preventDefault();
    reach(el);
  });
  el.appendChild(link);
  // The heading arrives in a message sent before `request` changes, so it is on the page
  // already; a few frames' grace covers a view still being drawn.
  const go = () => {
    let tries = 0;
    const attempt = () => { if (!reach(el) && ++tries < 20) requestAnimationFrame(attempt); };
    requestAnimationFrame(attempt);
  };
  model.on("change:label", words);
  model.on("change:request", go);
  return () => { model.off("change:label", words); model.off("change:request", go); };
}

export default { render };
