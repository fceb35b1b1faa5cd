"""Blood-bank logs: product, quantity and the quantity's unit, one row per issue.

Only red-cell products count (:func:`lusp.io.vocab.is_rbc_name`). A quantity in units /
U / bags / 袋 is units; red cells in mL become units only with the user's declared mL per
unit (200 mL of whole blood per unit in China, 250–350 mL elsewhere: never a guess).
Other products are kept when given in units and never counted; in any other unit (mL,
治疗量) they cannot be written as units and are left out, with a warning naming them.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from lusp.i18n import N_, Text
from lusp.io import synonyms as syn
from lusp.io import vocab
from lusp.io.readers import RawTable
from lusp.io.shapes.base import LoadOptions, Mapped, count_text, find_column, find_time, problem, subset, text
from lusp.io.values import parse_numbers

NAME = N_("blood-bank log")


def columns_of(raw: RawTable) -> dict | None:
    product = find_column(raw, "product")
    quantity = find_column(raw, "quantity", exclude={product} - {None})
    if product is None or quantity is None:
        return None
    pid = find_column(raw, "patient_id", exclude={product, quantity}, table="transfusions")
    if pid is None:
        return None
    used = {product, quantity, pid}
    unit = find_column(raw, "unit", exclude=used)
    if unit is None and syn.match_column("transfusions", raw.header[quantity]) == "units":
        return None  # the template's transfusions table: its quantity column is the units
    used |= {unit} - {None}
    time, kind, how = find_time(raw, used)
    return {"patient_id": pid, "product": product, "quantity": quantity, "unit": unit, "time": time,
            "time_kind": kind, "time_how": how}


def recognises(raw: RawTable, options: LoadOptions) -> bool:
    return columns_of(raw) is not None


def _header_unit(name: str) -> str | None:
    ws = set(vocab.words(name))
    if ws & {"ml", "毫升"} or "ml" in vocab.normalise(name)[-2:]:
        return "mL"
    if ws & {"u", "units", "unit", "bags", "袋"}:
        return "U"
    return None


def map_table(raw: RawTable, options: LoadOptions) -> Mapped:
    roles = columns_of(raw)
    out = Mapped()
    if roles["time"] is None:
        out.problems.append(problem("error", raw.file, raw.sheet, "", Text("The blood-bank log {sheet!r} has no date "
                                    "column. Add the issue or transfusion date (e.g. 输血时间, Issued).", sheet=raw.sheet),
                                    "missing_column"))
        return out
    return convert(raw, options, pid=roles["patient_id"], time=roles["time"], time_kind=roles["time_kind"],
                   product=roles["product"], quantity=roles["quantity"], unit=roles["unit"], label=raw.sheet, out=out)


def convert(raw: RawTable, options: LoadOptions, *, pid: int, time: int, time_kind: str, product: int,
            quantity: int, unit: int | None, label: str, out: Mapped | None = None,
            time_series: pd.Series | None = None, rows: np.ndarray | None = None) -> Mapped:
    """Transfusions in units from product / quantity / unit (``rows``: the rows to read)."""
    out = out or Mapped()
    n = len(raw.body)
    rows = np.ones(n, dtype=bool) if rows is None else rows
    products = text(raw.body[product])
    rbc = vocab.is_rbc(raw.body[product])
    numbers, blank, bad = parse_numbers(raw.body[quantity])
    qname = raw.header[quantity]
    if unit is not None:
        unit_text = text(raw.body[unit]).fillna("")
        norm = unit_text.map(vocab.normalise)
        kind = np.where(norm.isin(vocab.UNIT_QUANTITIES), "U", np.where(norm.isin(vocab.ML_QUANTITIES), "mL",
                                                                     np.where(norm == "", "", "other")))
        declared = _header_unit(qname)
        if declared:
            kind = np.where(kind == "", declared, kind)
    else:
        declared = _header_unit(qname)
        kind = np.full(n, declared or "", dtype=object)
    kind = pd.Series(kind, index=raw.body.index)
    units = pd.Series(np.nan, index=raw.body.index)
    as_units = rows & (kind == "U").to_numpy()
    units[as_units] = numbers[as_units]
    rbc_ml = rows & rbc & (kind == "mL").to_numpy()
    if rbc_ml.any():
        if options.rbc_ml_per_unit:
            units[rbc_ml] = numbers[rbc_ml] / options.rbc_ml_per_unit
            out.notes.append(Text("transfusions: {n} red-cell rows of {table} in mL ÷ {ml:g} mL per unit (your choice)",
                                  n=count_text(int(rbc_ml.sum())), table=label, ml=options.rbc_ml_per_unit))
        else:
            out.problems.append(problem(
                "error", raw.file, label, qname,
                Text("{n} red-cell transfusions in {column!r} are given in mL; declare how many mL "
                     "make one unit (Data page, or --rbc-ml-per-unit; e.g. 200 for China, 250–350 elsewhere).",
                     n=count_text(int(rbc_ml.sum())), column=qname),
                "rbc_ml_per_unit_needed", value=str(raw.body[quantity][rbc_ml].iloc[0])))
    rbc_unknown = rows & rbc & ~(kind.isin(["U", "mL"])).to_numpy() & ~blank.to_numpy()
    if rbc_unknown.any():
        first = int(np.flatnonzero(rbc_unknown)[0])
        which = unit_text.iloc[first] if unit is not None else ""
        out.problems.append(problem(
            "error", raw.file, label, raw.header[unit] if unit is not None else qname,
            Text("The red-cell quantity unit {unit!r} is not units (U, bags, 袋) or mL. "
                 "Give the quantity in units, or in mL with the mL per unit declared.", unit=which) if which else
            Text("The red-cell quantities in {column!r} have no unit. "
                 "Give the quantity in units, or in mL with the mL per unit declared.", column=qname),
            "unknown_quantity_unit", row=int(_rows(raw)[first]), value=str(which)))
    bad_rows = rows & bad.to_numpy()
    if bad_rows.any():
        first = int(np.flatnonzero(bad_rows)[0])
        out.problems.append(problem("error", raw.file, label, qname,
                                    Text("{value!r} is not a quantity; write a number.",
                                         value=text(raw.body[quantity]).iloc[first]),
                                    "bad_number", row=int(_rows(raw)[first]), value=str(raw.body[quantity].iloc[first])))
    other_lost = rows & ~rbc & ~as_units
    if other_lost.any():
        named = products[other_lost].value_counts()
        out.problems.append(problem(
            "warning", raw.file, label, raw.header[product],
            Text("{n} transfusion rows of other products not given in units "
                 "({products}) are never counted and were left out.", n=count_text(int(other_lost.sum())),
                 products=", ".join(f"{k} ({v})" for k, v in named.head(6).items())),
            "non_rbc_product_not_in_units"))
    keep = rows & ~np.isnan(units.to_numpy()) | (rows & rbc & blank.to_numpy())
    if keep.any():
        replace = {quantity: units}
        time_pos = (time if time_series is None else -3, time_kind)
        if time_series is not None:
            replace[-3] = time_series
        tx = subset(raw, keep, [(pid, "patient_id"), time_pos, (product, "product"), (quantity, "units")],
                    table="transfusions", label=label, replace=replace, names={-3: raw.header[time]})
        out.tables.append(tx)
        n_rbc = int((keep & rbc).sum())
        out.notes.append(Text("transfusions: {n} red-cell rows of {table} counted ({products}; quantity {column}); "
                              "{others} rows of other products kept, never counted", n=count_text(n_rbc), table=label,
                              products=", ".join(sorted(set(products[keep & rbc].dropna())))[:120] or "RBC",
                              column=qname, others=count_text(int((keep & ~rbc).sum()))))
    return out


def _rows(raw):
    from lusp.io.shapes.base import source_rows

    return source_rows(raw)
