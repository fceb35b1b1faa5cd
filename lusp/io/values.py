"""Vectorised cell parsing: numbers, study days, booleans, calendar dates, identifiers.

Every parser takes one column exactly as read (numeric from the C parser, text, or mixed
Excel cells) and returns the parsed values plus boolean masks of blank and unparseable
cells, so the loader can report each bad row without a Python loop over good ones.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandas.api.types import is_bool_dtype, is_datetime64_any_dtype, is_integer_dtype, is_numeric_dtype

#: Excel's day zero (serial 1 = 1900-01-01, with Excel's phantom 1900-02-29 absorbed).
EXCEL_EPOCH = pd.Timestamp("1899-12-30")
#: Plausible calendar range for a treatment record; outside it a "date" is a typo.
FIRST_PLAUSIBLE_DATE = pd.Timestamp("1950-01-01")
LAST_PLAUSIBLE_DATE = pd.Timestamp("2100-12-31")
#: Study days beyond ±100 years are typos, not follow-up.
MAX_ABS_STUDY_DAY = 36_600

_DECIMAL_COMMA = r"^([+-]?\d+),(\d{1,3})$"


def text_of(col: pd.Series, *, strip: bool = True) -> pd.Series:
    """Cells as stripped text (``<NA>`` for missing); whole floats lose their ``.0``.

    ``strip=False`` skips trimming spaces (for millions of patient ids, which the loader
    trims once per distinct value instead).
    """
    if is_numeric_dtype(col) and not is_bool_dtype(col):
        values = col.astype("Float64")
        whole = values.notna() & (values == values.round())
        text = values.astype("string")
        if whole.any():
            text = text.mask(whole, values[whole].astype("Int64").astype("string"))
        return text
    text = col.astype("string")
    if not strip and col.dtype != object:
        return text  # a CSV parser never yields "" (it gives NA), so nothing else to clean
    text = text.str.strip()
    if col.dtype == object:
        # Excel number cells inside a mixed column: 12.0 → "12"
        text = text.str.replace(r"^(-?\d+)\.0$", r"\1", regex=True)
    return text.mask(text == "")


def blank_of(col: pd.Series) -> pd.Series:
    """True where a cell is empty (missing, or only spaces)."""
    if is_numeric_dtype(col) or is_datetime64_any_dtype(col):
        return col.isna()
    return col.isna() | (col.astype("string").str.strip() == "")


def parse_numbers(col: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """``(float64 values, blank, bad)``; decimal commas such as ``9,5`` are accepted."""
    if is_numeric_dtype(col) and not is_bool_dtype(col):
        values = col.astype("float64")
        blank = values.isna()
        bad = pd.Series(np.isinf(values.to_numpy()), index=col.index)
        return (values.where(~bad) if bad.any() else values), blank, bad
    blank = blank_of(col)
    values = pd.to_numeric(col, errors="coerce") if col.dtype == object else None
    text = col.astype("string").str.strip().str.replace(_DECIMAL_COMMA, r"\1.\2", regex=True)
    from_text = pd.to_numeric(text, errors="coerce").astype("float64")
    values = from_text if values is None else values.astype("float64").fillna(from_text)
    if col.dtype == object:
        # Excel TRUE/FALSE cells are not numbers
        is_bool_cell = col.map(lambda v: isinstance(v, (bool, np.bool_)), na_action="ignore").fillna(False).astype(bool)
        values = values.mask(is_bool_cell)
    finite = np.isfinite(values.to_numpy(dtype="float64", na_value=np.nan))
    bad = ~blank & ~pd.Series(finite, index=col.index)
    return values.where(finite), blank, bad


def parse_days(col: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Study days: ``(float64 whole-number values, blank, bad)``; fractions are bad."""
    if is_integer_dtype(col) and not is_bool_dtype(col):  # the registry fast path: nothing to round
        if isinstance(col.dtype, np.dtype):
            # NumPy integers (no blanks) stay integers when every day is plausible: no float
            # copy now, no rounding in the canonical table.
            bad = (col > MAX_ABS_STUDY_DAY) | (col < -MAX_ABS_STUDY_DAY)
            if not bad.any():
                return col, pd.Series(False, index=col.index), bad
        values = col.astype("float64")
        bad = values.abs() > MAX_ABS_STUDY_DAY
        return values.where(~bad), pd.Series(False, index=col.index), bad
    values, blank, bad = parse_numbers(col)
    ok = values.notna()
    whole = (values - values.round()).abs() < 1e-9
    plausible = values.abs() <= MAX_ABS_STUDY_DAY
    bad = bad | (ok & ~(whole & plausible))
    return values.where(~bad).round(), blank, bad


_TRUE = ("yes", "y", "true", "t", "1", "1.0", "是", "有", "阳性", "positive", "pos", "+", "mutated", "mut", "present")
_FALSE = ("no", "n", "false", "f", "0", "0.0", "否", "无", "阴性", "negative", "neg", "-", "wild-type", "wt",
          "wildtype", "absent", "none")
