"""Command line: `redflag list | validate | score | runs | report | export | import | resources | …`.

Exit codes: 0 success, 1 a problem was found (invalid file, failed save, a file or folder the
system refused: disk full, permission denied, missing folder), 2 usage error.
Errors go to stderr, one line each, naming the file; never a traceback.
"""

from __future__ import annotations

import argparse
import errno
import json
import math
import os
import re
import sys
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from . import i18n
from .bundles import MAX_BUNDLE_BYTES
from .checklist import checkout_root
from .crypto import check_strength, read_passphrase
from .errors import ChecklistError, PassphraseError, ToolkitError
from .files import read_regular, write_private
from .i18n import N_, _, ngettext
from .launch import PORT
from .protection import Converted
from .resources import Resource
from .store import AnswerStore
from .words import NOT_A_DIAGNOSIS
from .workspace import Workspace, default_answers_dir

#: Characters a terminal acts on (escape sequences, carriage return, bidi overrides, line and
#: paragraph separators) have no business in a file name or an error message.
_UNSAFE_CATEGORIES = {"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"}
#: A CSV cell starting with one of these is a formula to a spreadsheet (OWASP: CSV injection).
_FORMULA = re.compile(r"^[=+\-@\t\r]")


def safe_text(text: object) -> str:
    """`text` with every control, format (bidi) or separator character shown as an escape, so a
    hostile file name or error cannot move the cursor, recolour or rewrite the terminal."""
    return "".join(ch if unicodedata.category(ch) not in _UNSAFE_CATEGORIES
                   else (f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")
                   for ch in str(text))


def safe_cell(value: object) -> object:
    """A CSV cell: text made terminal-safe, and a leading = + - @ neutralised with a quote so a
    spreadsheet shows it instead of running it; numbers and empty cells as they are."""
    if not isinstance(value, str):
        return value
    value = safe_text(value)
    return "'" + value if _FORMULA.match(value) else value


def say(text: object = "", *, err: bool = False) -> None:
    """Print `text`, each line made safe (see `safe_text`), to stdout or stderr."""
    print("\n".join(safe_text(line) for line in str(text).split("\n")), file=sys.stderr if err else sys.stdout)


def _csv(table: pd.DataFrame) -> str:
    """A table as CSV with every text cell neutralised (`safe_cell`)."""
    text_columns = [c for c in table.columns if table[c].dtype == object or str(table[c].dtype) in ("str", "string")]
    out = table.copy()
    for column in text_columns:
        out[column] = out[column].map(safe_cell).astype(object)
    return str(out.to_csv(index=False))


if TYPE_CHECKING:
    import pandas as pd

    from .scoring import Result

SAFETY_LINE = N_("  ! At least one answer touches on your safety; that matters more than any total. "
                 "Support: redflag resources (or the notebooks).")
#: Under every result of a list about a partner, even when nothing is flagged.
LIMITS_LINE = N_("  This list can't tell how safe you are, and it does not ask about everything. "
                 "Support lines, and what these lists do not ask: redflag resources.")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="redflag", description=_("Relationship red-flag checklists: check, score, manage saved answers."))
    parser.add_argument("--checklists", metavar="DIR",
                        help=_("use the checklists in DIR instead of the shipped ones"))
    answers_help = _("answers folder (default: $REDFLAG_ANSWERS_DIR, a checkout's answers/, "
                     "or your per-user data folder)")
    parser.add_argument("--dir", metavar="DIR", dest="answers", help=answers_help)
    parser.add_argument("--passphrase-file", metavar="FILE",
                        help=_("read the passphrase of protected answers from FILE (else $REDFLAG_PASSPHRASE, "
                               "else a prompt)"))
    lang_help = _("the language to show (en, es; default: your choice in the notebooks, else $REDFLAG_LANG, "
                  "else this computer's locale)")
    parser.add_argument("--lang", metavar="CODE", help=lang_help)
    # Also accepted after the command (`redflag report --dir D`), without clearing the global one.
    answers = argparse.ArgumentParser(add_help=False)
    answers.add_argument("--dir", metavar="DIR", dest="answers", default=argparse.SUPPRESS, help=answers_help)
    answers.add_argument("--lang", metavar="CODE", default=argparse.SUPPRESS, help=lang_help)
    answers.add_argument("--passphrase-file", metavar="FILE", default=argparse.SUPPRESS,
                         help=_("read the passphrase of protected answers from FILE"))
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_sub_parser(answers))
    sub.add_parser("list", help=_("list the checklists and their item counts"))
    p = sub.add_parser("validate", help=_("check checklist files for problems"))
    p.add_argument("directory", nargs="?", help=_("folder of checklist files (default: the shipped ones)"))
    _answer_commands(sub)
    _folder_commands(sub)
    return parser


