"""Long lab tables: one row per result (LIS export, our own ``labs`` table, SDTM LB, ADaM ADLB).

Rows whose test is Hb (by name or code, :data:`lusp.io.vocab.HB_TESTS`, plus the user's
own) feed ``hb``, with their unit column (so the loader converts per row, and only from a
declared unit); every other test stays in ``labs``. LIS flags (``72↓``, ``165 H``) are
dropped from the result; other tests' results that are not numbers (``阴性``, ``<5``) are
not kept, with one warning.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from lusp.io import synonyms as syn
from lusp.i18n import N_, Text
from lusp.io import vocab
from lusp.io.readers import RawTable
from lusp.io.shapes.base import LoadOptions, Mapped, count_text, find_column, find_time, problem, subset, text
from lusp.io.values import parse_numbers

NAME = N_("long lab table")


def columns_of(raw: RawTable, options: LoadOptions) -> dict[str, int | None] | None:
    """The roles of a long lab table's columns, or ``None`` when ``raw`` is not one."""
    test = find_column(raw, "test", by_hand=options.test_column_for(raw), table="labs")
    if test is None:
        return None
    value = find_column(raw, "value", exclude={test}, table="labs")
    pid = find_column(raw, "patient_id", exclude={test, value} - {None}, table="labs")
    if value is None or pid is None:
        return None
    used = {test, value, pid}
    unit = find_column(raw, "unit", exclude=used, table="labs")
    used |= {unit} - {None}
    time, kind, how = find_time(raw, used)
    return {"patient_id": pid, "test": test, "value": value, "unit": unit, "time": time, "time_kind": kind,
            "time_how": how}


def recognises(raw: RawTable, options: LoadOptions) -> bool:
    return columns_of(raw, options) is not None


def map_table(raw: RawTable, options: LoadOptions) -> Mapped:
    roles = columns_of(raw, options)
    out = Mapped()
    if roles["time"] is None:
        out.problems.append(problem("error", raw.file, raw.sheet, "", Text("The lab table {sheet!r} has no date or "
                                         "study-day column. Add the collection date (e.g. 采样时间, Collected).",
                                         sheet=raw.sheet),
                                    "missing_column"))
        return out
    if roles["time_how"] == "the only column of dates":
        out.notes.append(Text("{sheet}: dates from {column!r} (the only column of dates)", sheet=raw.sheet,
                              column=raw.header[roles['time']]))
    # our own labs table keeps the template's rule: a result that is not a number is an error
    strict = syn.match_table(raw.sheet) == "labs"
    return split(raw, options, pid=roles["patient_id"], time=roles["time"], time_kind=roles["time_kind"],
                 test=roles["test"], value=roles["value"], unit=roles["unit"], label=raw.sheet, out=out, strict=strict)


