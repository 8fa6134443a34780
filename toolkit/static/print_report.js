// PrintButton (toolkit/panels.py): a "Print" button beside "Printable report". A click asks the
// kernel for the report (it checks the folder's protection first); the page comes back as a
// message and is printed from a hidden frame in this page: no new tab that Exit could not
// close, no file written, nothing fetched. The frame is removed once printing is done.
// No inline script anywhere: anywidget loads this module like every widget's, which the app
// view's Content-Security-Policy allows (script-src 'self' blob:). The report itself holds
// no script, and the frame inherits this page's policy, so nothing in it could run.
const FRAME_CLASS = "redflag-print-frame";

function printPage(html) {
  document.querySelectorAll(`iframe.${FRAME_CLASS}`).forEach((f) => f.remove());
  const frame = document.createElement("iframe");
  frame.className = FRAME_CLASS;
  frame.setAttribute("aria-hidden", "true");
  frame.tabIndex = -1;
  frame.style.cssText = "position:fixed;right:0;bottom:0;width:0;height:0;border:0;visibility:hidden";
  frame.addEventListener("load", () => {
    const win = frame.contentWindow;
    if (!win) return;
    win.addEventListener("afterprint", () => setTimeout(() => frame.remove(), 0), { once: true });
    win.focus();
    win.print();
  }, { once: true });
  frame.srcdoc = html;
  document.body.appendChild(frame);
}

export default {
  render({ model, el }) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "redflag-print jupyter-button widget-button";
    const words = () => {
      button.textContent = model.get("label");
      button.title = model.get("hint");
    };
    words();
    model.on("change:label", words);
    model.on("change:hint", words);
    button.addEventListener("click", () => model.send({ event: "print" }));
    const onMessage = (msg) => {
      if (msg && msg.event === "page" && typeof msg.html === "string") printPage(msg.html);
    };
    model.on("msg:custom", onMessage);
    el.appendChild(button);
    return () => {
      model.off("msg:custom", onMessage);
      model.off("change:label", words);
      model.off("change:hint", words);
    };
  },
};
