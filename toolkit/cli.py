"""Command line: `python -m toolkit list | validate [DIR] | score FILE... | forget --yes`.

Exit codes: 0 success, 1 a problem was found (invalid file, failed save), 2 usage error.
Errors go to stderr, one line each, naming the file.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Sequence

from .checklist import load_checklists
from .errors import ToolkitError
from .scoring import score
from .storage import answers_dir, forget_all, load_answers, load_runs, write_private


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m toolkit",
                                     description="Relationship red-flag checklists: check, score, manage saved answers.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="list the checklists and their item counts")
    p = sub.add_parser("validate", help="check checklist files for problems")
    p.add_argument("directory", nargs="?", help="folder of checklist files (default: the shipped ones)")
    p = sub.add_parser("score", help="score saved answers files")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    p = sub.add_parser("report", help="a printable report of your latest saved answers")
    p.add_argument("--out", metavar="FILE", help="write to FILE (private, mode 0600) instead of printing")
    p.add_argument("--format", choices=["html", "md"], default="html")
    p.add_argument("--dir", help="answers folder (default: $REDFLAG_ANSWERS_DIR or answers/)")
    p = sub.add_parser("notebooks", help="write notebooks for checklists that have none yet")
    p.add_argument("--force", action="store_true", help="rewrite every notebook from the checklists")
    p = sub.add_parser("forget", help="delete every saved answer in the answers folder")
    p.add_argument("--yes", action="store_true", help="confirm: really delete them")
    p.add_argument("--dir", help="answers folder (default: $REDFLAG_ANSWERS_DIR or answers/)")
    return parser


def _json_number(x: float) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else round(float(x), 1)


def _cmd_list(_: argparse.Namespace) -> int:
    for c in load_checklists().values():
        print(f"{c.id:28} {len(c.items):3} items  {c.kind:12} {c.title}")
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    checklists = load_checklists(args.directory)
    items = sum(len(c.items) for c in checklists.values())
    print(f"ok: {len(checklists)} checklists, {items} items")
    return 0


def _cmd_score(args: argparse.Namespace) -> int:
    checklists = load_checklists()
    results, failed = [], False
    for name in args.files:
        try:
            answers = load_answers(name, checklists)
        except ToolkitError as exc:
            print(exc, file=sys.stderr)
            failed = True
            continue
        results.append((name, score(answers, checklists[answers.checklist_id])))
    if args.format == "json":
        out = []
        for name, r in results:
            t = r.totals
            out.append({"file": name, "checklist": r.checklist.id, "answered": int(t["answered"]),
                        "unanswered": int(t["unanswered"]), "points": _json_number(t["points"]),
                        "max_points": _json_number(t["max_points"]), "percent": _json_number(t["percent"]),
                        "level": r.level, "safety": r.safety, "not_scored": list(t["not_scored"]),
                        "items": [{"id": row.item, "answer": r.answers.responses.get(row.item),
                                   "points": _json_number(row.points), "safety": bool(row.safety)}
                                  for row in r.items.itertuples()]})
        print(json.dumps(out, indent=2))
    elif args.format == "csv":
        import pandas as pd
        frames = [r.items.drop(columns=["note"]).assign(checklist=r.checklist.id, level=r.level, file=name)
                  for name, r in results]
        if frames:
            sys.stdout.write(pd.concat(frames, ignore_index=True).to_csv(index=False))
    else:
        for name, r in results:
            t = r.totals
            print(f"{name}: {r.checklist.title}")
            if r.safety:
                print("  ! Some answers point at your safety. Please look at the support resources "
                      "(python -m toolkit resources, or the notebooks).")
            print(f"  answered {t['answered']} of {t['answered'] + t['unanswered']}, "
                  f"{t['points']:.0f} of {t['max_points']:.0f} points ({_json_number(t['percent'])} %), "
                  f"level: {r.level}")
            print(f"  {r.explanation}")
            if t["not_scored"]:
                print(f"  not scored (no longer in this checklist): {', '.join(t['not_scored'])}")
            print(r.items[["item", "answer", "severity", "points", "safety"]].to_string(index=False))
            print("  This is a reflection aid, not a diagnosis.")
    return 1 if failed else 0


def _cmd_report(args: argparse.Namespace) -> int:
    from .report import report_html, report_md
    from .resources import load_resources

    checklists = load_checklists()
    runs = load_runs(args.dir, checklists)
    build = report_html if args.format == "html" else report_md
    text = build(runs, checklists, load_resources())
    if args.out:
        path = write_private(args.out, text.encode("utf-8"))
        print(f"report written to {path}")
    else:
        sys.stdout.write(text)
    return 0


def _cmd_notebooks(args: argparse.Namespace) -> int:
    from .notebooks import write_notebooks

    written = write_notebooks(load_checklists(), overwrite=args.force)
    for path in written:
        print(f"wrote {path}")
    if not written:
        print("every checklist already has a notebook")
    return 0


def _cmd_forget(args: argparse.Namespace) -> int:
    folder = answers_dir(args.dir)
    if not args.yes:
        print(f"This deletes every saved answer in {folder}. Run again with --yes to confirm.",
              file=sys.stderr)
        return 2
    count = forget_all(folder)
    print(f"deleted {count} saved runs from {folder}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    command = {"list": _cmd_list, "validate": _cmd_validate, "score": _cmd_score,
               "report": _cmd_report, "notebooks": _cmd_notebooks, "forget": _cmd_forget}[args.command]
    try:
        return command(args)
    except ToolkitError as exc:
        for line in str(exc).splitlines():
            print(line, file=sys.stderr)
        return 1