def _answer_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The commands that read or write saved answers."""
    p = sub.add_parser("score", help=_("score saved answers files"))
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    p = sub.add_parser("runs", help=_("list every saved run in the answers folder"))
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    p = sub.add_parser("report", help=_("a printable report of your latest saved answers"))
    p.add_argument("--out", metavar="FILE", help=_("write to FILE (private, mode 0600) instead of printing"))
    p.add_argument("--format", choices=["html", "md"], default="html")
    p.add_argument("--country", metavar="XX", help=_("put this country's support lines first (e.g. GB)"))
    p.add_argument("--plain", action="store_true",
                   help=_("protected answers: write the report anyway (it is not encrypted: anyone can read it)"))
    p = sub.add_parser("export", help=_("write every saved run to one file (encrypted when protected)"))
    p.add_argument("--out", metavar="FILE", required=True, help=_("the file to write (private, mode 0600)"))
    p.add_argument("--plain", action="store_true",
                   help=_("protected answers: write them unencrypted (anyone who finds the file can read it)"))
    p = sub.add_parser("import", help=_("add the runs of an exported file (never overwrites)"))
    p.add_argument("file", metavar="FILE")


def _folder_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Support lines, notebooks, the servers, and what changes the whole answers folder."""
    p = sub.add_parser("resources", help=_("print the support resources (helplines)"))
    p.add_argument("--country", metavar="XX",
                   help=_("this country's lines first, the rest under 'Other countries' (default: your "
                          "choice in the notebooks, else this computer's locale)"))
    p = sub.add_parser("notebooks", help=_("write the notebooks into a folder"))
    p.add_argument("folder", nargs="?", metavar="DIR",
                   help=_("where to write them (default: the checkout's notebooks/ folder)"))
    p.add_argument("--force", action="store_true", help=_("rewrite notebooks that already exist"))
    for name, what in (("lab", "JupyterLab"), ("app", _("the app view (Voilà, no code)"))):
        p = sub.add_parser(name, help=_("open the notebooks in {what} on this computer only").format(what=what))
        p.add_argument("folder", nargs="?", metavar="DIR",
                       help=_("notebooks folder (default: the checkout's notebooks/, else a per-user folder)"))
        if name == "app":
            p.add_argument("--port", type=int, default=PORT, metavar="N",
                           help=_("the app's port on 127.0.0.1 (default {port})").format(port=PORT))
    p = sub.add_parser("forget", help=_("delete every saved answer in the answers folder"))
    p.add_argument("--yes", action="store_true", help=_("confirm: really delete them"))
    sub.add_parser("protect", help=_("protect the saved answers with a passphrase (encrypts every run)"))
    sub.add_parser("unprotect", help=_("remove the passphrase protection (decrypts every run)"))
    p = sub.add_parser("passphrase", help=_("change the passphrase of protected answers"))
    p.add_argument("--new-passphrase-file", metavar="FILE",
                   help=_("read the new passphrase from FILE (else $REDFLAG_NEW_PASSPHRASE, else a prompt)"))


