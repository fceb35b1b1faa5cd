"""Problem records: every validation finding, collected lazily and carried as one report.

A loader never stops at the first problem. It collects :class:`Problem` records
(pandera-style lazy validation) and, when any of them is an error, raises a single
:class:`CohortLoadError` that carries them all. The CLI prints each as
``table:row:column: message``; the Data page shows them as a table.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Iterable, Literal

import pandas as pd

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

    def cli_line(self) -> str:
        """``table:row:column: message`` (empty fields stay empty), as the CLI prints it."""
        row = "" if self.row is None else str(self.row)
        return f"{self.table}:{row}:{self.column}: {self.message}"


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

    def to_frame(self) -> pd.DataFrame:
        """One row per problem with the columns of :data:`REPORT_COLUMNS`."""
        rows = [asdict(p) for p in self.problems]
        frame = pd.DataFrame(rows, columns=REPORT_COLUMNS)
        frame["row"] = frame["row"].astype("Int64")
        return frame


class CohortLoadError(Exception):
    """Raised when a file cannot become a cohort; ``report`` holds every problem found."""

    def __init__(self, report: ValidationReport):
        self.report = report
        first = report.errors[0].cli_line() if report.errors else "unknown problem"
        more = len(report.errors) - 1
        super().__init__(first + (f" (and {more} more errors)" if more > 0 else ""))
