"""Plain helpers shared by the unit tests (fixtures live in conftest.py)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta, timezone
from fractions import Fraction
from pathlib import Path
from typing import Any

from toolkit.checklist import shipped_dir
from toolkit.resources import RESOURCES_FILE, load_resources
from toolkit.store import AnswerStore
from toolkit.workspace import Workspace

REPO = Path(__file__).resolve().parents[2]
SHIPPED_DIR = shipped_dir()
#: The three core checklists and their item counts: the source's 6 and 5 points; its 16 signs
#: of a toxic relationship plus a fear item, with three double points split in two (20).
CORE_COUNTS = {"avoid-partners-where": 11, "toxic-relationship": 26, "trauma-bonding": 6}
FIXED_TIME = datetime(2025, 3, 14, 15, 9, 26, tzinfo=timezone(timedelta(hours=1)))


def toml_value(value: Any) -> str:
    """A Python value as TOML (enough for checklist files: text, numbers, booleans, lists)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise TypeError(value)


def write_checklist(folder: Path, cid: str, items: Iterable[Mapping[str, Any]], *,
                    kind: str = "red-flags", version: int = 1, retired: Iterable[str] = (),
                    **top: Any) -> Path:
    """Write a valid checklist file; each item needs at least id and severity."""
    folder.mkdir(parents=True, exist_ok=True)
    head = {"id": cid, "version": version, "title": f"Test list {cid}", "intro": "For tests.",
            "kind": kind, "source": "001_0123456789abcdef.txt, test", **top}
    if retired:
        head["retired"] = list(retired)
    lines = [f"{k} = {toml_value(v)}" for k, v in head.items()]
    for raw in items:
        item = {"text": f"Item {raw['id']}", "explain": "Why it matters.", "themes": ["communication"],
                "safety": False, "source": "001_0123456789abcdef.txt, test", **raw}
        lines += ["", "[[items]]"] + [f"{k} = {toml_value(v)}" for k, v in item.items()]
    path = folder / f"{cid}.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def workspace_for(answers_dir: Path, checklists, resources_dir: Path = SHIPPED_DIR) -> Workspace:
    """A workspace on these checklists with its own answers folder (no globals patched)."""
    return Workspace(checklists, load_resources(resources_dir / RESOURCES_FILE),
                     AnswerStore(answers_dir, checklists))


# ------------------------------------------------------------------ oracle


def expected_totals(checklist, responses: Mapping[str, str]) -> dict[str, Any]:
    """The scoring rules of the docstring, written out in plain Python (the test oracle)."""
    vocab = checklist.vocabulary
    top = vocab.max_weight
    points = max_points = answered = not_happened = 0
    safety = noted = False
    for item in checklist.items:
        answer = responses.get(item.id)
        if answer is not None and vocab.options[answer].situational:
            not_happened += 1  # "This hasn't happened": out of the answered share, not unsure
            continue
        concerns = checklist.direction == "concern"
        if answer is not None and vocab.weight(answer) is None:
            noted |= item.safety and concerns  # a safety question answered "Not sure"
        if answer is None or vocab.weight(answer) is None:
            continue
        keyed = top - vocab.weight(answer) if item.reverse else vocab.weight(answer)
        answered += 1
        points += item.severity * keyed
        max_points += item.severity * top
        concern = top - keyed if checklist.direction == "strength" else keyed
        safety |= item.safety and concern >= vocab.weight(item.safety_from or vocab.safety_from)
        noted |= item.safety and concerns and concern > 0
    percent = 100 * points / max_points if max_points else float("nan")
    applicable = len(checklist.items) - not_happened
    enough = applicable and Fraction(answered, applicable) >= Fraction(str(vocab.min_answered_share))
    level = "not-applicable" if not applicable else "insufficient" if not enough else next(
        (lv.id for lv in vocab.levels if percent < lv.below), vocab.levels[-1].id)
    calm = any(lv.id == level and lv.calm and checklist.direction == "concern" for lv in vocab.levels)
    return {"answered": answered, "unanswered": applicable - answered, "points": points,
            "max_points": max_points, "percent": percent, "level": level, "safety": safety,
            "not_happened": not_happened, "safety_noted": noted,
            "level_withheld": safety or (noted and calm)}


def min_answered(checklist) -> int:
    """Fewest answered items that are enough for a level, from the vocabulary's share."""
    share = Fraction(str(checklist.vocabulary.min_answered_share))
    n = len(checklist.items)
    return next(k for k in range(n + 1) if Fraction(k, n) >= share)


def report_at_end(request, name: str, write) -> None:
    """Have `write(terminalreporter)` print figures in pytest's terminal summary.

    Output capture swallows plain prints; a plugin registered once per session is not.
    """

    class _Report:
        def pytest_terminal_summary(self, terminalreporter):
            write(terminalreporter)

    manager = request.config.pluginmanager
    if not manager.has_plugin(name):
        manager.register(_Report(), name)


def run_cli(capsys: Any, *argv: str) -> tuple[int, str, str]:
    """`redflag ARGV` in this process: exit code, stdout, stderr."""
    from toolkit.cli import main

    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def shown(widget: Any, root: Any) -> bool:
    """Whether `widget` is on screen: it and every box above it up to `root` are displayed (a
    statement of a form: its AnswerSheet)."""
    widget = getattr(widget, "sheet", widget)

    def path(node):
        if node is widget:
            return [node]
        for child in getattr(node, "children", ()):
            found = path(child)
            if found:
                return [node, *found]
        return []
    chain = path(root)
    assert chain, f"{widget!r} is not inside the page"
    return all(getattr(getattr(n, "layout", None), "display", None) != "none" for n in chain)


def text_of(markup: str) -> str:
    """What a person reads in `markup`: tags dropped (a number split into tel: links reads as
    before), entities decoded."""
    import html
    import re

    return html.unescape(re.sub(r"<[^>]+>", "", markup))
