"""How quickly the look-around commands start: `redflag list`, `resources`, `validate` and
`notebooks`, each in a fresh interpreter, against the floor `python -c "import toolkit"`.

Prints the median wall time of each over --runs runs and its ratio to the floor, measured in
the same run (machines are noisy: compare ratios, not seconds). Target (issue 16): a small
multiple of the floor, because none of them imports pandas or matplotlib.

    .venv/bin/python benchmarks/bench_cli.py --runs 7
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time


def timed(args: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(args, check=True, capture_output=True)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    py = sys.executable
    floor = timed([py, "-c", "import toolkit"], runs)
    print(f"floor: python -c 'import toolkit'   {floor * 1000:7.0f} ms")
    with tempfile.TemporaryDirectory() as folder:
        for name, argv in (("list", ["list"]), ("resources", ["resources"]), ("validate", ["validate"]),
                           ("notebooks", ["notebooks", f"{folder}/nb", "--force"])):
            took = timed([py, "-m", "toolkit", *argv], runs)
            print(f"redflag {name:28} {took * 1000:7.0f} ms   {took / floor:4.1f}x the floor")


if __name__ == "__main__":
    main()
