"""The printed report: headless Chromium prints report_html to PDF, poppler reads it back; and
the Print button of the Summary, in the app view (under its Content-Security-Policy) and in
JupyterLab.

The fixture runs include one that touches on safety (toxic-relationship); the country is the
United Kingdom. Page 1 is a short summary: the title, each list's result in one line and the
United Kingdom's emergency numbers and first helplines; the full results start on page 2 and
every line of help is printed by the end. No table row may be split across pages (each
statement is whole on the page where it starts); no page may end on a heading. Printed on
Letter (Chromium's default) and on A4.

The Print button: window.print is stubbed in every frame of the page (an init script), so a
click records what would have been printed instead of opening the print dialog.

Page 1 is also turned into a PNG to look at: /tmp/redflag-print-*/<paper>-page-1.png (the
folder is printed at the end of the run and written to /tmp/redflag-last-print.txt).

Chromium or poppler missing: the tests skip, but fail under CI (CI=true).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import unicodedata
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import servers as S
from playwright.sync_api import expect

from toolkit import load_checklists, load_runs
from toolkit.checklist import shipped_dir
from toolkit.report import PAGE_ONE_LINES, report_html
from toolkit.resources import EVERYWHERE, RESOURCES_FILE, load_resources
from toolkit.scoring import score
from toolkit.summary import changes, latest_runs, result_lines, summarise

pytestmark = pytest.mark.e2e

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "answers"
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
TITLE = "Relationship checklists – my report"
PRINT_TIMEOUT = 90  # seconds; a print takes about 1 s
COUNTRY = "GB"
LAST_PRINT_FILE = Path("/tmp/redflag-last-print.txt")


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        S.unavailable(f"{name} is missing: apt-get install -y poppler-utils", "print tests")
    return str(found)


def flat(text: str) -> str:
    """Text as compared: ligatures undone, every run of white space one space."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip()


class Printed:
    """One report printed to PDF, with the text of each page (in the order it was drawn)."""

    def __init__(self, folder: Path, paper: str, html: str) -> None:
        if not Path(S.CHROMIUM).exists():
            S.unavailable(f"{S.CHROMIUM} is missing: apt-get install -y chromium", "print tests")
        pdftotext, pdftoppm, pdfinfo = _tool("pdftotext"), _tool("pdftoppm"), _tool("pdfinfo")
        if paper != "letter":  # Chromium prints on Letter unless the page asks for a size
            html = html.replace("<style>", f"<style>@page{{size:{paper}}}", 1)
        self.html_path = folder / f"report-{paper}.html"
        self.html_path.write_text(html, encoding="utf-8")
        self.pdf = folder / f"report-{paper}.pdf"
        home = folder / f"home-{paper}"
        home.mkdir()
        cmd = [S.CHROMIUM, "--headless", *S.CHROMIUM_ARGS, f"--user-data-dir={home / 'profile'}",
               "--no-pdf-header-footer", f"--print-to-pdf={self.pdf}", self.html_path.as_uri()]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=PRINT_TIMEOUT,
                              env={"PATH": "/usr/bin:/bin", "HOME": str(home)}, check=False)
        shutil.rmtree(home, ignore_errors=True)  # the throwaway browser profile
        assert self.pdf.is_file() and self.pdf.stat().st_size > 0, \
            f"Chromium printed nothing (exit {done.returncode}): {done.stderr[-2000:]}"
        info = subprocess.run([pdfinfo, str(self.pdf)], capture_output=True, text=True, check=True).stdout
        self.count = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
        self.pages = [
            subprocess.run([pdftotext, "-raw", "-f", str(n), "-l", str(n), str(self.pdf), "-"],
                           capture_output=True, text=True, check=True).stdout
            for n in range(1, self.count + 1)]
        self.page_1_png = folder / f"{paper}-page-1.png"
        subprocess.run([pdftoppm, "-png", "-r", "100", "-f", "1", "-l", "1", "-singlefile", str(self.pdf),
                        str(self.page_1_png.with_suffix(""))], check=True)


@pytest.fixture(scope="module")
def data():
    checklists = load_checklists(shipped_dir())
    runs = load_runs(FIXTURES, checklists)
    resources = load_resources(shipped_dir() / RESOURCES_FILE)
    assert summarise(latest_runs(runs), checklists).safety, "a fixture run must touch on safety"
    return runs, checklists, resources


@pytest.fixture(scope="module")
def folder(request) -> Path:
    path = Path(tempfile.mkdtemp(prefix="redflag-print-"))
    LAST_PRINT_FILE.write_text(f"{path}\n")
    return path


@pytest.fixture(scope="module", params=["letter", "A4"])
def printed(request, data, folder) -> Printed:
    runs, checklists, resources = data
    return Printed(folder, request.param, report_html(runs, checklists, resources, now=NOW, country=COUNTRY))