def _sub_parser(parent: argparse.ArgumentParser) -> type[argparse.ArgumentParser]:
    class SubParser(argparse.ArgumentParser):
        def __init__(self, **kwargs: object) -> None:
            super().__init__(parents=[parent], **kwargs)  # type: ignore[arg-type]
    return SubParser


def _workspace(args: argparse.Namespace, unlock: bool = True) -> Workspace:
    """The workspace in the chosen language (--lang, the person's setting, $REDFLAG_LANG, the
    locale), its sentences installed for this command; a protected answers folder is unlocked
    with the passphrase first (the setting is sealed with the answers)."""
    ws = Workspace.open(args.checklists, args.answers)
    if unlock and ws.store.protected:
        ws.store.unlock(read_passphrase(args.passphrase_file))
    ws = ws.choose_language(args.lang)
    i18n.use(ws.language)
    return ws


def _json_number(x: float) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else round(float(x), 1)


def _cmd_list(args: argparse.Namespace) -> int:
    for c in _workspace(args, unlock=False).checklists.values():
        say(ngettext("{id:28} {count:3} items  {kind:12} {title}", "{id:28} {count:3} items  {kind:12} {title}",
                     len(c.items)).format(id=c.id, count=len(c.items), kind=c.kind, title=c.title))
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    """The checklists, then every translation beside them (missing, stale or unknown texts, and
    the UI catalogue's untranslated or fuzzy sentences): each problem with its file and key."""
    from .translations import LANGUAGES, translation_folder, validate

    ws = Workspace.open(args.directory or args.checklists, args.answers)
    checklists = ws.checklists
    problems = [p for code in LANGUAGES if code != i18n.ENGLISH and translation_folder(checklists, code).is_dir()
                for p in validate(code, checklists, ws.resources)]
    if problems:
        raise ChecklistError(*problems)
    items = sum(len(c.items) for c in checklists.values())
    say(_("ok: {checklists} checklists, {items} items").format(checklists=len(checklists), items=items))
    return 0


def _score_json(results: list[tuple[str, Result]]) -> None:
    out = []
    for name, r in results:
        t = r.totals
        out.append({"file": name, "checklist": r.checklist.id, "answered": int(t["answered"]),
                    "unanswered": int(t["unanswered"]), "points": _json_number(t["points"]),
                    "max_points": _json_number(t["max_points"]), "percent": _json_number(t["percent"]),
                    "unsure": int(t["unsure"]), "not_happened": int(t["not_happened"]),
                    "level": r.level, "safety": r.safety, "safety_unsure": list(r.safety_unsure),
                    "safety_noted": r.safety_noted, "level_withheld": r.level_withheld,
                    "explanation": r.explanation,
                    "not_scored": list(t["not_scored"]),
                    "items": [{"id": row.item, "answer": r.answers.responses.get(row.item),
                               "points": _json_number(row.points), "safety": bool(row.safety)}
                              for row in cast("Iterable[Any]", r.items.itertuples())]})
    print(json.dumps(out, indent=2))


def _score_csv(results: list[tuple[str, Result]]) -> None:
    import pandas as pd
    frames = [r.items.drop(columns=["note"]).assign(
                  checklist=r.checklist.id, level=r.level, safety_flag=r.safety,
                  level_withheld=r.level_withheld, file=name,
                  safety_unsure=r.items["item"].isin(r.safety_unsure))
              for name, r in results]
    if frames:
        sys.stdout.write(_csv(pd.concat(frames, ignore_index=True)))