BOOLEAN_WORDS: dict[str, bool] = {**{w: True for w in _TRUE}, **{w: False for w in _FALSE}}
#: The words that make an unnamed covariate boolean (SPEC: yes/no/true/false/1/0).
COVARIATE_BOOLEAN_WORDS = frozenset(("yes", "no", "y", "n", "true", "false", "1", "0", "1.0", "0.0", "是", "否"))


def parse_booleans(col: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """``(boolean values, blank, bad)`` from yes/no, true/false, 1/0 and their Chinese forms."""
    blank = blank_of(col)
    words = text_of(col).str.casefold()
    values = words.map(BOOLEAN_WORDS, na_action="ignore")
    values = values.astype("boolean")
    bad = ~blank & values.isna()
    return values, blank, bad


_IDENTIFIER_PATTERNS = {
    "national ID numbers": r"^\d{17}[\dXx]$",  # 中国居民身份证 (18 characters)
    "phone numbers": r"^\+?[\d][\d \-()]{8,}\d$",
    "e-mail addresses": r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$",
}


def identifier_values(col: pd.Series, sample_rows: int = 200) -> str | None:
    """What a column's values look like when they are direct identifiers, else ``None``.

    A column may be named innocently ("contact", "备注") yet hold phone or ID-card numbers;
    the first ``sample_rows`` values decide (more than half matching one pattern).
    """
    if is_numeric_dtype(col) and not is_bool_dtype(col):
        numbers = col.head(sample_rows).dropna()
        # 11-digit mobile numbers and 18-digit IDs typed as numbers
        digits = numbers.abs().round().astype("float64").map(lambda x: len(f"{x:.0f}"))
        return "phone numbers" if len(numbers) and (digits.between(10, 15).mean() > 0.5) and (numbers == numbers.round()).all() else None
    text = text_of(col.head(sample_rows)).dropna()
    if not len(text):
        return None
    for kind, pattern in _IDENTIFIER_PATTERNS.items():
        hits = text.str.fullmatch(pattern)
        if kind == "phone numbers":
            # a phone number has at least 10 digits; an ISO date (2014-01-02) or a study id such as
            # 01-701-1015 is not one (SPEC §2a: detection must not drop what is not an identifier)
            digits = text.str.count(r"\d")
            hits = hits & (digits >= 10) & ~text.str.match(_DATE_LIKE)
        if hits.mean() > 0.5:
            return kind
    return None


_DATE_LIKE = r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|^\d{1,2}[-/.]\d{1,2}[-/.]\d{4}"


_SEX = {"m": "M", "male": "M", "man": "M", "男": "M", "男性": "M", "f": "F", "female": "F", "woman": "F",
        "女": "F", "女性": "F"}


def normalise_sex(text: pd.Series) -> pd.Series:
    """M / F for the common spellings (English and Chinese); anything else kept as written."""
    return text.str.casefold().map(_SEX, na_action="ignore").fillna(text).astype("string")


# ----------------------------------------------------------------------------- dates

_ISO = r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T].*)?$"
_COMPACT = r"^(\d{4})(\d{2})(\d{2})$"
_NUMERIC_DMY = r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d{2})(?:[ T].*)?$"
_NAMED_MONTH_FORMATS = ("%d-%b-%Y", "%d %b %Y", "%d-%b-%y", "%d %B %Y", "%b %d, %Y", "%B %d, %Y", "%b %d %Y", "%d.%b.%Y")

DAY_FIRST = "day-first"
MONTH_FIRST = "month-first"


@dataclass
class DateParse:
    """A date column parsed except for numeric ``a/b/yyyy`` cells, whose order is decided
    once for the whole load (:func:`resolve_dates`).

    ``evidence`` holds the orders some cell proves (a first part > 12 proves day-first);
    ``ambiguous`` is true when some cell reads as two different dates.
    """

    values: pd.Series  # datetime64[ns], NaT where pending, blank or bad
    blank: pd.Series
    bad: pd.Series
    pending: pd.DataFrame  # columns a, b, year (ints), index = rows awaiting the order
    evidence: frozenset[str]
    ambiguous: bool


def _from_parts(year, month, day) -> pd.Series:
    parts = pd.DataFrame({"year": year, "month": month, "day": day}).astype("float64")
    # outside the nanosecond range (1677–2262) a date is not one this program stores: NaT, so
    # the load reports it as a bad date instead of overflowing (found by the fuzzer: 7024-03-04)
    parts["year"] = parts["year"].where(parts["year"].between(1678, 2261))
    return pd.to_datetime(parts, errors="coerce")