def one_line(line) -> str:
    """A list's result in one line, as page 1 should give it (from its result line)."""
    if line.safety:
        return f"{line.title}: touches on your safety."
    if line.level_withheld:
        return f"{line.title}: a safety answer other than Never, so no level."
    if line.level in ("insufficient", "not-applicable"):
        return f"{line.title}: {line.label}."
    return f"{line.title}: {line.label}, {line.percent_text}."


def test_page_one_is_a_short_summary(printed, data):
    """Title, each list's one line, the chosen country's help; the rest from page 2 on."""
    runs, checklists, resources = data
    page = flat(printed.pages[0])
    assert page.startswith(TITLE)
    lines = result_lines(summarise(latest_runs(runs), checklists), checklists)
    assert len(lines) == 3
    for line in lines:
        assert flat(one_line(line)) in page, f"not on page 1: {one_line(line)}"
        assert flat(line.explanation) not in page, "page 1 holds the short lines only"
    assert flat(resources.message) in page, "an answer touches on safety: the urgent words are on page 1"
    mine, _others = resources.for_country(COUNTRY)
    emergency = [r for r in mine if r.emergency]
    helplines = [r for r in mine if not r.emergency and EVERYWHERE not in r.countries]
    assert emergency and len(helplines) > PAGE_ONE_LINES
    for r in emergency + helplines[:PAGE_ONE_LINES]:
        assert flat(r.name) in page and flat(r.phone) in page, f"{r.name} is not on page 1"
    for r in helplines[PAGE_ONE_LINES:]:
        assert flat(r.name) not in page, f"{r.name}: page 1 holds the first lines only"
    us = [r for r in resources.items if r.countries == ("US",) and not r.emergency]
    assert us and not [r.name for r in us if flat(r.name) in page], "another country's lines on page 1"
    # the full results start page 2; every line of help is printed by the end
    assert flat(printed.pages[1]).startswith("Results"), flat(printed.pages[1])[:200]
    everything = flat(" ".join(printed.pages))
    for r in resources.items:
        assert flat(r.name) in everything, f"{r.name} is never printed"
    assert printed.page_1_png.is_file() and printed.page_1_png.stat().st_size > 20_000


def statements(runs, checklists) -> set[str]:
    """Every statement that appears in a table of the report (answers and changes)."""
    texts = set()
    for run in latest_runs(runs):
        texts |= {flat(t) for t in score(run, checklists[run.checklist_id]).items["text"]}
        earlier = [r for r in runs if r.checklist_id == run.checklist_id and r is not run
                   and r.saved_at <= run.saved_at]
        if earlier:
            texts |= {flat(t) for t in changes(earlier[-1], run, checklists[run.checklist_id])["text"]}
    return texts


