// Every cell has run: show the page (Voilà's closing call, as a file; see index.html.j2).
window.voila_finish();
