"""Benchmark (not a test): load and summarise a history of 10,000 saved runs from disk.

Target: <= 2 s on the 2-core dev/CI machine for load_runs + summarise + history.
Run: .venv/bin/python benchmarks/bench_history.py [N]
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from toolkit import SavedRun, load_checklists, load_runs, shipped_dir, summarise
from toolkit.answerfile import answers_to_dict
from toolkit.summary import history


def main(n: int = 10_000) -> int:
    """Print the figures; return 1 (the exit code) when the 2 s target is missed."""
    rng = random.Random(42)
    checklists = load_checklists(shipped_dir())
    scale = [o.id for o in checklists.vocabulary.scale]
    ids = list(checklists)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as folder:
        t = time.perf_counter()
        for k in range(n):
            c = checklists[ids[k % len(ids)]]
            responses = {i: rng.choice(scale) for i in c.item_ids if rng.random() < 0.9}
            run = SavedRun(c.id, c.version, responses, saved_at=start + timedelta(hours=k))
            # Same format as save_answers, without its per-file fsync (setup is not measured).
            name = f"{c.id}_{run.saved_at:%Y%m%d-%H%M%S}_{k:08x}.json"
            Path(folder, name).write_text(json.dumps(answers_to_dict(run)), encoding="utf-8")
        print(f"wrote {n} runs in {time.perf_counter() - t:.1f} s (setup, not measured)")
        timings = []
        for _ in range(3):
            t0 = time.perf_counter()
            runs = load_runs(folder, checklists)
            t1 = time.perf_counter()
            s = summarise(runs, checklists)
            h = history(runs, checklists)
            t2 = time.perf_counter()
            timings.append((t2 - t0, t1 - t0, t2 - t1))
        total, load, summ = min(timings)
        print(f"runs: {len(runs)}, answers: {len(h)}, checklists rows: {len(s.checklists)}")
        print(f"load {load:.2f} s + summarise/history {summ:.2f} s = {total:.2f} s (best of 3); "
              f"target <= 2 s: {'met' if total <= 2 else 'MISSED'}")
    return 0 if total <= 2 else 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000))