def _score_table(name: str, r: Result) -> None:
    from .markup import answered_text

    t = r.totals
    say(f"{name}: {r.checklist.title}")
    if r.safety:
        say(_(SAFETY_LINE))
    vocab = r.checklist.vocabulary
    level = (_("see the safety line above") if r.safety else _("not shown, see below") if r.level_withheld
             else vocab.level_label(r.level))
    counts = answered_text(r.checklist, int(t["answered"]), int(t["unsure"]), int(t["not_happened"]))
    say(_("  {counts}, {points:.0f} of {max_points:.0f} points ({percent} %), level: {level}").format(
        counts=counts, points=t["points"], max_points=t["max_points"], percent=_json_number(t["percent"]),
        level=level))
    say(f"  {r.explanation}")
    if r.checklist.group == "concern":
        say(_(LIMITS_LINE))
    if r.safety_unsure:
        say(_("  You weren't sure about questions that touch on safety: {items}. "
              "Support is there for that too: redflag resources.").format(items=", ".join(r.safety_unsure)))
    if t["not_scored"]:
        say(_("  not scored (no longer in this checklist): {items}").format(items=", ".join(t["not_scored"])))
    say(r.items[["item", "answer", "severity", "points", "safety"]].to_string(index=False))
    say("  " + _(NOT_A_DIAGNOSIS))


def _cmd_score(args: argparse.Namespace) -> int:
    from .scoring import score  # pandas: only the commands that score import it

    ws = _workspace(args)
    results, failed = [], False
    for name in args.files:
        try:
            answers = ws.store.read(name)
        except ToolkitError as exc:
            say(exc, err=True)
            failed = True
            continue
        results.append((name, score(answers, ws.checklists[answers.checklist_id])))
    if args.format == "json":
        _score_json(results)
    elif args.format == "csv":
        _score_csv(results)
    else:
        for name, r in results:
            _score_table(name, r)
    return 1 if failed else 0


def _cmd_runs(args: argparse.Namespace) -> int:
    table = _workspace(args).store.table().drop(columns=["path"])
    table["saved_at"] = table["saved_at"].map(lambda t: "" if t is None or t != t else t.isoformat())
    if args.format == "json":
        rows = [{k: (None if v is None or v != v else v) for k, v in row.items()}
                for row in table.to_dict(orient="records")]
        print(json.dumps(rows, indent=2, default=int))
    elif args.format == "csv":
        sys.stdout.write(_csv(table))
    elif table.empty:
        say(_("no saved runs"))
    else:
        say(table.astype(object).where(table.notna(), "").to_string(index=False))
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from .report import report_html, report_md

    ws = _workspace(args)
    if ws.store.protected and not args.plain:
        raise ToolkitError(_("your answers are protected, and a report is not encrypted: anyone who finds it "
                             "can read it. Add --plain to make one anyway; nothing was written"))
    build = report_html if args.format == "html" else report_md
    text = build(ws.store.runs(), ws.checklists, ws.resources, country=_country(ws, args.country))
    if args.out:
        path = write_private(args.out, text.encode("utf-8"))
        say(_("report written to {path}").format(path=path))
    else:
        sys.stdout.write(text)
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    ws = _workspace(args)
    data = ws.store.export_bundle(plain=args.plain)
    path = write_private(args.out, data)
    if ws.store.protected and not args.plain:
        say(_("wrote {path}: encrypted with your passphrase; it opens with it in any answers folder").format(
            path=path))
    else:
        say(_("wrote {path}: not encrypted, anyone who finds it can read your answers").format(path=path))
    return 0


def read_upload(name: str) -> bytes:
    """An exported file to import: a regular file, within the size limit."""
    return read_regular(Path(name), MAX_BUNDLE_BYTES + 100_000)


def _cmd_import(args: argparse.Namespace) -> int:
    ws = _workspace(args)
    data = read_upload(args.file)
    try:
        report = ws.store.import_bundle(data, name=args.file)
    except PassphraseError:  # an encrypted file into a folder without its key: ask once
        report = ws.store.import_bundle(data, name=args.file, passphrase=read_passphrase(args.passphrase_file))
    imported, present = len(report.imported), len(report.already_present)
    say(ngettext("imported {n} saved run(s); {present} already here",
                 "imported {n} saved run(s); {present} already here", imported).format(n=imported, present=present))
    for _label, why in report.rejected:
        say(_("rejected: {why}").format(why=why), err=True)
    return 1 if report.rejected else 0


