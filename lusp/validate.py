"""Problem records: every validation finding, collected lazily and carried as one report.

Messages are :class:`lusp.i18n.Text` (an English ``str`` that keeps its message id and
arguments): a report is stored (the session, the upload sandbox's pickle) and said again
in whatever language the reader chose (:meth:`Problem.said`, :meth:`ValidationReport.to_frame`).

A loader never stops at the first problem. It collects :class:`Problem` records
(pandera-style lazy validation) and, when any of them is an error, raises a single
:class:`CohortLoadError` that carries them all. The CLI prints each as
``table:row:column: message``; the Data page shows them as a table.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Iterable, Literal

import pandas as pd

from lusp.i18n import Text, say

Severity = Literal["error", "warning"]

#: Column order of :meth:`ValidationReport.to_frame`.
REPORT_COLUMNS = ["severity", "file", "table", "row", "column", "value", "message", "code"]


@dataclass(frozen=True)
class Problem:
    """One finding about an input file.

    ``row`` is numbered as the user numbers it in the file: the Excel row (header = 1,
    first data row = 2) or the CSV line (header = line 1). ``None`` when the problem is
    about a whole table, column or file. ``code`` is a stable machine-readable reason
    (e.g. ``missing_column``) for tests and filtering.
    """

    severity: Severity
    file: str
    table: str
    row: int | None
    column: str
    value: str
    message: str
    code: str = ""

    def said(self, lang: str | None = None) -> str:
        """The message in the language in force (or ``lang``); file, table, column and value
        names stay as written."""
        return say(self.message, lang)

    def cli_line(self, lang: str | None = None) -> str:
        """``table:row:column: message`` (empty fields stay empty), as the CLI prints it; the
        message in the language in force (or ``lang``)."""
        row = "" if self.row is None else str(self.row)
        return f"{self.table}:{row}:{self.column}: {self.said(lang)}"


@dataclass(frozen=True)
class ValidationReport:
    """An immutable collection of :class:`Problem` records, errors first."""

    problems: tuple[Problem, ...] = field(default_factory=tuple)

    @classmethod
    def of(cls, problems: Iterable[Problem]) -> "ValidationReport":
        order = {"error": 0, "warning": 1}
        items = sorted(
            problems,
            key=lambda p: (order[p.severity], p.file, p.table, p.row if p.row is not None else -1, p.column),
        )
        return cls(tuple(items))

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "warning")

    @property
    def has_errors(self) -> bool:
        return any(p.severity == "error" for p in self.problems)

    def __len__(self) -> int:
        return len(self.problems)

    def __iter__(self):
        return iter(self.problems)

    def to_frame(self, lang: str | None = None) -> pd.DataFrame:
        """One row per problem with the columns of :data:`REPORT_COLUMNS` (machine names);
        ``message`` in the language in force (or ``lang``)."""
        rows = [{**asdict(p), "message": p.said(lang)} for p in self.problems]
        frame = pd.DataFrame(rows, columns=REPORT_COLUMNS)
        frame["row"] = frame["row"].astype("Int64")
        return frame


class CohortLoadError(Exception):
    """Raised when a file cannot become a cohort; ``report`` holds every problem found.

    ``str(exc)`` is the first error's line (and how many more) in the language in force
    when it is shown, not when it was raised (:meth:`said`)."""

    def __init__(self, report: ValidationReport):
        self.report = report
        super().__init__(self.said("en"))

    def said(self, lang: str | None = None) -> str:
        errors = self.report.errors
        first = errors[0].cli_line(lang) if errors else say(Text("unknown problem"), lang)
        more = len(errors) - 1
        if more <= 0:
            return first
        return say(Text("{first} (and {n} more errors)", first=first, n=more), lang)

    def __str__(self) -> str:
        return self.said()

    def __reduce__(self):
        return (CohortLoadError, (self.report,))


def message_of(exc: BaseException, lang: str | None = None) -> str:
    """An exception's message in the language in force: a :class:`CohortLoadError`'s lines,
    a ``ValueError(Text(…))``'s sentence, else ``str(exc)``."""
    if isinstance(exc, CohortLoadError):
        return exc.said(lang)
    if len(exc.args) == 1 and isinstance(exc.args[0], Text):
        return exc.args[0].said(lang)
    return str(exc)
