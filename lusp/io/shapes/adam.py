"""CDISC ADaM datasets: ADSL (subjects), ADLB… (PARAMCD HGB), ADEX (doses), ADAE (events).

ADSL gives USUBJID, TRTSDT (first dose), AGE, SEX, ARM / TRT01A and WEIGHTBL; ADLB the
Hb rows where PARAMCD = HGB, AVAL in AVALU (or the unit in PARAM, ``Hemoglobin (mmol/L)``),
on ADT (else ADY, no day 0); ADEX the doses; ADAE the events with ATOXGR as the grade.
Everything else goes through :mod:`lusp.io.shapes.sdtm`'s steps.
"""
from __future__ import annotations

import pandas as pd

from lusp.i18n import Text
from lusp.io.readers import RawTable
from lusp.io.shapes import long_labs, medication
from lusp.io.shapes.base import LoadOptions, Mapped, MappedTable, problem, text
from lusp.io.shapes.sdtm import col, events_from, time_series, unit_from_param, weight_at

NAME = "CDISC ADaM"


def map_adsl(adsl: RawTable, treated: set[str], diagnosis: dict[str, str], weights: pd.DataFrame) -> MappedTable:
    from lusp.io.shapes.sdtm import _patients

    sid = text(adsl.body[col(adsl, "USUBJID")])
    keep = sid.isin(treated).to_numpy() & ~sid.duplicated().to_numpy()
    columns = [(col(adsl, "USUBJID"), "patient_id"), (col(adsl, "TRTSDT", "TRTSDTC", "RFXSTDTC"), "first_dose_date")]
    for name, fld in (("AGE", "age"), ("SEX", "sex")):
        if col(adsl, name) is not None:
            columns.append((col(adsl, name), fld))
    return _patients(adsl, keep, sid, [(j, f) for j, f in columns if j is not None], diagnosis, weights, "adsl",
                     weight_col=col(adsl, "WEIGHTBL"))


def map_adlb(raw: RawTable, options: LoadOptions, ref: pd.Series) -> Mapped:
    sid, paramcd, param, aval = col(raw, "USUBJID"), col(raw, "PARAMCD"), col(raw, "PARAM"), col(raw, "AVAL")
    avalu, adt, ady = col(raw, "AVALU"), col(raw, "ADT", "ADTM", "LBDTC"), col(raw, "ADY", "LBDY")
    label = raw.sheet.lower()
    if None in (sid, paramcd, aval) or (adt is None and ady is None):
        return Mapped(problems=[problem("error", raw.file, label, "", Text("{table} needs USUBJID, PARAMCD, AVAL and ADT "
                                        "(or ADY).", table=label), "missing_column")])
    unit = text(raw.body[avalu]) if avalu is not None else pd.Series(pd.NA, index=raw.body.index, dtype="string")
    if param is not None:
        unit = unit.fillna(unit_from_param(raw.body[param]))
    times = time_series(raw, adt, ady, ref, text(raw.body[sid]))
    return long_labs.split(raw, options, pid=sid, time=adt if adt is not None else ady, time_kind="date", test=paramcd,
                           test_name=param, value=aval, unit=avalu, label=label,
                           value_series=pd.to_numeric(raw.body[aval], errors="coerce"), unit_series=unit,
                           time_series=times, names={-2: "AVALU" if avalu is not None else "PARAM (unit)",
                                                     -3: raw.header[adt if adt is not None else ady]})


def map_adex(raw: RawTable, options: LoadOptions, ref: pd.Series, weights: pd.DataFrame) -> Mapped:
    sid = col(raw, "USUBJID")
    trt = col(raw, "EXTRT", "TRTA", "TRTP")
    dose = col(raw, "EXDOSE", "AVAL")
    unit = col(raw, "EXDOSU", "AVALU")
    dtc, dy = col(raw, "ASTDT", "EXSTDTC", "ADT"), col(raw, "ASTDY", "EXSTDY", "ADY")
    if None in (sid, trt, dose) or (dtc is None and dy is None):
        return Mapped(problems=[problem("error", raw.file, "adex", "", Text("adex needs USUBJID, EXTRT (or TRTA), EXDOSE (or "
                                        "AVAL) and ASTDT (or ASTDY)."), "missing_column")])
    rows = slice(None)
    paramcd = col(raw, "PARAMCD")
    if paramcd is not None and dose == col(raw, "AVAL"):
        rows = text(raw.body[paramcd]).str.upper().isin(["DOSE", "DOSEADM", "ADMDOSE"]).to_numpy()
        raw = RawTable(raw.file, raw.sheet, raw.header, raw.body[rows].reset_index(drop=True), raw.first_row, raw.kind)
    subjects = text(raw.body[sid])
    times = time_series(raw, dtc, dy, ref, subjects)
    return medication.convert(raw, options, pid=sid, time=dtc if dtc is not None else dy, time_kind="date", drug=trt,
                              dose=dose, unit=unit, label="adex", weight_series=weight_at(subjects, times, weights),
                              time_series=times)


def map_adae(raw: RawTable, ref: pd.Series) -> Mapped:
    return events_from(raw, ref, term=col(raw, "AEDECOD", "AETERM"), verbatim=col(raw, "AETERM"),
                       dtc=col(raw, "ASTDT", "AESTDTC"), dy=col(raw, "ASTDY", "AESTDY"),
                       grade=col(raw, "ATOXGR", "AETOXGR"), related=col(raw, "AREL", "AEREL"), label="adae")
