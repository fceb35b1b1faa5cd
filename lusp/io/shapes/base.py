"""What every shape module shares: the mapped table it hands on, the load options, and
finding a column by its role.

A shape module turns raw tables of one export shape (an LIS lab list, a blood-bank log,
SDTM domains …) into :class:`MappedTable` records: the rows and columns of the source,
exactly as written (so every problem still names the file, table, row and column the
user sees), plus which canonical field each column is. The loader's checks then treat
them like template tables.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from lusp.io import vocab
from lusp.io.readers import RawTable
from lusp.io import synonyms as syn
from lusp.validate import Problem


@dataclass(frozen=True)
class MappedTable(RawTable):
    """Source rows mapped to one canonical table.

    ``claims`` gives ``(position, canonical field)`` pairs (columns not claimed in a
    ``patients`` table are covariates); ``row_numbers`` the row number the user sees for
    each body row (rows may be a subset of the source); ``label`` the source table's name
    as the user knows it (``lb``, ``检验结果``), shown in problems.
    """

    table: str = ""
    label: str = ""
    claims: tuple[tuple[int, str], ...] = ()
    row_numbers: np.ndarray | None = None


@dataclass(frozen=True)
class LoadOptions:
    """The user's answers to the questions a real export can raise (Data page, CLI, or the
    ``"_options"`` entry of a saved mapping)."""

    hb_unit: str | None = None  # unit of Hb values that declare none: "g/L" | "g/dL" | "mmol/L"
    rbc_ml_per_unit: float | None = None  # mL of red cells in one unit
    study_drugs: tuple[str, ...] = ()  # drug names counted as luspatercept besides its own names
    hb_tests: tuple[str, ...] = ()  # test names / codes counted as Hb besides the known ones
    test_columns: tuple[tuple[str, str], ...] = ()  # (sheet or file, column) holding the test name
    covariates: tuple[str, ...] = ()  # extra patients columns the user confirmed as covariates

    def test_column_for(self, raw: RawTable) -> str | None:
        for where, column in self.test_columns:
            if vocab.normalise(where) in (vocab.normalise(raw.sheet), vocab.normalise(raw.file)):
                return column
        return None

    @property
    def hb_test_set(self) -> frozenset[str]:
        return frozenset(vocab.normalise(t) for t in self.hb_tests)


OPTION_KEYS = ("hb_unit", "rbc_ml_per_unit", "study_drugs", "hb_tests", "test_columns", "covariates")


def options_from(mapping_options: dict | None, **given) -> LoadOptions:
    """Options from a mapping's ``"_options"`` entry, overridden by explicit keywords."""
    data = dict(mapping_options or {})
    data.update({k: v for k, v in given.items() if v not in (None, (), [])})
    tests = data.get("test_columns") or {}
    return LoadOptions(
        hb_unit=data.get("hb_unit") or None,
        rbc_ml_per_unit=float(data["rbc_ml_per_unit"]) if data.get("rbc_ml_per_unit") not in (None, "") else None,
        study_drugs=tuple(str(d) for d in (data.get("study_drugs") or ())),
        hb_tests=tuple(str(t) for t in (data.get("hb_tests") or ())),
        test_columns=tuple(sorted((str(k), str(v)) for k, v in dict(tests).items())),
        covariates=tuple(str(c) for c in (data.get("covariates") or ())),
    )


@dataclass
class Mapped:
    """What one shape module made of its raw tables."""

    tables: list[MappedTable] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # "what came from where", one line each
    problems: list[Problem] = field(default_factory=list)
    proposals: dict = field(default_factory=dict)  # for the Data page: test columns, tests, units, drugs


def problem(severity: str, file: str, table: str, column: str, message: str, code: str, row=None,
            value: str = "") -> Problem:
    return Problem(severity, file, table, row, column, value, message, code)


def find_column(raw: RawTable, role: str, *, exclude: set[int] = frozenset(), table: str | None = None,
                by_hand: str | None = None) -> int | None:
    """Position of the column playing ``role``: the user's choice, else the best-ranked
    name of :data:`lusp.io.vocab.ROLE_NAMES` (or the template synonym of ``table``)."""
    if by_hand is not None:
        for j, name in enumerate(raw.header):
            if name == by_hand or vocab.normalise(name) == vocab.normalise(by_hand):
                return j
    ranks = vocab.role_index(role) if role in vocab.ROLE_NAMES else {}
    best = None
    for j, name in enumerate(raw.header):
        if j in exclude or vocab.is_identifier_name(name):
            continue
        norm = vocab.normalise(name)
        rank = ranks.get(norm)
        if rank is None and table is not None and syn.match_column(table, name) == role:
            rank = len(ranks)
        if rank is not None and (best is None or rank < best[0]):
            best = (rank, j)
    return best[1] if best else None


