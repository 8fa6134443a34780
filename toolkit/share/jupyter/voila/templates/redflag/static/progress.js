// "Executing N of M" while Voilà runs the page's cells: the numbers come from this script
// element's data- attributes (index.html.j2), so one cached file serves every cell.
(function (script) {
  "use strict";
  window.voila_process(Number(script.dataset.cell), Number(script.dataset.count));
})(document.currentScript);