def _country(ws: Workspace, given: str | None) -> str | None:
    """A --country code (checked against the resources), else the person's own setting."""
    if given is None:
        return ws.country
    code = given.strip().upper()
    if code not in ws.resources.countries:
        known = ", ".join(f"{c} ({n})" for c, n in ws.resources.countries.items())
        raise ToolkitError(_("no support lines listed for country '{given:.20}' (listed: {known}); "
                             "the lines for everywhere are shown without --country").format(given=given, known=known))
    return code


def _cmd_resources(args: argparse.Namespace) -> int:
    from .markup import contacts
    from .translations import for_country

    ws = _workspace(args, unlock=False)  # the helplines never wait for a passphrase
    res = ws.resources
    code = _country(ws, args.country)
    first, others = for_country(res, code, ws.language)  # in Spanish, the lines that speak it first

    def show(entries: Sequence[Resource]) -> None:
        for r in entries:
            ways = " · ".join(value if way == "web" else f"{way.lower() if way == 'chat' else way} {value}"
                              for way, value in contacts(r))
            languages = _(" Languages: {languages}.").format(languages=", ".join(r.languages)) if r.languages else ""
            say(f"- {r.name} ({r.region}): {ways}\n  {r.when} {r.hours}.{languages}")

    say(res.heading)
    if not code:  # nobody's country first by guesswork: every country's emergency number
        listed = ", ".join(f"{c} ({n})" for c, n in sorted(res.countries.items(), key=lambda cn: cn[1]))
        say(_("Choose your country to see its helplines first: redflag resources --country XX "
              "(listed: {listed}).\n\nEmergency numbers and lines for everywhere:").format(listed=listed))
    show(first)
    if others:
        say("\n" + (_("Other countries:") if code else _("Helplines by country:")))
    for country, entries in res.by_country(others):
        say(f"\n{country}:")
        show(entries)
    say(f"\n{res.device_note}\n\n{res.limits}\n\n{res.disclaimer}")
    return 0


def _notebook_folder(folder: str | None, for_opening: bool = False) -> Path:
    """The folder named, else the checkout's notebooks/, else (to open) a per-user folder."""
    if folder:
        return Path(folder).expanduser()
    root = checkout_root()
    if root is not None:
        return root / "notebooks"
    if for_opening:
        return default_answers_dir().parent / "notebooks"
    raise ToolkitError(_("name a folder to write the notebooks into, e.g. `redflag notebooks ~/redflag`"))


def _cmd_notebooks(args: argparse.Namespace) -> int:
    from .notebooks import write_notebooks

    folder = _notebook_folder(args.folder)
    ws = _workspace(args, unlock=False)
    written = write_notebooks(ws.checklists, ws.resources, folder, overwrite=args.force)
    for path in written:
        say(_("wrote {path}").format(path=path))
    if not written:
        say(_("every notebook is already in {folder} (--force rewrites them)").format(folder=folder))
    return 0


def _cmd_open(args: argparse.Namespace) -> int:
    """`lab` / `app`: write any missing notebooks, then start the server on 127.0.0.1."""
    from .launch import run_app, run_lab
    from .notebooks import write_notebooks

    folder = _notebook_folder(args.folder, for_opening=True)
    ws = _workspace(args, unlock=False)  # the pages ask for the passphrase themselves
    write_notebooks(ws.checklists, ws.resources, folder)
    if args.command == "app":
        return run_app(folder, args.port)
    return run_lab(folder)  # no passphrase in its environment, its workspace state removed at the end


def _cmd_forget(args: argparse.Namespace) -> int:
    folder = Path(args.answers) if args.answers else default_answers_dir()
    if not args.yes:
        say(_("This deletes every saved answer in {folder}. Run again with --yes to confirm.").format(folder=folder),
            err=True)
        return 2
    count = AnswerStore(folder, {}).forget()  # no checklist is needed (or read) to delete the files
    say(ngettext("deleted {count} saved runs from {folder}", "deleted {count} saved runs from {folder}",
                 count).format(count=count, folder=folder))
    return 0