def find_time(raw: RawTable, exclude: set[int]) -> tuple[int | None, str, str]:
    """``(position, "date" | "day", how)``: a named time column (collection before report),
    a study-day column, else the one column whose values are dates or date-times."""
    # identifier columns (a birth date) are never read, not even to look for dates
    exclude = set(exclude) | {j for j, h in enumerate(raw.header) if vocab.is_identifier_name(h)}
    ranks = {vocab.normalise(n): i for i, n in enumerate(vocab.TIME_NAMES)}
    named = [(ranks[vocab.normalise(h)], j) for j, h in enumerate(raw.header)
             if j not in exclude and vocab.normalise(h) in ranks]
    if named:
        return min(named)[1], "date", "by name"
    for j, h in enumerate(raw.header):
        if j not in exclude and syn.match_column("hb", h) == "day":
            return j, "day", "by name"
    dated = [j for j in range(len(raw.header)) if j not in exclude and looks_like_dates(raw.body[j])]
    if len(dated) == 1:
        return dated[0], "date", "the only column of dates"
    return None, "", ""


def looks_like_dates(col: pd.Series) -> bool:
    """True when nearly every filled cell of ``col`` is a date or date-time."""
    from lusp.io.values import parse_dates

    sample = col.dropna().head(50)
    if not len(sample) or pd.api.types.is_numeric_dtype(sample):
        return False
    text = sample.astype(str)
    if not text.str.contains(r"\d{1,4}[-/.年]\d{1,2}", regex=True).mean() > 0.9:
        return False
    parsed = parse_dates(sample.reset_index(drop=True))
    readable = parsed.values.notna().to_numpy() | np.isin(np.arange(len(sample)), parsed.pending.index.to_numpy())
    return bool(readable.mean() > 0.9)


def subset(raw: RawTable, rows: np.ndarray, columns: list[tuple[int, str]], *, table: str, label: str,
           replace: dict[int, pd.Series] | None = None, row_numbers: np.ndarray | None = None,
           names: dict[int, str] | None = None) -> MappedTable:
    """A :class:`MappedTable` of ``raw``'s ``rows`` (a boolean mask or positions) and
    ``columns`` (``(position, field)``; a position may appear twice), with some columns'
    values replaced (``replace``: position → new full-length values)."""
    replace = replace or {}
    numbers = source_rows(raw) if row_numbers is None else row_numbers
    idx = np.flatnonzero(rows) if rows.dtype == bool else np.asarray(rows, dtype="int64")
    body = {}
    header = []
    claims = []
    for k, (j, fld) in enumerate(columns):
        values = replace.get(j, raw.body[j]) if j >= 0 else replace[j]
        body[k] = values.iloc[idx].reset_index(drop=True) if isinstance(values, pd.Series) else pd.Series(
            np.asarray(values)[idx])
        header.append(raw.header[j] if j >= 0 else (names or {}).get(j, fld))
        claims.append((k, fld))
    frame = pd.DataFrame(body) if body else pd.DataFrame(index=pd.RangeIndex(len(idx)))
    return MappedTable(raw.file, raw.sheet, tuple(header), frame, raw.first_row, raw.kind, table=table, label=label,
                       claims=tuple(claims), row_numbers=np.asarray(numbers)[idx])


def source_rows(raw: RawTable) -> np.ndarray:
    """The row number the user sees for each body row of ``raw``."""
    if isinstance(raw, MappedTable) and raw.row_numbers is not None:
        return raw.row_numbers
    return np.arange(raw.first_row, raw.first_row + len(raw.body))  # one array, not arange + a sum


def text(col: pd.Series) -> pd.Series:
    from lusp.io.values import text_of

    return text_of(col)


def count_text(n: int) -> str:
    """``1 809`` (thin-space thousands, as the Data page writes counts)."""
    return f"{n:,}".replace(",", " ")
