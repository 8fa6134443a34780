"""Exceptions: one base class, so callers (CLI, UI) can catch every expected problem at once.

Every error carries its problems as data (`Problem`: file, item, key, message), so a caller can
list them, count them or point at a key, and formats them to the same one-line-per-problem
message a person reads. `Problems` collects them while a file is checked, so that one report
names everything wrong at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file: where (file, item, key) and what (message).

    `item` is the entry's id ("feeling-trapped"), shown as "<entry> '<item>'"; with `entry`
    empty it is shown as it is ("resource 3 ('Refuge')"). `key` is the path of the field inside
    the file ("levels[2].below"), kept as data for callers and tests: the message already
    says which key it is about.
    """

    message: str
    file: str = ""
    item: str | None = None
    key: str | None = None
    entry: str = "item"

    def __str__(self) -> str:
        parts = [self.file] if self.file else []
        if self.item is not None:
            parts.append(f"{self.entry} '{self.item}'" if self.entry else self.item)
        return ": ".join([*parts, self.message])


class ToolkitError(Exception):
    """Base class of every error the toolkit raises on bad input or a failed save.

    Built from problems or from plain messages (a message is a problem without a place);
    `str()` gives one line per problem, as people and logs have always read them.
    """

    def __init__(self, *problems: str | Problem) -> None:
        self.problems: tuple[Problem, ...] = tuple(
            p if isinstance(p, Problem) else Problem(str(p)) for p in problems)
        super().__init__(*problems)

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


class ChecklistError(ToolkitError):
    """A checklist or vocabulary file is missing, unreadable or invalid."""


class AnswersError(ToolkitError):
    """A saved-answers file or bundle is unreadable, invalid, or could not be written."""


class PassphraseError(ToolkitError):
    """A protected answers folder was opened without its passphrase, or with the wrong one."""


class Problems:
    """Collects every problem in one file so that a check reports them all at once.

    `add` records one; `take` the problems of an error raised while checking a part (one
    checklist of a folder, an archived edition), keeping the first such error as the cause;
    `raise_if_any` raises them together.
    """

    def __init__(self, file: str = "") -> None:
        self.file = file
        self.found: list[Problem] = []
        self.cause: BaseException | None = None

    def add(self, message: str, item: str | None = None, key: str | None = None,
            entry: str = "item") -> None:
        self.found.append(Problem(message, self.file, item, key, entry))

    def extend(self, problems: Iterable[Problem]) -> None:
        self.found.extend(problems)

    def take(self, error: ToolkitError) -> None:
        self.found.extend(error.problems)
        self.cause = self.cause or error

    def __bool__(self) -> bool:
        return bool(self.found)

    def __len__(self) -> int:
        return len(self.found)

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.found)

    def raise_if_any(self, error: type[ToolkitError]) -> None:
        if self.found and self.cause is not None:
            raise error(*self.found) from self.cause
        if self.found:
            raise error(*self.found)