LOST = N_("Keep the passphrase safe: if it is lost, nobody can recover these answers, not even this program.")


def _left(converted: Converted) -> int:
    for problem in converted.left:
        say(_("left as it was: {problem}").format(problem=problem), err=True)
    return 1 if converted.left else 0


def _cmd_protect(args: argparse.Namespace) -> int:
    ws = _workspace(args, unlock=False)
    first = not ws.store.protected
    passphrase = read_passphrase(args.passphrase_file, confirm=first,
                                 what=_("New passphrase") if first else _("Passphrase"))
    if first:
        check_strength(passphrase)
    converted = ws.store.protect(passphrase)
    say(ngettext("protected: {count} saved run(s) encrypted in {folder}.",
                 "protected: {count} saved run(s) encrypted in {folder}.", converted.count).format(
        count=converted.count, folder=ws.answers_dir) + " " + _(LOST))
    return _left(converted)


def _cmd_unprotect(args: argparse.Namespace) -> int:
    ws = _workspace(args)
    if not ws.store.protected:
        say(_("{folder} is not protected; nothing to do").format(folder=ws.answers_dir))
        return 0
    converted = ws.store.unprotect()
    say(ngettext("unprotected: {count} saved run(s) decrypted in {folder}",
                 "unprotected: {count} saved run(s) decrypted in {folder}", converted.count).format(
        count=converted.count, folder=ws.answers_dir))
    return _left(converted)


def _cmd_passphrase(args: argparse.Namespace) -> int:
    ws = _workspace(args)
    if not ws.store.protected:
        raise ToolkitError(_("{folder} is not protected: use `redflag protect` first").format(folder=ws.answers_dir))
    new = read_passphrase(args.new_passphrase_file, confirm=True, what=_("New passphrase"),
                          env_var="REDFLAG_NEW_PASSPHRASE")
    check_strength(new)
    converted = ws.store.change_passphrase(new)
    say(ngettext("passphrase changed: {count} saved run(s) re-encrypted in {folder}.",
                 "passphrase changed: {count} saved run(s) re-encrypted in {folder}.", converted.count).format(
        count=converted.count, folder=ws.answers_dir) + " " + _(LOST))
    return _left(converted)


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "protect": _cmd_protect, "unprotect": _cmd_unprotect, "passphrase": _cmd_passphrase,
    "list": _cmd_list, "validate": _cmd_validate, "score": _cmd_score, "runs": _cmd_runs,
    "report": _cmd_report, "resources": _cmd_resources, "notebooks": _cmd_notebooks,
    "lab": _cmd_open, "app": _cmd_open, "forget": _cmd_forget, "export": _cmd_export, "import": _cmd_import,
}


def _named_in(args: argparse.Namespace) -> str:
    """The file or folder a command works on, to name when the system refuses an unnamed one."""
    for name in ("out", "file", "folder", "directory", "answers"):
        value = getattr(args, name, None)
        if isinstance(value, str) and value:
            return value
    return str(default_answers_dir())


def os_problem(exc: OSError, args: argparse.Namespace) -> str:
    """One line for an error the system raised (disk full, permission denied, missing folder):
    the file it concerns and the reason in words, never a traceback."""
    where = exc.filename if exc.filename is not None else _named_in(args)
    why = exc.strerror or (os.strerror(exc.errno) if exc.errno else "") or type(exc).__name__
    if exc.errno == errno.ENOSPC:
        why = _("the disk is full ({why})").format(why=why)
    return _("{where}: {why}").format(where=os.fsdecode(where), why=why)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        with i18n.language(i18n.current()):  # a command's language ends with it
            return COMMANDS[args.command](args)
    except ToolkitError as exc:
        say(exc, err=True)
        return 1
    except OSError as exc:
        say(os_problem(exc, args), err=True)
        return 1