def parse_dates(col: pd.Series) -> DateParse:
    """Read a date column: Excel dates and serials, ISO, ``2024年3月5日``, ``20240305``,
    ``5-Mar-2024`` forms, and ``05/03/2024`` forms whose order is resolved later."""
    index = col.index
    blank = blank_of(col)
    values = pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")
    empty_pending = pd.DataFrame({"a": [], "b": [], "year": []}, dtype="int64")
    if is_datetime64_any_dtype(col):
        values = col.astype("datetime64[ns]")
        return _finish(values, blank, pd.Series(False, index=index), empty_pending, frozenset(), False)
    todo = ~blank
    if col.dtype == object:
        is_date = col.map(lambda v: isinstance(v, (dt.date, pd.Timestamp)), na_action="ignore").fillna(False).astype(bool)
        if is_date.any():
            values[is_date] = pd.to_datetime(col[is_date].map(pd.Timestamp), errors="coerce").astype("datetime64[ns]")
            todo &= ~is_date
    # numbers: Excel serials, or yyyymmdd written as a number
    if is_numeric_dtype(col) and not is_bool_dtype(col):
        numbers = col.astype("float64")
    else:
        numbers = pd.to_numeric(col.where(todo).astype("string").str.strip(), errors="coerce").astype("float64")
    numeric = todo & numbers.notna()
    if numeric.any():
        n = numbers[numeric]
        compact = (n >= 19000101) & (n <= 21001231) & (n == n.round())
        serial = (n >= 1) & (n < 2958466) & ~compact
        if compact.any():
            c = n[compact].astype("int64")
            values[c.index] = _from_parts(c // 10000, (c // 100) % 100, c % 100).astype("datetime64[ns]")
        if serial.any():
            s = n[serial]
            values[s.index] = (EXCEL_EPOCH + pd.to_timedelta(s.round(), unit="D")).astype("datetime64[ns]")
        todo &= ~numeric
    pending = empty_pending
    evidence: set[str] = set()
    ambiguous = False
    if todo.any():
        text = col[todo].astype("string").str.strip()
        iso = text.str.extract(_ISO)
        hit = iso[0].notna()
        if hit.any():
            values[iso.index[hit]] = _from_parts(iso.loc[hit, 0], iso.loc[hit, 1], iso.loc[hit, 2]).astype("datetime64[ns]")
        rest = text[~hit]
        compact_text = rest.str.extract(_COMPACT)
        chit = compact_text[0].notna()
        if chit.any():
            values[compact_text.index[chit]] = _from_parts(
                compact_text.loc[chit, 0], compact_text.loc[chit, 1], compact_text.loc[chit, 2]
            ).astype("datetime64[ns]")
        rest = rest[~chit]
        dmy = rest.str.extract(_NUMERIC_DMY)
        dhit = dmy[0].notna()
        if dhit.any():
            parts = dmy[dhit].astype("int64")
            year = parts[2].where(parts[2] >= 100, parts[2] + np.where(parts[2] < 70, 2000, 1900))
            pending = pd.DataFrame({"a": parts[0], "b": parts[1], "year": year})
            if (pending["a"] > 12).any():
                evidence.add(DAY_FIRST)
            if (pending["b"] > 12).any():
                evidence.add(MONTH_FIRST)
            ambiguous = bool(((pending["a"] <= 12) & (pending["b"] <= 12) & (pending["a"] != pending["b"])).any())
        rest = rest[~dhit]
        for fmt in _NAMED_MONTH_FORMATS:
            if rest.empty:
                break
            got = pd.to_datetime(rest, format=fmt, errors="coerce")
            ok = got.notna()
            if ok.any():
                values[got.index[ok]] = got[ok].astype("datetime64[ns]")
                rest = rest[~ok]
    bad = ~blank & values.isna()  # every non-empty cell that no form could read
    if len(pending):
        bad[pending.index] = False
    return _finish(values, blank, bad, pending, frozenset(evidence), ambiguous)


def _finish(values, blank, bad, pending, evidence, ambiguous) -> DateParse:
    implausible = values.notna() & ((values < FIRST_PLAUSIBLE_DATE) | (values > LAST_PLAUSIBLE_DATE))
    values = values.mask(implausible)
    return DateParse(values, blank, bad | implausible, pending, evidence, ambiguous)


def resolve_dates(parse: DateParse, order: str | None) -> tuple[pd.Series, pd.Series]:
    """Final ``(values, bad)`` once the day/month order is known (``None``: leave pending bad)."""
    values, bad = parse.values.copy(), parse.bad.copy()
    if len(parse.pending):
        p = parse.pending
        if order is None:
            bad[p.index] = True
        else:
            day, month = (p["a"], p["b"]) if order == DAY_FIRST else (p["b"], p["a"])
            got = _from_parts(p["year"], month, day).astype("datetime64[ns]")
            values[p.index] = got
            implausible = got.isna() | (got < FIRST_PLAUSIBLE_DATE) | (got > LAST_PLAUSIBLE_DATE)
            values[p.index[implausible.to_numpy()]] = pd.NaT
            bad[p.index[implausible.to_numpy()]] = True
    return values, bad
