"""Medication / administration records: drug, dose, dose unit, one row per administration.

A row is a luspatercept dose only when its drug is luspatercept (:data:`lusp.io.vocab.
LUSPATERCEPT_NAMES`, any case, within longer names) or one of the names the user chose
(Data page, ``--drug``). Other drugs and placebo are ignored with a warning listing them;
0-mg rows too. mg/kg is taken as given; mg is divided by the weight (the loader does it,
from the weight on the dose row or the patient's ``weight_kg``).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from lusp.i18n import N_, Text
from lusp.io import vocab
from lusp.io.readers import RawTable
from lusp.io.shapes.base import LoadOptions, Mapped, count_text, find_column, find_time, problem, source_rows, subset, text
from lusp.io.values import parse_numbers

NAME = N_("medication record")


def columns_of(raw: RawTable) -> dict | None:
    drug = find_column(raw, "drug")
    if drug is None:
        return None
    dose = find_column(raw, "dose", exclude={drug}, table="doses")
    if dose is None:
        return None
    pid = find_column(raw, "patient_id", exclude={drug, dose}, table="doses")
    if pid is None:
        return None
    used = {drug, dose, pid}
    unit = find_column(raw, "dose_unit", exclude=used)
    used |= {unit} - {None}
    weight = find_column(raw, "weight_kg", exclude=used)
    used |= {weight} - {None}
    route = find_column(raw, "route", exclude=used)
    used |= {route} - {None}
    time, kind, how = find_time(raw, used)
    return {"patient_id": pid, "drug": drug, "dose": dose, "unit": unit, "weight": weight, "time": time,
            "time_kind": kind, "time_how": how}


def recognises(raw: RawTable, options: LoadOptions) -> bool:
    return columns_of(raw) is not None


def map_table(raw: RawTable, options: LoadOptions) -> Mapped:
    roles = columns_of(raw)
    out = Mapped()
    if roles["time"] is None:
        out.problems.append(problem("error", raw.file, raw.sheet, "", Text("The medication record {sheet!r} has no "
                                         "date column. Add the administration date (e.g. 给药时间, Administered).",
                                         sheet=raw.sheet),
                                    "missing_column"))
        return out
    return convert(raw, options, pid=roles["patient_id"], time=roles["time"], time_kind=roles["time_kind"],
                   drug=roles["drug"], dose=roles["dose"], unit=roles["unit"], weight=roles["weight"], label=raw.sheet,
                   out=out)


def convert(raw: RawTable, options: LoadOptions, *, pid: int, time: int, time_kind: str, drug: int, dose: int,
            unit: int | None, label: str, weight: int | None = None, weight_series: pd.Series | None = None,
            time_series: pd.Series | None = None, out: Mapped | None = None) -> Mapped:
    out = out or Mapped()
    drugs = text(raw.body[drug])
    codes, uniques = pd.factorize(drugs)
    is_lusp_u = np.array([vocab.is_study_drug(u, options.study_drugs) for u in uniques], dtype=bool)
    is_pbo_u = np.array([vocab.is_placebo(u) for u in uniques], dtype=bool)
    ok = codes >= 0
    lusp = np.zeros(len(drugs), dtype=bool)
    placebo = np.zeros(len(drugs), dtype=bool)
    lusp[ok] = is_lusp_u[codes[ok]]
    placebo[ok] = is_pbo_u[codes[ok]] & ~lusp[ok]
    out.proposals.setdefault("drugs", {})[label] = [str(u) for u in drugs.value_counts().index[:40]]
    out.proposals.setdefault("study_drugs_found", {})[label] = sorted(set(drugs[lusp].dropna()))
    others = ~lusp & ~placebo
    if others.any():
        named = drugs[others].fillna("(no drug name)").value_counts()
        out.problems.append(problem(
            "warning", raw.file, label, raw.header[drug],
            Text("{n} rows of other drugs are not luspatercept doses and were ignored: "
                 "{drugs}. If one of them is the study drug, choose "
                 "it on the Data page (or --drug NAME).", n=count_text(int(others.sum())),
                 drugs=", ".join(f"{k} ({v})" for k, v in named.head(8).items())), "other_drug_ignored"))
    if placebo.any():
        out.problems.append(problem("warning", raw.file, label, raw.header[drug],
                                    Text("{n} placebo rows were ignored (not luspatercept doses).",
                                         n=count_text(int(placebo.sum()))),
                                    "placebo_ignored"))
    numbers, blank, bad = parse_numbers(raw.body[dose])
    dname = raw.header[dose]
    if unit is not None:
        unit_text = text(raw.body[unit]).fillna("")
        kinds = unit_text.map(lambda u: vocab.dose_unit_of(u) or ("" if not u else "?"))
    else:
        # only a header that names its unit declares it ("Dose (mg/kg)", "剂量(mg)"); a bare "Dose" does not
        declared = None
        if "mgkg" in vocab.normalise(dname):
            declared = "mg/kg"
        elif "mg" in vocab.words(dname) or vocab.normalise(dname).endswith("mg"):
            declared = "mg"
        kinds = pd.Series(declared or "", index=raw.body.index)
    rows_numbers = source_rows(raw)
    zero = lusp & (numbers.to_numpy() == 0)
    if zero.any():
        out.problems.append(problem("warning", raw.file, label, dname,
                                    Text("{n} luspatercept rows with a dose of 0 were ignored.",
                                         n=count_text(int(zero.sum()))),
                                    "zero_dose_ignored"))
    take = lusp & ~zero
    unknown = take & (kinds == "?").to_numpy()
    missing = take & (kinds == "").to_numpy() & ~blank.to_numpy()
    for mask, code, message in (
        (unknown, "unknown_dose_unit", lambda j: Text("The dose unit {unit!r} is not mg/kg or mg; give the "
                                                      "dose in one of them.", unit=unit_text.iloc[j])),
        (missing, "dose_unit_missing", lambda j: Text("The doses in {column!r} have no unit; add a dose-unit column (mg/kg "
                                                      "or mg) or name the column 'dose (mg/kg)' or 'dose (mg)'.",
                                                      column=dname)),
        (take & bad.to_numpy(), "bad_number", lambda j: Text("{value!r} is not a dose; write a number.",
                                                        value=text(raw.body[dose]).iloc[j])),
        (take & blank.to_numpy(), "blank_value", lambda j: Text("{column!r} is empty on a luspatercept row; fill it in.", column=dname)),
    ):
        if mask.any():
            for j in np.flatnonzero(mask)[:20]:
                out.problems.append(problem("error", raw.file, label, raw.header[unit] if code == "unknown_dose_unit" else dname,
                                            message(int(j)), code, row=int(rows_numbers[j]),
                                            value=str(raw.body[dose].iloc[j])))
    if not take.any():
        out.notes.append(Text("doses: no luspatercept rows in {table} ({drugs})", table=label,
                              drugs=", ".join(map(str, uniques[:6]))))
        return out
    mg_kg = numbers.where((kinds == "mg/kg").to_numpy())
    mg = numbers.where((kinds == "mg").to_numpy())
    replace = {-4: mg_kg, -5: mg}
    columns = [(pid, "patient_id"), (time if time_series is None else -3, time_kind), (-4, "dose_mg_kg"), (-5, "dose_mg")]
    names = {-4: dname, -5: dname, -3: raw.header[time]}
    if time_series is not None:
        replace[-3] = time_series
    if weight_series is not None:
        replace[-6] = weight_series
        columns.append((-6, "weight_kg"))
        names[-6] = "weight (VS)"
    elif weight is not None:
        columns.append((weight, "weight_kg"))
    out.tables.append(subset(raw, take, columns, table="doses", label=label, replace=replace, names=names))
    in_mg = int((take & (kinds == "mg").to_numpy()).sum())
    found = dict(n=count_text(int(take.sum())), table=label, column=raw.header[drug],
                 drugs=", ".join(sorted(set(drugs[take].dropna()))))
    out.notes.append(Text("doses: {n} rows of {table} where {column} = {drugs}; {in_mg} in mg ÷ weight → mg/kg",
                          in_mg=count_text(in_mg), **found) if in_mg else
                     Text("doses: {n} rows of {table} where {column} = {drugs}; in mg/kg", **found))
    return out
