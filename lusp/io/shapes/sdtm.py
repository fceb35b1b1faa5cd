"""CDISC SDTM domains (DM, MH, VS, LB, EX, EC, PR, CM, AE) → the six tables.

A domain is known by its file name (``dm.xpt``, ``lb.csv``, ``cdiscpilot01/ae.csv.gz``)
or its DOMAIN column. USUBJID is the patient id (STUDYID never is); RFXSTDTC the first
dose date; MH rows with MHCAT = PRIMARY DIAGNOSIS the diagnosis (absent: an error asking
for it); VS WEIGHT the weight on or before each dose; LB HGB the Hb (LBSTRESN + LBSTRESU,
else LBORRES + LBORRESU); EX / EC the doses (study drug only); PR / CM / EC rows naming red
cells the transfusions; AE the adverse events (AETOXGR is the CTCAE grade; AESEV is a
severity and is not used as one). Dates win over --DY; --DY has no day 0, so a date is
rebuilt from RFXSTDTC + DY − 1 (DY > 0) or + DY (DY < 0). Subjects never dosed with the
study drug (screen failures, the placebo arm) are left out, with a warning.

ADaM datasets (ADSL, ADLB…, ADEX, ADAE) are mapped by :mod:`lusp.io.shapes.adam` into
the same per-domain frames and go through the same steps.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from lusp.i18n import Text
from lusp.io import vocab
from lusp.io.readers import RawTable
from lusp.io.shapes import blood_bank, long_labs, medication
from lusp.io.shapes.base import LoadOptions, Mapped, MappedTable, count_text, problem, source_rows, text

NAME = "CDISC SDTM"


def domain_of(raw: RawTable) -> str | None:
    """The SDTM domain (or ADaM dataset) a raw table is, by name or DOMAIN column."""
    stem = vocab.normalise(raw.sheet.split(".")[0])
    if stem in vocab.SDTM_DOMAINS:
        return stem
    if stem == "adsl" or stem.startswith("adlb") or stem in ("adex", "adae"):
        return stem
    header = {h.upper(): j for j, h in enumerate(raw.header)}
    if "DOMAIN" in header and "USUBJID" in header and len(raw.body):
        value = text(raw.body[header["DOMAIN"]]).dropna()
        if len(value) and vocab.normalise(value.iloc[0]) in vocab.SDTM_DOMAINS:
            return vocab.normalise(value.iloc[0])
    if "USUBJID" in header and "PARAMCD" in header and "AVAL" in header:
        return "adlb"
    if "USUBJID" in header and "TRTSDT" in header:
        return "adsl"
    return None


def col(raw: RawTable, *names: str) -> int | None:
    """Position of the first of ``names`` present (variable names in any case)."""
    header = {h.upper(): j for j, h in enumerate(raw.header)}
    return next((header[n] for n in names if n in header), None)


def iso_dates(values: pd.Series) -> pd.Series:
    """ISO 8601 text → datetime64 (the date part; partial dates are NaT)."""
    t = text(values).str.slice(0, 10)
    return pd.to_datetime(t.where(t.str.fullmatch(r"\d{4}-\d{2}-\d{2}")), errors="coerce", format="%Y-%m-%d")


def time_series(raw: RawTable, dtc: int | None, dy: int | None, ref: pd.Series, subjects: pd.Series,
                *, partial_ok: bool = False, out: Mapped | None = None, label: str = "") -> pd.Series | None:
    """One date text per row: --DTC where given, else RFXSTDTC + study day (no day 0).

    With ``partial_ok`` (events) ``2014-05`` / ``2014`` become the first day of the period
    (the CDISC convention for an onset), with a warning."""
    n = len(raw.body)
    dates = text(raw.body[dtc]) if dtc is not None else pd.Series(pd.NA, index=raw.body.index, dtype="string")
    if partial_ok and dtc is not None:
        month = dates.str.fullmatch(r"\d{4}-\d{2}").fillna(False)
        year = dates.str.fullmatch(r"\d{4}").fillna(False)
        if (month | year).any() and out is not None:
            example = dates[month | year].iloc[0]
            out.problems.append(problem("warning", raw.file, label, raw.header[dtc],
                                        Text("{n} partial dates (e.g. {example!r}) were "
                                             "taken as the first day of their month or year (the CDISC convention for an "
                                             "onset).", n=count_text(int((month | year).sum())), example=example),
                                        "partial_date_imputed"))
        dates = dates.where(~month, dates + "-01").where(~year, dates + "-01-01")
    if dy is not None:
        days = pd.to_numeric(raw.body[dy], errors="coerce")
        days = days.where(days.abs() <= 100_000)  # not a study day: left blank, the load reports the row
        offset = days.where(days < 0, days - 1)  # day 1 is the first dose (day 0 here)
        base = subjects.map(ref)
        rebuilt = (pd.to_datetime(base, errors="coerce") + pd.to_timedelta(offset, unit="D")).dt.strftime("%Y-%m-%d")
        dates = dates.fillna(rebuilt.astype("string"))
    if dtc is None and dy is None:
        return None
    return dates if len(dates) == n else None


def map_domains(domains: dict[str, list[RawTable]], options: LoadOptions) -> Mapped:
    """Every domain of one SDTM / ADaM load → mapped tables, notes and problems."""
    from lusp.io.shapes import adam

    out = Mapped()
    dm = _first(domains, "dm")
    adsl = _first(domains, "adsl")
    if dm is None and adsl is None:
        out.problems.append(problem("error", ", ".join(sorted({r.file for rs in domains.values() for r in rs})), "dm", "",
                                    Text("These SDTM / ADaM files have no DM (or ADSL) dataset, which lists the subjects "
                                         "and their first dose date. Add dm.xpt or dm.csv (or adsl)."), "missing_table"))
        return out
    subject_source = dm if dm is not None else adsl
    if dm is not None:
        sid = text(dm.body[col(dm, "USUBJID")]) if col(dm, "USUBJID") is not None else None
        ref_col = col(dm, "RFXSTDTC", "RFSTDTC")
    else:
        sid = text(adsl.body[col(adsl, "USUBJID")]) if col(adsl, "USUBJID") is not None else None
        ref_col = col(adsl, "TRTSDT", "TRTSDTC", "RFXSTDTC")
    if sid is None:
        out.problems.append(problem("error", subject_source.file, subject_source.sheet, "USUBJID",
                                    Text("The subject dataset has no USUBJID column; it is the patient id (STUDYID never "
                                         "is)."), "missing_column"))
        return out
    ref_text = text(subject_source.body[ref_col]).str.slice(0, 10) if ref_col is not None else pd.Series(
        pd.NA, index=sid.index, dtype="string")
    ref = pd.Series(ref_text.to_numpy(), index=sid.to_numpy())
    ref = ref[~ref.index.duplicated()]
    weights = _weights(domains, out)

    # -- doses first: they decide who is a treated subject
    dose_tables: list[MappedTable] = []
    for name in ("ex", "ec", "adex"):
        for raw in domains.get(name, []):
            mapped = adam.map_adex(raw, options, ref, weights) if name == "adex" else _map_ex(raw, options, ref, weights)
            _merge(out, mapped)
            dose_tables.extend(t for t in mapped.tables if t.table == "doses")
    treated = set(ref.index[ref.notna() & (ref != "")])
    if dose_tables:
        dosed = set()
        for t in dose_tables:
            dosed |= set(text(t.body[0]).dropna())
        treated &= dosed
    left_out = [s for s in ref.index if s not in treated]
    if left_out:
        arm_col = col(subject_source, "ACTARM", "ARM", "TRT01A")
        arms = ""
        if arm_col is not None:
            arm_of = pd.Series(text(subject_source.body[arm_col]).to_numpy(), index=sid.to_numpy())
            counts = arm_of[~arm_of.index.duplicated()].reindex(left_out).fillna("no arm").value_counts()
            arms = ", ".join(f"{k}: {v}" for k, v in counts.items())
        out.problems.append(problem("warning", subject_source.file, subject_source.sheet, "USUBJID",
                                    Text("{n} subjects never received the study drug "
                                         "(no RFXSTDTC, or no study-drug row in EX) ({arms}) and were left out.",
                                         n=count_text(len(left_out)), arms=arms) if arms else
                                    Text("{n} subjects never received the study drug "
                                         "(no RFXSTDTC, or no study-drug row in EX) and were left out.",
                                         n=count_text(len(left_out))),
                                    "subjects_not_treated"))
    # -- patients
    diagnosis = _diagnosis(domains, out)
    adsl_weight = None
    if dm is not None and adsl is not None and col(adsl, "WEIGHTBL") is not None and col(adsl, "USUBJID") is not None:
        adsl_weight = pd.Series(pd.to_numeric(adsl.body[col(adsl, "WEIGHTBL")], errors="coerce").to_numpy(),
                                index=text(adsl.body[col(adsl, "USUBJID")]).to_numpy())
        adsl_weight = adsl_weight[~adsl_weight.index.duplicated()]
    patients = adam.map_adsl(adsl, treated, diagnosis, weights) if dm is None else _map_dm(
        dm, treated, diagnosis, weights, adsl_weight)
    if dm is not None and adsl is not None:
        out.notes.append(Text("patients: from dm (adsl also given; dm wins)"))
    if patients is not None:
        missing = sorted(s for s in treated if s not in diagnosis)
        if missing:
            out.problems.append(problem(
                "error", (domains.get("mh") or [subject_source])[0].file, "mh", "MHCAT",
                Text("No primary diagnosis for {n} subject(s) (e.g. {example}): add MH rows with "
                     "MHCAT = PRIMARY DIAGNOSIS (MHTERM), or a diagnosis column.", n=count_text(len(missing)),
                     example=missing[0]), "diagnosis_missing"))
        out.tables.append(patients)
        out.notes.append(Text("patients: {n} subjects of {table} (USUBJID), first dose "
                              "from {column}, diagnosis from mh (MHCAT = PRIMARY DIAGNOSIS)",
                              n=count_text(len(patients.body)), table=patients.label, column=patients.header[1]))
    # -- the rest
    for name, rawlist in domains.items():
        for raw in rawlist:
            if name == "lb":
                _merge(out, _map_lb(raw, options, ref))
            elif name.startswith("adlb"):
                _merge(out, adam.map_adlb(raw, options, ref))
            elif name in ("pr", "cm", "ec"):
                _merge(out, _map_red_cells(raw, options, ref, name))
            elif name == "ae":
                _merge(out, _map_ae(raw, ref))
            elif name == "adae":
                _merge(out, adam.map_adae(raw, ref))
    out.tables = [_only(t, treated) for t in out.tables]
    return out


def _first(domains, name) -> RawTable | None:
    found = domains.get(name) or []
    return found[0] if found else None


def _merge(out: Mapped, other: Mapped) -> None:
    out.tables.extend(other.tables)
    out.notes.extend(other.notes)
    out.problems.extend(other.problems)
    for k, v in other.proposals.items():
        out.proposals.setdefault(k, {}).update(v)


def _only(table: MappedTable, subjects: set[str]) -> MappedTable:
    ids = text(table.body[0])
    keep = ids.isin(subjects).to_numpy()
    if keep.all():
        return table
    body = table.body[keep].reset_index(drop=True)
    rows = table.row_numbers[keep] if table.row_numbers is not None else None
    return MappedTable(table.file, table.sheet, table.header, body, table.first_row, table.kind, table=table.table,
                       label=table.label, claims=table.claims, row_numbers=rows)


def _diagnosis(domains, out: Mapped) -> dict[str, str]:
    found: dict[str, str] = {}
    for raw in domains.get("mh", []):
        cat, sid = col(raw, "MHCAT"), col(raw, "USUBJID")
        term = col(raw, "MHDECOD")
        verbatim = col(raw, "MHTERM")
        if cat is None or sid is None or (term is None and verbatim is None):
            continue
        primary = text(raw.body[cat]).str.upper().eq(vocab.PRIMARY_DIAGNOSIS).fillna(False).to_numpy()
        values = text(raw.body[term]) if term is not None else pd.Series(pd.NA, index=raw.body.index, dtype="string")
        if verbatim is not None:
            values = values.fillna(text(raw.body[verbatim]))
        for s, v in zip(text(raw.body[sid])[primary], values[primary]):
            if pd.notna(s) and pd.notna(v) and s not in found:
                found[str(s)] = str(v)
    return found


def _weights(domains, out: Mapped) -> pd.DataFrame:
    """VS WEIGHT rows: ``subject, date, weight_kg`` (lb converted), sorted by date."""
    frames = []
    for raw in domains.get("vs", []):
        test, sid, value, unit, dtc = (col(raw, "VSTESTCD"), col(raw, "USUBJID"), col(raw, "VSSTRESN"),
                                       col(raw, "VSSTRESU"), col(raw, "VSDTC"))
        if None in (test, sid, value, dtc):
            continue
        is_w = text(raw.body[test]).str.upper().eq("WEIGHT").fillna(False).to_numpy()
        kg = pd.to_numeric(raw.body[value], errors="coerce")
        if unit is not None:
            u = text(raw.body[unit]).str.casefold()
            kg = kg.where(~u.isin(["lb", "lbs", "pound", "pounds"]), kg * 0.45359237)
        frames.append(pd.DataFrame({"subject": text(raw.body[sid]), "date": iso_dates(raw.body[dtc]),
                                    "weight_kg": kg})[is_w])
        out.notes.append(Text("weight: {n} rows of vs where VSTESTCD = WEIGHT", n=count_text(int(is_w.sum()))))
    if not frames:
        return pd.DataFrame({"subject": pd.Series(dtype="string"), "date": pd.Series(dtype="datetime64[ns]"),
                             "weight_kg": pd.Series(dtype="float64")})
    return pd.concat(frames).dropna(subset=["date", "weight_kg"]).sort_values("date").reset_index(drop=True)


def weight_at(subjects: pd.Series, dates_text: pd.Series, weights: pd.DataFrame) -> pd.Series | None:
    """The last weight on or before each dose date (NaN when none)."""
    if not len(weights):
        return None
    left = pd.DataFrame({"subject": subjects.astype(str).to_numpy(dtype=object),
                         "date": pd.to_datetime(dates_text.str.slice(0, 10), errors="coerce").astype("datetime64[ns]").to_numpy(),
                         "_order": np.arange(len(subjects))})
    right = pd.DataFrame({"subject": weights["subject"].astype(str).to_numpy(dtype=object),
                          "date": weights["date"].astype("datetime64[ns]").to_numpy(),
                          "weight_kg": weights["weight_kg"].to_numpy(dtype="float64")})
    known = left["date"].notna()
    result = np.full(len(left), np.nan)
    if known.any():
        merged = pd.merge_asof(left[known].sort_values("date"), right, on="date", by="subject", direction="backward")
        result[merged["_order"].to_numpy()] = merged["weight_kg"].to_numpy()
    return pd.Series(result, index=subjects.index)


def _map_dm(dm: RawTable, treated: set[str], diagnosis: dict[str, str], weights: pd.DataFrame,
            adsl_weight: pd.Series | None = None) -> MappedTable:
    sid = text(dm.body[col(dm, "USUBJID")])
    keep = sid.isin(treated).to_numpy() & ~sid.duplicated().to_numpy()
    columns = [(col(dm, "USUBJID"), "patient_id"), (col(dm, "RFXSTDTC", "RFSTDTC"), "first_dose_date")]
    for name, fld in (("AGE", "age"), ("SEX", "sex")):
        if col(dm, name) is not None:
            columns.append((col(dm, name), fld))
    columns = [(j, f) for j, f in columns if j is not None]
    return _patients(dm, keep, sid, columns, diagnosis, weights, "dm", weight_map=adsl_weight)


def _patients(raw, keep, sid, columns, diagnosis, weights, label, weight_col=None, weight_map=None) -> MappedTable:
    body = {k: raw.body[j][keep].reset_index(drop=True) for k, (j, _f) in enumerate(columns)}
    header = [raw.header[j] for j, _ in columns]
    claims = [(k, f) for k, (_j, f) in enumerate(columns)]
    ids = sid[keep].reset_index(drop=True)
    k = len(body)
    body[k] = ids.map(diagnosis).astype("object")
    header.append("MHTERM (PRIMARY DIAGNOSIS)")
    claims.append((k, "diagnosis"))
    if weight_col is not None:
        k += 1
        body[k] = pd.to_numeric(raw.body[weight_col][keep], errors="coerce").reset_index(drop=True)
        header.append(raw.header[weight_col])
        claims.append((k, "weight_kg"))
    elif weight_map is not None and not len(weights):
        k += 1
        body[k] = ids.map(weight_map)
        header.append("WEIGHTBL (adsl)")
        claims.append((k, "weight_kg"))
    elif len(weights):
        first = weights.groupby("subject")["weight_kg"].first()
        k += 1
        body[k] = ids.map(first)
        header.append("VS WEIGHT (first)")
        claims.append((k, "weight_kg"))
    for name in vocab.CDISC_COVARIATES:
        j = col(raw, name)
        if j is not None and not any(h == raw.header[j] for h in header):
            k += 1
            body[k] = text(raw.body[j])[keep].reset_index(drop=True).astype(object)
            header.append(raw.header[j])
    return MappedTable(raw.file, raw.sheet, tuple(header), pd.DataFrame(body), raw.first_row, raw.kind, table="patients",
                       label=label, claims=tuple(claims), row_numbers=source_rows(raw)[keep])


def _map_ex(raw: RawTable, options: LoadOptions, ref: pd.Series, weights: pd.DataFrame) -> Mapped:
    prefix = raw.header[0][:0] + ("EC" if col(raw, "ECTRT") is not None else "EX")
    sid, trt, dose, unit = col(raw, "USUBJID"), col(raw, f"{prefix}TRT"), col(raw, f"{prefix}DOSE"), col(raw, f"{prefix}DOSU")
    dtc, dy = col(raw, f"{prefix}STDTC"), col(raw, f"{prefix}STDY")
    label = vocab.normalise(raw.sheet) or prefix.lower()
    if None in (sid, trt, dose) or (dtc is None and dy is None):
        return Mapped(problems=[problem("error", raw.file, label, "", Text("{table} needs USUBJID, {prefix}TRT, {prefix}DOSE "
                                        "and {prefix}STDTC (or {prefix}STDY).", table=label, prefix=prefix),
                                        "missing_column")])
    subjects = text(raw.body[sid])
    times = time_series(raw, dtc, dy, ref, subjects)
    if prefix == "EC" and col(raw, "ECTRT") is not None:
        red = text(raw.body[trt]).map(_names_red_cells, na_action="ignore").fillna(False).astype(bool)
        if red.all():
            return Mapped()
    weight = weight_at(subjects, times, weights)
    return medication.convert(raw, options, pid=sid, time=dtc if dtc is not None else dy, time_kind="date", drug=trt,
                              dose=dose, unit=unit, label=label, weight_series=weight, time_series=times)


def _names_red_cells(name) -> bool:
    norm = vocab.normalise(name)
    return bool(norm) and vocab.is_rbc_name(name)


def _map_red_cells(raw: RawTable, options: LoadOptions, ref: pd.Series, name: str) -> Mapped:
    prefix = name.upper()
    sid, trt = col(raw, "USUBJID"), col(raw, f"{prefix}TRT", f"{prefix}DECOD")
    dose, unit = col(raw, f"{prefix}DOSE"), col(raw, f"{prefix}DOSU")
    dtc, dy = col(raw, f"{prefix}STDTC"), col(raw, f"{prefix}STDY")
    if None in (sid, trt):
        return Mapped()
    red = text(raw.body[trt]).map(_names_red_cells, na_action="ignore").fillna(False).astype(bool).to_numpy()
    out = Mapped()
    if not red.any():
        out.notes.append(Text("{table}: no red-cell transfusions among {n} rows", table=name, n=count_text(len(red))))
        return out
    if dose is None:
        out.problems.append(problem("error", raw.file, name, f"{prefix}DOSE", Text("{table} has red-cell rows but no "
                                    "{prefix}DOSE (the quantity); add it with {prefix}DOSU.", table=name, prefix=prefix),
                                    "missing_column"))
        return out
    times = time_series(raw, dtc, dy, ref, text(raw.body[sid]))
    return blood_bank.convert(raw, options, pid=sid, time=dtc if dtc is not None else dy, time_kind="date", product=trt,
                              quantity=dose, unit=unit, label=name, out=out, time_series=times, rows=red)


def _map_lb(raw: RawTable, options: LoadOptions, ref: pd.Series) -> Mapped:
    sid, testcd, test = col(raw, "USUBJID"), col(raw, "LBTESTCD"), col(raw, "LBTEST")
    stresn, stresu, orres, orresu = col(raw, "LBSTRESN"), col(raw, "LBSTRESU"), col(raw, "LBORRES"), col(raw, "LBORRESU")
    dtc, dy = col(raw, "LBDTC"), col(raw, "LBDY")
    if sid is None or (testcd is None and test is None) or (stresn is None and orres is None) or (dtc is None and dy is None):
        return Mapped(problems=[problem("error", raw.file, "lb", "", Text("lb needs USUBJID, LBTESTCD, LBSTRESN (or LBORRES) "
                                        "and LBDTC (or LBDY)."), "missing_column")])
    value = pd.to_numeric(raw.body[stresn], errors="coerce") if stresn is not None else pd.Series(np.nan, index=raw.body.index)
    unit = text(raw.body[stresu]) if stresu is not None else pd.Series(pd.NA, index=raw.body.index, dtype="string")
    if orres is not None:
        fallback = value.isna()
        original = vocab.strip_result_flags(raw.body[orres])
        value = value.astype(object).where(~fallback, original)
        if orresu is not None:
            unit = unit.where(~fallback, text(raw.body[orresu]))
    value_name = "LBSTRESN" if stresn is not None else "LBORRES"
    times = time_series(raw, dtc, dy, ref, text(raw.body[sid]))
    return long_labs.split(raw, options, pid=sid, time=dtc if dtc is not None else dy, time_kind="date",
                           test=testcd if testcd is not None else test, test_name=test if testcd is not None else None,
                           value=stresn if stresn is not None else orres, unit=stresu, label="lb",
                           value_series=value, unit_series=unit, time_series=times, value_label=value_name,
                           names={-2: "LBSTRESU" if stresu is not None else "LBORRESU", -3: "LBDTC"})


def _map_ae(raw: RawTable, ref: pd.Series) -> Mapped:
    return events_from(raw, ref, term=col(raw, "AEDECOD", "AETERM"), verbatim=col(raw, "AETERM"),
                       dtc=col(raw, "AESTDTC"), dy=col(raw, "AESTDY"), grade=col(raw, "AETOXGR"),
                       related=col(raw, "AEREL"), label="ae")


def events_from(raw: RawTable, ref: pd.Series, *, term, verbatim, dtc, dy, grade, related, label) -> Mapped:
    out = Mapped()
    sid = col(raw, "USUBJID")
    if sid is None or term is None or (dtc is None and dy is None):
        out.problems.append(problem("error", raw.file, label, "", Text("{table} needs USUBJID, AETERM (or AEDECOD) and "
                                    "AESTDTC (or AESTDY).", table=label), "missing_column"))
        return out
    subjects = text(raw.body[sid])
    times = time_series(raw, dtc, dy, ref, subjects, partial_ok=True, out=out, label=label)
    terms = text(raw.body[term])
    if verbatim is not None and verbatim != term:
        terms = terms.fillna(text(raw.body[verbatim]))
    body = {0: subjects.astype(object), 1: times.astype(object), 2: pd.Series("adverse_event", index=raw.body.index),
            3: terms.astype(object)}
    header = [raw.header[sid], raw.header[dtc] if dtc is not None else raw.header[dy], "(category)", raw.header[term]]
    claims = [(0, "patient_id"), (1, "date"), (2, "category"), (3, "term")]
    if grade is not None:
        body[4] = raw.body[grade]
        header.append(raw.header[grade])
        claims.append((4, "grade"))
    if related is not None:
        body[len(body)] = raw.body[related]
        header.append(raw.header[related])
        claims.append((len(claims), "related"))
    frame = pd.DataFrame(body).reset_index(drop=True)
    out.tables.append(MappedTable(raw.file, raw.sheet, tuple(header), frame, raw.first_row, raw.kind, table="events",
                                  label=label, claims=tuple(claims), row_numbers=source_rows(raw)))
    out.notes.append(Text("events: {n} rows of {table} ({column}, grade from {grade})", n=count_text(len(frame)),
                          table=label, column=raw.header[term], grade=raw.header[grade]) if grade is not None else
                     Text("events: {n} rows of {table} ({column}, no CTCAE grade (AESEV is a severity, not a grade))",
                          n=count_text(len(frame)), table=label, column=raw.header[term]))
    return out


_PARAM_UNIT = re.compile(r"\(([^()]*)\)\s*$")


def unit_from_param(param: pd.Series) -> pd.Series:
    """ADaM PARAM ``"Hemoglobin (mmol/L)"`` → ``"mmol/L"``."""
    return text(param).str.extract(_PARAM_UNIT, expand=False).astype("string")
