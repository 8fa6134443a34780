"""Benchmark (not a test): score 100,000 in-memory runs with toolkit.summarise, against a plain
numpy lower bound computed from the same input in the same process.

The lower bound is the least work any implementation has to do from a list of Answers: walk
every run's responses dict once (dict lookups to codes), then one np.bincount for the
per-run weighted sums. summarise does that plus levels, safety, the item and theme tables.

Two input shapes (the same code path, only the size differs):
* default: N Answers runs spread round-robin over the three core checklists (6 + 16 + 5
  items, so ~8 answers per run and ~0.8 M answers for N = 100,000);
* --all-three: N people who each answered all three core checklists, i.e. 3 N runs with
  ~24 answers per person (~2.4 M answers for N = 100,000).

Targets: summarise <= 1 s, and <= 3x the lower bound.
Run: .venv/bin/python benchmarks/bench_scoring.py [N] [--all-three]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, datetime, timedelta

import numpy as np

from toolkit import SavedRun, load_checklists, shipped_dir, summarise

CORE = ("avoid-partners-where", "toxic-relationship", "trauma-bonding")
TARGET_SECONDS = 1.0
TARGET_RATIO = 3.0


def make_runs(n: int, checklists, seed: int = 42, answer_share: float = 0.9,
              all_three: bool = False) -> list[SavedRun]:
    """n runs spread over the core checklists (or n x 3 with all_three: every "person" answers
    each core checklist); each item answered (any option, "unsure" included) with probability
    `answer_share`."""
    rng = random.Random(seed)
    scale = [o.id for o in checklists.vocabulary.scale]
    start = datetime(2024, 1, 1, tzinfo=UTC)
    runs = []
    for k in range(n * len(CORE) if all_three else n):
        c = checklists[CORE[k % len(CORE)]]
        responses = {i: rng.choice(scale) for i in c.item_ids if rng.random() < answer_share}
        runs.append(SavedRun(c.id, c.version, responses, saved_at=start + timedelta(minutes=k)))
    return runs


def numpy_lower_bound(runs, checklists) -> np.ndarray:
    """Per-run points with the minimum work: dict lookups to flat codes, then np.bincount."""
    vocab = checklists.vocabulary
    top = vocab.max_weight
    codes: dict[str, dict[str, int]] = {}
    severity, reverse = [], []
    for c in checklists.values():
        codes[c.id] = {}
        for it in c.items:
            codes[c.id][it.id] = len(severity)
            severity.append(it.severity)
            reverse.append(it.reverse)
    severity = np.array(severity, dtype=np.float64)
    reverse = np.array(reverse, dtype=bool)
    option_code = {o.id: n for n, o in enumerate(vocab.scale)}
    option_weight = np.array([-1 if o.weight is None else o.weight for o in vocab.scale])

    lengths = np.empty(len(runs), dtype=np.int64)
    items: list[int] = []
    options: list[int] = []
    for n, run in enumerate(runs):
        responses = run.responses
        lengths[n] = len(responses)
        items.extend(map(codes[run.checklist_id].__getitem__, responses))
        options.extend(map(option_code.__getitem__, responses.values()))
    item = np.array(items, dtype=np.int64)
    weight = option_weight[np.array(options, dtype=np.int64)]
    keyed = np.where(reverse[item], top - weight, weight)
    points = np.where(weight >= 0, severity[item] * keyed, 0.0)
    run_index = np.repeat(np.arange(len(runs)), lengths)
    return np.bincount(run_index, weights=points, minlength=len(runs))


def best_of(repeat: int, fn, *args):
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn(*args)
        times.append(time.perf_counter() - t)
    return min(times), result


def main(n: int = 100_000, all_three: bool = False) -> int:
    all_checklists = load_checklists(shipped_dir())
    checklists = {cid: all_checklists[cid] for cid in CORE}
    t = time.perf_counter()
    runs = make_runs(n, checklists, all_three=all_three)
    n_answers = sum(len(r.responses) for r in runs)
    print(f"generated {len(runs):,} runs, {n_answers:,} answers ({n_answers / len(runs):.1f} per run"
          f"{f', {n_answers / n:.1f} per person' if all_three else ''}) over "
          f"{', '.join(CORE)} in {time.perf_counter() - t:.1f} s (setup, not measured)")

    t_summary, summary = best_of(3, summarise, runs, checklists)
    t_bound, bound = best_of(3, numpy_lower_bound, runs, checklists)
    assert np.array_equal(summary.checklists["points"].to_numpy(), bound), "the two disagree"
    ratio = t_summary / t_bound
    print(f"toolkit.summarise:      {t_summary:.3f} s (best of 3); "
          f"{len(summary.checklists):,} run rows, {len(summary.items):,} item rows, "
          f"{len(summary.themes)} theme rows")
    print(f"numpy lower bound:      {t_bound:.3f} s (best of 3); same per-run points")
    print(f"ratio:                  {ratio:.2f}x")
    ok_time, ok_ratio = t_summary <= TARGET_SECONDS, ratio <= TARGET_RATIO
    print(f"target <= {TARGET_SECONDS:g} s: {'met' if ok_time else 'MISSED'}; "
          f"target <= {TARGET_RATIO:g}x lower bound: {'met' if ok_ratio else 'MISSED'}")
    return 0 if ok_time and ok_ratio else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=100_000)
    parser.add_argument("--all-three", action="store_true",
                        help="each of N people answers all three core checklists (3 N runs)")
    args = parser.parse_args()
    sys.exit(main(args.n, args.all_three))
