"""The problem collector of a load: every problem found, capped per rule.

:class:`_Reporter` gathers :class:`~lusp.validate.Problem` records from every stage of
:func:`lusp.load.load_cohort` (read, recognise, map, check) into one
:class:`~lusp.validate.ValidationReport`; a :class:`_Segment` is the unit that row
problems point into (one raw table, or the part of a visits sheet feeding one table).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lusp.i18n import N_, Text
from lusp.validate import Problem, ValidationReport

#: Rows reported per rule, file and column before one "… and N more" line (a registry
#: with a systematic error must not produce a million-line report).
MAX_PROBLEMS_PER_RULE = 200


@dataclass
class _Segment:
    """One raw table (or the part of a visits sheet feeding one table), columns canonical."""

    file: str
    table: str  # canonical table the rows go to
    label: str  # table name shown in problems ("visits" for a visits sheet)
    frame: pd.DataFrame  # canonical field → raw cells; covariates under their own names; _row
    columns: dict[str, str]  # canonical field (or covariate) → column name as in the file
    zero_means_none: bool = False  # visits: 0 units / 0 mg/kg means "nothing that day"


class _Reporter:
    """Collects problems, capping each (rule, file, table, column) at MAX_PROBLEMS_PER_RULE rows."""

    def __init__(self, cap: int = MAX_PROBLEMS_PER_RULE):
        self.cap = cap
        self.problems: list[Problem] = []
        self._shown: Counter = Counter()
        self._more: Counter = Counter()
        self._example: dict = {}

    def add(self, severity, code, file, table, row, column, value, message) -> None:
        key = (severity, code, file, table, column)
        if row is not None:
            if self._shown[key] >= self.cap:
                self._more[key] += 1
                return
            self._shown[key] += 1
            self._example.setdefault(key, message)
        self.problems.append(Problem(severity, file, table, row, column, _short(value), message, code))

    def rows(self, severity, code, seg: _Segment, rows, column, values, message) -> None:
        """Problems for many rows of one segment; ``message`` is a string or a callable of the value."""
        key = (severity, code, seg.file, seg.label, column)
        rows = list(rows)
        values = list(values)
        room = max(self.cap - self._shown[key], 0)
        for row, value in zip(rows[:room], values[:room]):
            text = message(value) if callable(message) else message
            self.add(severity, code, seg.file, seg.label, int(row), column, value, text)
        if len(rows) > room:
            self._more[key] += len(rows) - room

    def extend(self, problems) -> None:
        self.problems.extend(problems)

    def report(self) -> ValidationReport:
        extra = [
            Problem(key[0], key[2], key[3], None, key[4], "",
                    Text("… and {n} more rows with the same problem ({example})", n=n,
                         example=self._example.get(key, key[1])), key[1])
            for key, n in self._more.items()
        ]
        return ValidationReport.of(self.problems + extra)

    @property
    def has_errors(self) -> bool:
        return any(p.severity == "error" for p in self.problems) or any(k[0] == "error" for k in self._more)


def _chain(items, msgid: str) -> str:
    """``items`` joined pair by pair with ``msgid`` ("{first} or {then}"), as a
    :class:`Text` the reader's language says again."""
    items = list(items)
    joined = items[0] if items else ""
    for item in items[1:]:
        joined = Text(msgid, first=joined, then=item)  # i18n: lookup
    return joined


def any_of(items) -> str:
    """``"a or b or c"`` said in the reader's language (one "or" sentence per pair)."""
    return _chain(items, N_("{first} or {then}"))


def all_of(items) -> str:
    """``"a and b"`` said in the reader's language."""
    return _chain(items, N_("{first} and {then}"))


def _short(value) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "…"


def _fmt(x) -> str:
    return "" if pd.isna(x) else (f"{x:g}" if isinstance(x, (float, np.floating)) else str(x))
