"""The printed report: headless Chromium prints report_html to PDF, poppler reads it back.

The fixture runs include one that touches on safety (toxic-relationship), so the report opens
with the support box. Page 1 must hold the title, the whole support box and the start of the
results; no table row may be split across pages (each statement is whole on the page where it
starts); no page may end on a heading. Printed on Letter (Chromium's default) and on A4.

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
from datetime import UTC, datetime
from pathlib import Path

import pytest
import servers as S

from toolkit import load_checklists, load_runs
from toolkit.checklist import shipped_dir
from toolkit.report import report_html
from toolkit.resources import RESOURCES_FILE, load_resources
from toolkit.scoring import score
from toolkit.summary import changes, latest_runs, summarise

pytestmark = pytest.mark.e2e

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "answers"
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
TITLE = "Relationship checklists – my report"
PRINT_TIMEOUT = 90  # seconds; a print takes about 1 s
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
    return Printed(folder, request.param, report_html(runs, checklists, resources, now=NOW))


def test_page_one_holds_title_support_and_the_start_of_the_results(printed, data):
    runs, checklists, resources = data
    page = flat(printed.pages[0])
    assert page.startswith(TITLE)
    assert flat(resources.heading) in page
    assert flat(resources.message) in page
    # the whole support box: every line of help and the note about this device
    for r in resources.items:
        assert flat(r.name) in page, f"{r.name} is not on page 1"
    if resources.device_note:
        assert flat(resources.device_note) in page
    # the results begin: the heading, then the first checklist's result
    assert "Results" in page.split(flat(resources.items[-1].name), 1)[1], "the results start on page 2"
    first = checklists[latest_runs(runs)[0].checklist_id].edition(latest_runs(runs)[0].checklist_version)
    assert re.search(r"Results " + re.escape(flat(first.title)) + r" \(version \d+, saved", page)
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