def split(raw: RawTable, options: LoadOptions, *, pid: int, time: int, time_kind: str, test: int, value: int,
          unit: int | None, label: str, test_name: int | None = None, value_series: pd.Series | None = None,
          unit_series: pd.Series | None = None, time_series: pd.Series | None = None, out: Mapped | None = None,
          value_label: str | None = None, names: dict[int, str] | None = None, strict: bool = False) -> Mapped:
    """Split one long lab table into its Hb rows (→ ``hb``) and the other tests (→ ``labs``).

    ``value_series`` / ``unit_series`` / ``time_series`` replace the columns' values (SDTM:
    LBSTRESN falling back to LBORRES; ADaM: the unit taken from PARAM; --DY → day)."""
    out = out or Mapped()
    tests = text(raw.body[test])
    test_names = text(raw.body[test_name]) if test_name is not None else None
    extra = options.hb_test_set
    codes, uniques = pd.factorize(tests)
    hb_unique = np.array([vocab.is_hb_test(u, extra) for u in uniques], dtype=bool)
    is_hb = np.where(codes >= 0, hb_unique[np.maximum(codes, 0)] if len(uniques) else False, False)
    if test_names is not None:
        n_codes, n_uniques = pd.factorize(test_names)
        hb_names = np.array([vocab.is_hb_test(u, extra) for u in n_uniques], dtype=bool)
        is_hb |= np.where(n_codes >= 0, hb_names[np.maximum(n_codes, 0)] if len(n_uniques) else False, False)
    values = value_series if value_series is not None else vocab.strip_result_flags(raw.body[value])
    if value_series is None and not pd.api.types.is_numeric_dtype(raw.body[value]):
        original = raw.body[value].astype("string").str.strip()
        stripped = pd.Series(values, index=raw.body.index).astype("string").str.strip()
        flagged = (original.notna() & stripped.notna() & (original != stripped)).fillna(False).astype(bool)
        if flagged.any():
            example = text(raw.body[value])[flagged].iloc[0]
            out.notes.append(Text("{table}: {n} results carried LIS flags (e.g. {example!r}); "
                                  "the flag was dropped, the number kept", table=label,
                                  n=count_text(int(flagged.sum())), example=example))
    units = unit_series if unit_series is not None else (raw.body[unit] if unit is not None else None)
    replace = {value: values}
    if units is not None:
        replace[-2] = units
    if time_series is not None:
        replace[-3] = time_series
    unit_pos = [(unit if unit_series is None else -2, "hb_unit")] if units is not None else []
    time_pos = (time if time_series is None else -3, time_kind)
    out.proposals.setdefault("test_columns", {})[label] = raw.header[test]
    found = sorted(set(tests[is_hb].dropna()))
    out.proposals.setdefault("hb_tests_found", {})[label] = found
    out.proposals.setdefault("tests", {})[label] = [str(u) for u in pd.Series(tests).value_counts().index[:60]]
    if is_hb.any():
        hb = subset(raw, is_hb, [(pid, "patient_id"), time_pos, (value, "hb_value"), *unit_pos], table="hb",
                    label=label, replace=replace, names=names)
        unit_text = "no unit given" if units is None else ", ".join(
            f"{u}" for u in sorted(set(text(pd.Series(np.asarray(units)[is_hb])).dropna()))) or "no unit given"
        out.notes.append(Text("Hb: {n} rows of {table} where {test} = {found}, {value} in {unit} → g/L",
                              n=count_text(int(is_hb.sum())), table=label, test=raw.header[test],
                              found=", ".join(found), value=value_label or raw.header[value],
                              unit=Text("no unit given") if unit_text == "no unit given" else unit_text))
        out.proposals.setdefault("hb_units", {})[label] = unit_text
        out.tables.append(hb)
    other = ~is_hb & tests.notna().to_numpy()
    if other.any() and strict:
        labs = subset(raw, other, [(pid, "patient_id"), time_pos, (test, "test"), (value, "value"),
                                   *([(unit_pos[0][0], "unit")] if unit_pos else [])],
                      table="labs", label=label, replace=replace, names=names)
        out.tables.append(labs)
        out.notes.append(Text("labs: {n} rows of {table} ({tests} other tests)", n=count_text(int(other.sum())),
                              table=label, tests=len(set(tests[other]))))
    elif other.any():
        numbers, blank, bad = parse_numbers(pd.Series(np.asarray(values, dtype=object), index=raw.body.index)
                                            if value_series is None else pd.Series(values))
        keep = other & ~bad.to_numpy() & ~blank.to_numpy()
        dropped = other & ~keep
        if dropped.any():
            example = text(pd.Series(np.asarray(values, dtype=object)))[dropped].dropna()
            out.problems.append(problem(
                "warning", raw.file, label, raw.header[value],
                Text("{n} results of other tests are not numbers (e.g. {example!r}); they were not kept.",
                     n=count_text(int(dropped.sum())), example=example.iloc[0]) if len(example) else
                Text("{n} results of other tests are not numbers; they were not kept.", n=count_text(int(dropped.sum()))),
                "lab_result_not_number"))
        if keep.any():
            labs = subset(raw, keep, [(pid, "patient_id"), time_pos, (test, "test"), (value, "value"),
                                      *([(unit_pos[0][0], "unit")] if unit_pos else [])],
                          table="labs", label=label, replace={**replace, value: numbers}, names=names)
            out.tables.append(labs)
            out.notes.append(Text("labs: {n} rows of {table} ({tests} other tests)", n=count_text(int(keep.sum())),
                                  table=label, tests=len(set(tests[keep]))))
    if not is_hb.any():
        out.notes.append(Text("{table}: no Hb rows (tests such as {tests}); choose the Hb test on "
                              "the Data page if it is named otherwise", table=label, tests=", ".join(map(str, uniques[:5]))))
    return out