def test_no_table_row_is_split_across_pages(printed, data):
    """Every statement is printed whole somewhere; once the whole ones are taken out of a page,
    no beginning or end of a statement is left on it (that would be half a row)."""
    runs, checklists, _ = data
    pages = [flat(p) for p in printed.pages]
    assert len(pages) > 2, "the fixture report should run over several pages"
    texts = sorted(statements(runs, checklists), key=len, reverse=True)
    for text in texts:
        assert any(text in p for p in pages), f"never printed whole: {text!r}"
    for n, page in enumerate(pages, start=1):
        rest = page
        for text in texts:
            rest = rest.replace(text, " | ")
        for text in texts:
            words = text.split()
            k = min(5, max(3, len(words) // 2))
            for piece in (" ".join(words[:k]), " ".join(words[-k:])):
                assert piece not in rest, f"page {n}: a row is split: {text[:70]!r}"


def test_no_page_ends_on_a_heading(printed, data):
    runs, checklists, _ = data
    headings = {"Results", "All checklists", "Themes across checklists", "Changes since last time",
                "Checklist by checklist", "What this does not ask"}
    headings |= {c.title for c in checklists.values()}
    headings |= {c.edition(v).title for c in checklists.values() for v in c.editions}
    for n, page in enumerate(printed.pages[:-1], start=1):
        last = [line.strip() for line in page.splitlines() if line.strip()][-1]
        assert last not in headings, f"page {n} ends on the heading {last!r}"
        assert not last.startswith("Your answers, item by item"), f"page {n} ends on a table caption"
        tail = flat(" ".join(page.splitlines()[-4:]))
        assert not tail.endswith("# Statement Your answer Points"), f"page {n} ends on a table header"


def test_tables_that_go_on_repeat_their_header(printed, data):
    """A page that opens inside an answers table opens with its header row ("# Statement …")."""
    runs, checklists, _ = data
    starts = {" ".join(text.split()[:3]) for text in statements(runs, checklists)}
    continued = 0
    for n, page in enumerate(printed.pages[1:], start=2):
        first = flat(next(line for line in page.splitlines() if line.strip()))
        continued += first.startswith("# Statement")
        row = re.match(r"\d+ (.*)", first)
        assert not (row and any(row.group(1).startswith(s) for s in starts)), \
            f"page {n} opens on a row without its header: {first!r}"
    assert continued, "the long toxic-relationship table should go on over a page"


@pytest.fixture(scope="module", autouse=True)
def _say_where(request, folder):
    class _Where:
        def pytest_terminal_summary(self, terminalreporter):
            terminalreporter.write_line(f"redflag printed report and page-1 PNGs: {folder}")

    name = "redflag-print-folder"
    if not request.config.pluginmanager.has_plugin(name):
        request.config.pluginmanager.register(_Where(), name)
    yield


# --------------------------------------------------------------------------- the Print button

#: In every frame of the page, from its start: window.print records what it would print (the
#: print dialog never opens), and Content-Security-Policy violations are recorded.
PRINT_STUB = """
(() => {
  const top = window.top;
  window.print = function () {
    (top.__redflagPrinted = top.__redflagPrinted || []).push({
      frame: window !== top, title: document.title,
      text: (document.body ? document.body.textContent : "").replace(/\\s+/g, " ")});
  };
  document.addEventListener("securitypolicyviolation", (e) =>
    (top.__redflagCsp = top.__redflagCsp || []).push(e.effectiveDirective + " " + e.blockedURI));
})();
"""
PRINTED = "() => (window.__redflagPrinted || []).length > 0"


@pytest.fixture(scope="module")
def saved(workspace, shipped):
    """One run of toxic-relationship a month back, with a safety answer (so the report has
    lines to print whatever else the session saved; a month back, so it is never the latest
    two that other modules compare)."""
    from toolkit.checklist import SavedRun
    from toolkit.store import save_answers

    c = shipped["toxic-relationship"]
    answers = {it.id: ("often" if it.safety else "never") for it in c.items}
    save_answers(SavedRun(c.id, c.version, answers, {}, saved_at=datetime.now(UTC) - timedelta(days=30)),
                 workspace.answers)
    return c


def _press_print(page, scope, where: str) -> dict:
    """Press Print; what window.print was called on (once, in a frame holding the report)."""
    button = scope.get_by_role("button", name="Print", exact=True)
    expect(button).to_be_visible(timeout=S.KERNEL_TIMEOUT)
    button.click()
    page.wait_for_function(PRINTED, timeout=S.UI_TIMEOUT)
    expect(scope.get_by_text("Printing your report.")).to_be_visible()
    printed = page.evaluate("() => window.__redflagPrinted")
    assert len(printed) == 1, f"{where}: printed {len(printed)} times"
    return printed[0]


def _check_printed(printed: dict, saved, where: str) -> None:
    assert printed["frame"], f"{where}: the page itself was printed, not the report"
    text = flat(printed["text"])
    assert TITLE in text and "In short" in text, f"{where}: {text[:300]}"
    assert f"{saved.title}: touches on your safety." in text, f"{where}: {text[:600]}"


def test_print_button_in_the_app_view(page, voila_server, saved, screens):
    """Print in the Summary prints the report from a hidden frame, with no CSP violation; the
    button is on screen at desktop and phone sizes."""
    page.set_viewport_size({"width": 1280, "height": 800})
    page.context.add_init_script(PRINT_STUB)
    page.goto(f"{voila_server.url}/voila/render/summary.ipynb", timeout=S.KERNEL_TIMEOUT)
    expect(page.get_by_role("heading", name="Your latest answers")).to_be_visible(timeout=S.KERNEL_TIMEOUT)
    printed = _press_print(page, page, "app view")
    _check_printed(printed, saved, "app view")
    assert page.evaluate("() => window.__redflagCsp || []") == [], "the Print button broke the CSP"
    screens.shot(page, "print-app-summary-desktop")
    page.set_viewport_size({"width": 390, "height": 844})
    button = page.get_by_role("button", name="Print", exact=True)
    button.scroll_into_view_if_needed()
    box = button.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390, f"Print clipped on a phone: {box}"
    screens.shot(page, "print-app-summary-phone")


def test_print_button_in_lab(page, lab_server, saved, screens):
    page.context.add_init_script(PRINT_STUB)
    lab = S.LabApp(page, lab_server)
    lab.open("summary.ipynb")
    S.run_all(page)
    scope = S.fresh_outputs(page)
    expect(scope.get_by_role("heading", name="Your latest answers")).to_be_visible(timeout=S.KERNEL_TIMEOUT)
    _check_printed(_press_print(page, scope, "Lab"), saved, "Lab")
    screens.shot(page, "print-lab-summary")
