"""What the service (deploy/jupyterhub, `make service`) costs per person, so a service can size a
machine (not a test; it prints figures).

Starts the demo JupyterHub exactly as the browser test does (tests/e2e/hubserver.py: this venv,
the repository's jupyterhub_config.py, free ports on 127.0.0.1, a private data folder) and headless
Chromium. Then, one person after another (--people, default 5), each in a fresh browser context:

  (a) login -> first answer clickable: from opening the login page (its assets already cached)
      and signing in until the first answer of a checklist page (toxic-relationship) is visible
      and enabled. It covers the hub's login, writing the person's notebooks, starting their
      server, Voilà starting the page's kernel and running the notebook. The login is sent on
      to that page (`/hub/spawn/<name>?next=`); a person would click it on the start page, one
      page load more;
  (b) the memory of each person's server: their server process and the page's kernel, once the
      page is up (PSS from /proc/PID/smaps_rollup: shared libraries counted once across the
      people, so the sum is what the machine pays; RSS beside it), and again after the page is
      closed and its kernel has been shut down (an idle server: what every logged-in person
      costs while they are not on a page).

Prints medians (and min/max) of (a), and per person: server alone, kernel, both.

    .venv/bin/python benchmarks/bench_hub.py [--people 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "e2e"))

import hubserver as H  # noqa: E402
import servers as S  # noqa: E402

FORM = "toxic-relationship"


def _mem(pid: int) -> tuple[int, int]:
    """(PSS, RSS) of one process in kB."""
    pss = rss = 0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                pss = int(line.split()[1])
            elif line.startswith("Rss:"):
                rss = int(line.split()[1])
    except OSError:
        pass
    return pss, rss


def _procs_in(folder: Path) -> list[int]:
    out = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if os.readlink(proc / "cwd") == str(folder):
                    out.append(int(proc.name))
            except OSError:
                pass
    return out


def person_memory(hub: H.Hub, name: str) -> dict[str, tuple[int, int]]:
    """Server (working in the person's folder) and kernels (working in their notebooks folder)."""
    home = hub.person(name).resolve()
    server = [_mem(p) for p in _procs_in(home)]
    kernels = [_mem(p) for p in _procs_in(home / "notebooks")]
    total = lambda ms: (sum(m[0] for m in ms), sum(m[1] for m in ms))
    return {"server": total(server), "kernels": total(kernels)}


def login_to_first_answer(hub: H.Hub, browser, name: str) -> tuple[float, object]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    # hub.login fills the form and presses "Sign in"; the clock starts at that press (a
    # `pointerdown` listener would not survive the page change, so it is taken here, just before).
    page.goto(f"{hub.url}/hub/login", timeout=S.KERNEL_TIMEOUT)
    t0 = time.perf_counter()
    hub.login(page, name, page_path=f"voila/render/{FORM}.ipynb")
    S.Form(page.locator("body")).wait_ready(timeout=H.SPAWN_TIMEOUT)
    return time.perf_counter() - t0, context


def wait_no_kernels(hub: H.Hub, name: str, timeout: float = 150.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _procs_in(hub.person(name).resolve() / "notebooks"):
            return True
        time.sleep(1)  # polling process state; the server culls a page's kernel after ~60-90 s
    return False


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--people", type=int, default=5)
    args = ap.parse_args()
    why = H.missing()
    if why:
        print(why, file=sys.stderr)
        return 1
    from playwright.sync_api import sync_playwright

    names = [f"person{i}" for i in range(1, args.people + 1)]
    root = Path(tempfile.mkdtemp(prefix="redflag-bench-hub-"))
    hub = H.start_hub(root, names)
    pw = sync_playwright().start()
    browser = S.launch_browser(pw)
    times, open_mem, contexts = [], {}, []
    try:
        for name in names:
            seconds, context = login_to_first_answer(hub, browser, name)
            times.append(seconds)
            contexts.append(context)
            open_mem[name] = person_memory(hub, name)
            print(f"  {name}: login -> first answer clickable {seconds:5.2f} s", flush=True)
        for context in contexts:
            context.close()          # pages gone: each kernel is culled a minute later
        idle_mem = {}
        for name in names:
            if not wait_no_kernels(hub, name):
                print(f"  {name}: page kernel still running after 150 s", flush=True)
            idle_mem[name] = person_memory(hub, name)
    finally:
        browser.close()
        pw.stop()
        hub.stop()
        shutil.rmtree(root, ignore_errors=True)

    def mb(kb: float) -> str:
        return f"{kb / 1024:6.0f} MB"

    print(f"\nlogin -> first answer clickable ({FORM}, cold server), {len(times)} people, one after another:")
    print(f"  median {statistics.median(times):.2f} s  (min {min(times):.2f}, max {max(times):.2f})")
    med = lambda d, key, i: statistics.median(v[key][i] for v in d.values())
    print("\nmemory per person (median over the people; PSS = what the machine pays, RSS in brackets):")
    print(f"  server with its page open: server {mb(med(open_mem, 'server', 0))} ({mb(med(open_mem, 'server', 1))}) "
          f"+ page kernel {mb(med(open_mem, 'kernels', 0))} ({mb(med(open_mem, 'kernels', 1))})")
    print(f"  idle server (page closed, kernel shut down): {mb(med(idle_mem, 'server', 0))} "
          f"({mb(med(idle_mem, 'server', 1))})")
    print(f"  so each extra logged-in person costs ~{mb(med(idle_mem, 'server', 0))} idle, "
          f"~{mb(med(open_mem, 'server', 0) + med(open_mem, 'kernels', 0))} with a page open "
          "(the culler stops idle servers after REDFLAG_SERVICE_IDLE_TIMEOUT)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
