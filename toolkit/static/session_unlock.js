// SessionUnlock (toolkit/uikit.py): one unlock for the browser tab's session, not one per page.
//
// The item (uikit.SESSION_ITEM, its name comes from the model) holds the derived key (never the
// passphrase), the person it opens and when it stops being good: idle_seconds after the tab was
// last used here (0: no expiry, the idle lock is off). Nothing here is written to disk by this
// code; the item dies with the tab. The kernel verifies any key it is handed against the folder's
// key file, so an item written by someone else opens nothing.
//
// Messages: kernel -> here {event: "keep", key, person} | {event: "forget"} | {event: "person", person};
// here -> kernel, once per view: {event: "found", key, person}.

const USE_GAP_MS = 15000;  // refresh the expiry at most this often, like QuickExit's "use" reports

function read(name) {
  try {
    const raw = sessionStorage.getItem(name);
    return raw ? JSON.parse(raw) : null;
  } catch (err) {
    return null;
  }
}

function write(name, value) {
  try {
    if (value === null) sessionStorage.removeItem(name);
    else sessionStorage.setItem(name, JSON.stringify(value));
  } catch (err) { /* storage off: every page asks, as before */ }
}

function fresh(item) {
  return item && (!item.until || item.until > Date.now());
}

function render({ model, el }) {
  const name = String(model.get("item_name"));
  const life = () => Number(model.get("idle_seconds")) * 1000;
  const until = () => (life() > 0 ? Date.now() + life() : 0);
  let item = read(name);
  if (item && !fresh(item)) {
    write(name, null);
    item = null;
  }
  let last = 0;
  const used = () => {
    const now = Date.now();
    if (now - last < USE_GAP_MS) return;
    last = now;
    const current = read(name);
    if (fresh(current) && current.key) write(name, { ...current, until: until() });
  };
  const events = ["keydown", "pointerdown", "wheel", "touchstart"];
  for (const event of events) document.addEventListener(event, used, { capture: true, passive: true });
  const onMessage = (content) => {
    if (!content || typeof content !== "object") return;
    if (content.event === "keep") {
      write(name, { key: String(content.key), person: Number(content.person) || 1, until: until() });
    } else if (content.event === "forget") {
      const current = read(name);
      const person = current ? current.person : 1;
      write(name, person > 1 ? { person } : null);  // the key goes; whose answers stays
    } else if (content.event === "person") {
      write(name, Number(content.person) > 1 ? { person: Number(content.person) } : null);
    }
  };
  model.on("msg:custom", onMessage);
  el.hidden = true;
  model.send({ event: "found", key: item && item.key ? String(item.key) : null,
               person: item && item.person ? Number(item.person) : 1 });
  return () => {
    model.off("msg:custom", onMessage);
    for (const event of events) document.removeEventListener(event, used, { capture: true });
  };
}

export default { render };
