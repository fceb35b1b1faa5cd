"""The check stage of a load: typed values and every rule of SPEC §2.

:class:`_Loader` turns the mapped tables into segments, parses every cell vectorised
(dates in two phases: the day-first / month-first order is decided once), converts Hb
units (only when declared) and mg doses, runs the row and patient checks, and hands the
checked frames to :func:`lusp.io.canonical.canonical_tables`.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from lusp.cohort import EVENT_CATEGORIES, TABLES
from lusp.io import synonyms as syn
from lusp.io import vocab
from lusp.io.canonical import _covariate, _patient_codes, canonical_tables
from lusp.io.mapping import Mapping, _assign_tables, _claim_columns
from lusp.i18n import N_, Text
from lusp.io.problems import _Reporter, _Segment, _fmt, all_of, any_of
from lusp.io.readers import RawTable
from lusp.io.shapes import MappedTable
from lusp.io.shapes.base import source_rows
from lusp.io.visits import split_visits
from lusp.io.values import (
    DAY_FIRST,
    normalise_sex,
    parse_booleans,
    parse_dates,
    parse_days,
    parse_numbers,
    resolve_dates,
    text_of,
)

#: How a unit was declared, as a warning says it.
_BY = {"header": N_("the column header"), "unit column": N_("the unit column"), "your choice": N_("your choice")}
#: The same, as the Hb-unit notes of a load name them.
_HOW = {"header": N_("header"), "unit column": N_("unit column"), "your choice": N_("your choice")}
#: The Hb unit each header-declared field means (``hb_value`` declares none).
_HEADER_UNITS = {"hb_g_l": "g/L", "hb_g_dl": "g/dL", "hb_mmol_l": "mmol/L"}

# Plausibility limits of SPEC §2 (errors) and the warning thresholds.
HB_MIN_G_L, HB_MAX_G_L = 20.0, 250.0
HB_G_DL_IF_ALL_BELOW = 25.0
UNITS_MAX_PER_EPISODE = 10.0
DOSE_MIN_MG_KG, DOSE_MAX_MG_KG = 0.1, 5.0
# The study's baseline window (8 weeks before the first dose) and minimum follow-up: a
# patient outside them can still load, but the analysis will call them not evaluable.
BASELINE_WINDOW_DAYS = 56
MIN_FOLLOWUP_DAYS = 56
# The protocol gives doses every 21 days; < 18 days apart is a data-entry error or a deviation.
MIN_DOSE_INTERVAL_DAYS = 18

#: How each canonical field is parsed.
FIELD_KINDS: dict[str, str] = {
    "patient_id": "id", "diagnosis": "text", "age": "number", "sex": "sex", "weight_kg": "number",
    "first_dose_date": "date", "last_followup_day": "day", "last_followup_date": "date",
    "disease_status": "text", "concurrent_chemo": "bool", "prior_esa": "bool", "baseline_epo_u_l": "number",
    "ring_sideroblasts_pct": "number", "sf3b1_mutated": "bool", "day": "day", "date": "date",
    "hb_g_l": "number", "hb_g_dl": "number", "units": "number", "rbc_units": "number", "product": "text",
    "dose_mg_kg": "number", "dose_mg": "number", "category": "category", "term": "text", "grade": "grade",
    "related": "text", "test": "text", "value": "number", "unit": "text",
    "hb_mmol_l": "number", "hb_value": "number", "hb_unit": "text",
}
#: Fields whose cells may not be blank (the time column is checked separately).
REQUIRED_VALUES: dict[str, tuple[str, ...]] = {
    "patients": ("patient_id", "diagnosis"),
    "hb": ("patient_id", *syn.HB_FIELDS),
    "transfusions": ("patient_id", "units"),
    "doses": ("patient_id",),  # a dose in mg/kg or in mg: checked when converted
    "events": ("patient_id", "category", "term"),
    "labs": ("patient_id", "test", "value"),
    syn.VISITS: ("patient_id",),
}
# the patients-table fields that are calendar dates (a covariate named "date" is not one)
_PATIENT_DATE_FIELDS = ("first_dose_date", "last_followup_date")
_TEXT_KINDS = ("id", "text", "sex", "category")
_CATEGORY_WORDS = {
    **{syn.normalise_name(c): c for c in EVENT_CATEGORIES},
    **{syn.normalise_name(w): "adverse_event" for w in ("ae", "sae", "adverse event", "adverse", "toxicity", "不良事件", "不良反应")},
    **{syn.normalise_name(w): "progression" for w in ("pd", "progressive disease", "disease progression", "进展", "疾病进展")},
    **{syn.normalise_name(w): "transformation" for w in ("aml transformation", "transformed", "leukemic transformation", "转化", "白血病转化")},
    **{syn.normalise_name(w): "death" for w in ("died", "dead", "deceased", "死亡")},
    **{syn.normalise_name(w): "other" for w in ("其他",)},
}
# the red-cell vocabulary is lusp.io.vocab.RBC_PRODUCTS


def _no_missing(dtype) -> bool:
    """True when a column of ``dtype`` cannot hold a missing value: NumPy integers or booleans
    (what the CSV parser returns for a column without blanks). Decided without a scan."""
    return isinstance(dtype, np.dtype) and dtype.kind in "iub"


class _Loader:
    """One load: segments → typed tables → cross-table checks → canonical frames."""

    def __init__(self, reporter: _Reporter, mapping: Mapping, hb_unit: str | None = None):
        self.r = reporter
        self.mapping = mapping
        self.segments: list[_Segment] = []
        self.dropped: list[str] = []
        self.unmapped: list[str] = []
        self.hb_unit_option = hb_unit  # the user's unit for undeclared Hb (Data page, --hb-unit)
        self.hb_units_seen: set[str] = set()
        self.hb_unit_question = False
        self.hb_value_fields: dict[int, str] = {}
        self.hb_notes: list[str] = []
        self.hold_covariates = False
        self.confirmed_covariates: frozenset[str] = frozenset()
        self.held: list[str] = []
        self.hb_seg_factor: dict[int, float] = {}  # segment index → its Hb unit's factor (NaN: per row)
        self._segment_index: dict[int, int] = {}
        self.uses_dates = False
        self.dates_seen: list[pd.Series] = []
        self.resolved_dates: dict[tuple[int, str], pd.Series] = {}

    # -- columns -------------------------------------------------------------------------
    def _segments_from(self, raws: list[RawTable]) -> list[str]:
        kinds = []
        for raw, table in _assign_tables(raws, self.mapping, self.r):
            if table is None:
                continue
            kinds.append("visits" if table == syn.VISITS else raw.kind)
            claims, covariates, ignored, dropped = _claim_columns(raw, table, self.mapping, self.r)
            if dropped:
                self.dropped.extend(d for d in dropped if d not in self.dropped)
            by_name = [d for d in dropped if syn.is_identifier(d)]  # the value-detected ones warned already
            if by_name:
                self.r.add("warning", "identifier_dropped", raw.file, table, None, ", ".join(by_name), "",
                           Text("Column(s) {columns} look like direct identifiers (name, "
                                "contact details, national ID, medical record number, birth date) and were dropped "
                                "before anything else was read. They are not kept, shown, cached or exported.",
                                columns=", ".join(repr(d) for d in by_name)))
            self.unmapped.extend(f"{table}.{name}" for name in ignored)
            if self.hold_covariates and table in ("patients", syn.VISITS):
                for j, name in list(covariates.items()):
                    if not vocab.is_clinical_covariate(name) and name not in self.confirmed_covariates:
                        del covariates[j]  # held until the user confirms it is not an identifier
                        if name not in self.held:
                            self.held.append(name)
            self.unmapped.extend(f"{table}.{name}" for name in covariates.values())
            present = set(claims.values())
            missing = False
            for alternatives in syn.REQUIRED_FIELDS[table]:
                if not present.intersection(alternatives):
                    missing = True
                    self._missing_column(raw, table, alternatives, dropped, covariates, ignored)
            body = raw.body
            # a row with nothing in it is spacing, not data
            keep_pos = [j for j in (*claims, *covariates)]
            frame = body[keep_pos] if keep_pos else pd.DataFrame(index=body.index)
            frame.columns = [claims.get(j) or covariates[j] for j in keep_pos]
            row_numbers = pd.Series(source_rows(raw), index=body.index)
            if keep_pos and any(_no_missing(dtype) for dtype in frame.dtypes):
                filled = None  # a column that cannot be blank (integers) fills every row
            else:
                filled = frame.notna().any(axis=1) if keep_pos else pd.Series(False, index=body.index)
            frame = frame.assign(_row=row_numbers)
            if filled is not None and not filled.all():  # copying a registry-size table only when there is a gap
                frame = frame[filled].reset_index(drop=True)
            columns = {**{t: raw.header[j] for j, t in claims.items()}, **{n: n for n in covariates.values()}}
            if missing:
                continue
            seg = _Segment(raw.file, table, raw.label if isinstance(raw, MappedTable) else table, frame, columns)
            if table == syn.VISITS:
                parts, varying = split_visits(frame)
                for part in parts:
                    names = {**columns, **{to: columns.get(src, src) for to, src in part.renamed.items()}}
                    self.segments.append(_Segment(raw.file, part.table, table, part.frame, names, part.zero_means_none))
                for v in varying:
                    name = columns.get(v.column, v.column)
                    self.r.add("warning", "visits_value_varies", raw.file, table, v.first_row, name, "",
                               Text("{column!r} should be the same on every row of a patient but differs for "
                                    "{n} patient(s) ({examples}); the first value was used.",
                                    column=name, n=v.n_patients, examples=", ".join(v.examples)))
            else:
                self.segments.append(seg)
        return kinds

    def _missing_column(self, raw, table, alternatives, dropped, covariates, ignored) -> None:
        names = any_of(alternatives)
        hints = [n for n in (*covariates.values(), *ignored)]
        hint = Text(" Columns found that were not recognised: {columns} — rename the right one or map it on the Data page.",
                    columns=", ".join(repr(h) for h in hints)) if hints else ""
        if alternatives == ("patient_id",) and any(syn.normalise_name(d) in syn.MRN_NAMES for d in dropped):
            self.r.add("error", "mrn_only_id", raw.file, table, None, "patient_id", "",
                       Text("The only patient identifier is a medical record number, which is a direct identifier and "
                            "was dropped. Add a pseudonymous study id column 'patient_id' (e.g. P01, P02…) and keep "
                            "the key linking it to the record number outside this file."))
            return
        self.r.add("error", "missing_column", raw.file, table, None, alternatives[0], "",
                   Text("The {table} table needs a column {names}.{hint}", table=table, names=names, hint=hint))

    # -- values --------------------------------------------------------------------------
    def _parse_segment(self, seg: _Segment, date_parses: list) -> pd.DataFrame:
        """Typed columns of one segment; date columns are parsed in two phases."""
        frame = seg.frame
        # copy=False: each typed column goes in as it is (a registry's Hb table is 6·10⁶ rows).
        out = pd.DataFrame({"_row": frame["_row"].to_numpy()}, copy=False)
        required = REQUIRED_VALUES.get(seg.table, ())
        if seg.table == "doses":  # one of the two dose fields must be filled in
            required = (*required, *[f for f in ("dose_mg_kg", "dose_mg") if f in frame][:1])
            if "dose_mg_kg" in frame and "dose_mg" in frame:
                required = REQUIRED_VALUES["doses"]
        for col in frame.columns:
            if col == "_row":
                continue
            kind = FIELD_KINDS.get(col) if col in syn.canonical_fields(seg.table) else None
            raw = frame[col]
            name = seg.columns.get(col, col)
            if kind is None:  # a patient covariate
                out[col] = _covariate(raw)
                continue
            if kind in ("id", "text", "sex", "category"):
                # long tables' ids are trimmed per distinct value in _patient_codes
                values = text_of(raw, strip=kind != "id" or seg.table == "patients")
                blank = values.isna()
                if kind == "sex":
                    values = normalise_sex(values)
                if kind == "category":
                    norm = values.map(syn.normalise_name, na_action="ignore")
                    mapped = norm.map(_CATEGORY_WORDS, na_action="ignore")
                    bad = values.notna() & mapped.isna()
                    if bad.any():
                        self.r.rows("error", "bad_category", seg, frame.loc[bad, "_row"], name, values[bad],
                                    lambda v: Text("{value!r} is not an event category; use one of: {choices}.",
                                                   value=v, choices=", ".join(EVENT_CATEGORIES)))
                    values = mapped.astype("string")
                out[col] = values.astype("string")
            elif kind in ("number", "grade"):
                values, blank, bad = parse_numbers(raw)
                if bad.any():
                    self.r.rows("error", "bad_number", seg, frame.loc[bad, "_row"], name, text_of(raw)[bad],
                                lambda v: Text("{value!r} is not a number. Write only the number (e.g. 95 or 9.5), without units or words.",
                                               value=v))
                if kind == "grade":
                    wrong = values.notna() & ~values.isin([1, 2, 3, 4, 5])
                    if wrong.any():
                        self.r.rows("error", "bad_grade", seg, frame.loc[wrong, "_row"], name, values[wrong].map(_fmt),
                                    lambda v: Text("Grade {value} is not a CTCAE grade; use a whole number from 1 to 5.", value=v))
                    values = values.where(~wrong).round().astype("Int64")
                out[col] = values
            elif kind == "day":
                values, blank, bad = parse_days(raw)
                if bad.any():
                    self.r.rows("error", "bad_day", seg, frame.loc[bad, "_row"], name, text_of(raw)[bad],
                                lambda v: Text("{value!r} is not a study day. Write a whole number of days from the first dose "
                                               "(day 0; negative before it), or use a date column instead.", value=v))
                out[col] = values
            elif kind == "bool":
                values, blank, bad = parse_booleans(raw)
                if bad.any():
                    self.r.rows("error", "bad_boolean", seg, frame.loc[bad, "_row"], name, text_of(raw)[bad],
                                lambda v: Text("{value!r} is not yes/no. Write yes or no (or true/false, 1/0).", value=v))
                out[col] = values
            elif kind == "date":
                parse = parse_dates(raw)
                date_parses.append((seg, col, name, parse, frame["_row"]))
                blank = parse.blank
                out[col] = parse.values
            else:  # pragma: no cover — every field has a kind
                continue
            time_field = "day" if "day" in frame else "date"
            if col in required or (col == time_field and seg.table != "patients"):
                empty = blank
                if empty.any():
                    self.r.rows("error", "blank_value", seg, frame.loc[empty, "_row"], name, [""] * int(empty.sum()),
                                Text("{column!r} is empty. Fill it in, or delete the row.", column=name))
        return out

    def _resolve_date_order(self, date_parses) -> None:
        """Decide day-first / month-first once, from the evidence of every date column."""
        evidence = set()
        for _, _, _, parse, _ in date_parses:
            if len(parse.evidence) == 1:
                evidence |= parse.evidence
        global_order = evidence.pop() if len(evidence) == 1 else None
        for seg, col, name, parse, rows in date_parses:
            if len(parse.evidence) == 2:
                order = None
                self.r.add("error", "mixed_date_order", seg.file, seg.label, None, name, "",
                           Text("Column {column!r} mixes day-first dates (e.g. 25/03/2024) and month-first dates "
                                "(e.g. 03/25/2024). Write every date as YYYY-MM-DD.", column=name))
            elif len(parse.evidence) == 1:
                order = next(iter(parse.evidence))
            elif parse.ambiguous:
                order = global_order
                if order is None:
                    self.r.add("error", "ambiguous_date", seg.file, seg.label, None, name, "",
                               Text("The dates in {column!r} can be read day-first or month-first (e.g. 03/04/2024 is "
                                    "3 April or 4 March). Write them as YYYY-MM-DD, or format the column as dates in Excel.",
                                    column=name))
                    order = DAY_FIRST  # only to finish checking; the load fails
            else:
                order = DAY_FIRST  # every pending date reads the same either way
            values, bad = resolve_dates(parse, order)
            if bad.any():
                raw_text = text_of(seg.frame[col])
                self.r.rows("error", "bad_date", seg, rows[bad.to_numpy()], name, raw_text[bad.to_numpy()],
                            lambda v: Text("{value!r} is not a date this program can read. Write it as YYYY-MM-DD "
                                           "(e.g. 2024-03-05) or format the cell as a date in Excel.", value=v))
            self.resolved_dates[(id(seg), col)] = values.reset_index(drop=True)

    # -- run -----------------------------------------------------------------------------
    def run(self, raws: list[RawTable]):
        kinds = self._segments_from(raws)
        shape = "visits" if "visits" in kinds else "workbook" if "excel" in kinds else (
            "zip" if any("/" in r.file for r in raws) and len({r.file.split("/")[0] for r in raws}) == 1 else "csv-files")
        date_parses: list = []
        parsed: dict[str, list[tuple[_Segment, pd.DataFrame]]] = {t: [] for t in TABLES}
        for seg in self.segments:
            parsed[seg.table].append((seg, self._parse_segment(seg, date_parses)))
        self._resolve_date_order(date_parses)
        for table, items in parsed.items():
            for seg, frame in items:
                for col in ("date", *_PATIENT_DATE_FIELDS):
                    if (id(seg), col) in self.resolved_dates:
                        frame[col] = self.resolved_dates[(id(seg), col)].to_numpy()
        present = {t for t, items in parsed.items() if items}
        for table in ("patients", "hb", "doses"):
            if table not in present and not any(t == table for t in self._tables_with_missing_columns()):
                self.r.add("error", "missing_table", "", table, None, "", "",
                           Text("There is no {table} table. Add a sheet (or CSV file) named {table!r} with one row per patient.",
                                table=table) if table == "patients" else
                           Text("There is no {table} table. Add a sheet (or CSV file) named {table!r}.", table=table))
        tables = self._combine(parsed)
        canonical = self._checks(tables)
        seen = [pd.to_datetime(s, errors="coerce").dropna() for s in self.dates_seen if s.notna().any()]
        dates = pd.concat(seen, ignore_index=True) if seen else pd.Series(dtype="datetime64[ns]")
        date_range = (dates.min().date().isoformat(), dates.max().date().isoformat()) if len(dates) else None
        seen = sorted(self.hb_units_seen)
        hb_unit = seen[0] if len(seen) == 1 else (" + ".join(seen) if seen else "g/L")
        info = {"shape": shape, "hb_unit": hb_unit, "hb_notes": self.hb_notes, "uses_dates": self.uses_dates, "date_range": date_range,
                "dropped": self.dropped, "unmapped": self.unmapped}
        return canonical, info

    def _tables_with_missing_columns(self) -> set[str]:
        return {p.table for p in self.r.problems if p.code in ("missing_column", "mrn_only_id")} | (
            {"patients", "hb", "doses", "transfusions"} if any(
                p.code in ("missing_column", "mrn_only_id") and p.table == syn.VISITS for p in self.r.problems) else set())

    def _combine(self, parsed) -> dict[str, pd.DataFrame]:
        """One frame per table with ``_seg`` (index into self.segments) and ``_row``."""
        index_of = {id(s): i for i, s in enumerate(self.segments)}
        self._segment_index = index_of
        tables: dict[str, pd.DataFrame] = {}
        for table, items in parsed.items():
            frames = []
            for seg, frame in items:
                # int32: a segment index, not a 6·10⁶-row int64 column per table
                frame = frame.assign(_seg=np.full(len(frame), index_of[id(seg)], dtype=np.int32))
                if table == "hb":
                    frame = self._hb_to_g_l(seg, frame)
                if table != "patients" and "date" in frame and frame["date"].notna().any():
                    self.dates_seen.append(frame["date"].dropna())
                frames.append(frame)
            if len(frames) > 1:
                tables[table] = pd.concat(frames, ignore_index=True)
            else:
                tables[table] = frames[0] if frames else None
        return tables

    def _hb_to_g_l(self, seg: _Segment, frame: pd.DataFrame) -> pd.DataFrame:
        """Hb in g/L, converted only from a declared unit (SPEC §2a): the header (``hb_g_dl``,
        ``Hb (mmol/L)``), a unit column (per row), or the user's ``hb_unit``. Undeclared
        values all below 25 fit g/dL and mmol/L alike: an error asking which.

        Without a unit column the whole segment has one unit (a scalar: a registry's 6 M Hb
        rows cost one multiplication, or none for g/L)."""
        field = next((f for f in syn.HB_FIELDS if f in frame), None)
        if field is None:
            return frame
        name = seg.columns.get(field, field)
        seg.columns.setdefault("hb_g_l", name)
        header_unit = _HEADER_UNITS.get(field)
        values = frame[field]
        seg_index = self._segment_index[id(seg)]
        if "hb_unit" not in frame:
            unit, how = header_unit, "header"
            if unit is None and self.hb_unit_option:
                unit, how = self.hb_unit_option, "your choice"
            how_said = Text(_HOW[how])  # i18n: lookup
            if unit is None:
                present = values.notna().to_numpy()  # masks, not a copy of the present values
                below = (values < vocab.HB_AMBIGUOUS_BELOW).to_numpy()
                if present.any() and bool((below | ~present).all()):
                    self._ask_hb_unit(seg, name, values.iloc[int(np.argmax(present))])
                unit, how = "g/L", "values of 25 or more, possible only in g/L"
                how_said = Text("values of 25 or more, possible only in g/L")
            self.hb_seg_factor[seg_index] = vocab.HB_UNIT_FACTORS[unit]
            self.hb_units_seen.add(unit)
            self.hb_notes.append(Text("Hb unit of {table}.{column}: {unit} ({how})",
                                      table=seg.label, column=name, unit=unit, how=how_said))
            out = frame.drop(columns=[field]) if field != "hb_g_l" else frame
            if unit != "g/L":
                self._converted(seg, name, unit, int(values.notna().sum()), [how])
                return out.assign(hb_g_l=values.astype("float64") * vocab.HB_UNIT_FACTORS[unit])
            return out if field == "hb_g_l" else out.assign(hb_g_l=values)
        # a unit column: per row
        unit_name = seg.columns.get("hb_unit", "hb_unit")
        unit, unknown = vocab.hb_units_of(frame["hb_unit"])
        if unknown.any():
            self.r.rows("error", "unknown_hb_unit", seg, frame.loc[unknown, "_row"], unit_name, frame.loc[unknown, "hb_unit"],
                        lambda v: Text("{value!r} is not an Hb unit this program converts. Use g/L, g/dL or mmol/L.", value=v))
        if header_unit is not None:
            clash = unit.notna() & (unit != header_unit)
            if clash.any():
                self.r.rows("error", "hb_unit_conflict", seg, frame.loc[clash, "_row"], unit_name, unit[clash],
                            lambda v: Text("The unit column says {value} but the column {column!r} says {unit}. "
                                           "Correct one of them.", value=v, column=name, unit=header_unit))
        by_column = unit.notna()
        fallback = header_unit or self.hb_unit_option
        open_rows = (unit.isna() & values.notna() & ~unknown).to_numpy()
        if open_rows.any() and fallback is None:
            undeclared = values[open_rows]
            if bool((undeclared < vocab.HB_AMBIGUOUS_BELOW).all()):
                self._ask_hb_unit(seg, name, undeclared.iloc[0])
        unit = unit.fillna(fallback or "g/L")
        factor = unit.map(vocab.HB_UNIT_FACTORS).astype("float64").fillna(1.0).to_numpy()
        self.hb_seg_factor[seg_index] = np.nan
        for u in sorted(set(unit.dropna().unique())):
            self.hb_units_seen.add(u)
            rows = (unit == u).to_numpy()
            how = (["unit column"] if by_column[rows].any() else []) + (
                ["header" if header_unit else "your choice"] if (~by_column[rows]).any() and fallback else [])
            self.hb_notes.append(Text("Hb unit of {table}.{column}: {unit} ({how})", table=seg.label, column=name, unit=u,
                                      how=all_of([Text(_HOW[h]) for h in how]) if how  # i18n: lookup
                                      else Text("values of 25 or more")))
            if u != "g/L":
                self._converted(seg, name, u, int(rows.sum()), how or ["unit column"])
        out = frame.drop(columns=[c for c in (field, "hb_unit") if c in frame and c != "hb_g_l"])
        return out.assign(hb_g_l=values.astype("float64").to_numpy() * factor, _hb_factor=factor)

    def _ask_hb_unit(self, seg: _Segment, name: str, example) -> None:
        self.r.add("error", "hb_unit_ambiguous", seg.file, seg.label, None, name, _fmt(example),
                   Text("The Hb values in {column!r} have no unit and are all below {limit:g}, so they "
                        "fit g/dL and mmol/L alike: declare which (choose the Hb unit on the Data page or with --hb-unit "
                        "g/dL|mmol/L, add a unit column, or name the column hb_g_dl or 'Hb (mmol/L)').",
                        column=name, limit=vocab.HB_AMBIGUOUS_BELOW))
        self.hb_unit_question = True

    def _converted(self, seg: _Segment, name: str, unit: str, rows: int, how: list[str]) -> None:
        example = "9.5 g/dL = 95 g/L" if unit == "g/dL" else "6.2 mmol/L = 99.9 g/L"
        self.r.add("warning", "hb_g_dl_converted" if unit == "g/dL" else "hb_mmol_l_converted", seg.file, seg.label,
                   None, name, "",
                   Text("{n} Hb value(s) in {column!r} are in {unit} (declared by {how}); they were "
                        "converted to g/L (× {factor:g}, e.g. {example}).", n=rows, column=name, unit=unit,
                        how=all_of([Text(_BY[h]) if h in _BY else h for h in how]),  # i18n: lookup
                        factor=vocab.HB_UNIT_FACTORS[unit],
                        example=example))

    # -- cross-table checks ----------------------------------------------------------------
    def _rows(self, severity, code, table_frame, mask, field, message, values=None) -> None:
        """Report ``mask`` rows of a combined table, grouped by the segment they came from."""
        if not mask.any():
            return
        hit = table_frame.loc[mask, ["_seg", "_row"]]
        shown = values[mask] if values is not None else (table_frame.loc[mask, field] if field in table_frame else pd.Series([""] * len(hit), index=hit.index))
        for seg_id, group in hit.groupby("_seg", sort=True):
            seg = self.segments[int(seg_id)]
            name = seg.columns.get(field, field)
            self.r.rows(severity, code, seg, group["_row"], name, shown.loc[group.index].map(_fmt), message)

    def _checks(self, tables: dict[str, pd.DataFrame | None]) -> dict[str, pd.DataFrame]:
        """Cross-table rules. Patients become integer codes (their rank by ``patient_id``) so
        that every per-patient rule is a NumPy operation, not a string group-by."""
        patients = tables.get("patients")
        if patients is None:
            patients = pd.DataFrame({"patient_id": pd.Series(dtype="string"), "_seg": [], "_row": []})
        if "patient_id" not in patients:
            patients = patients.assign(patient_id=pd.Series(pd.NA, index=patients.index, dtype="string"))
        patients = patients[patients["patient_id"].notna()]
        dup = patients["patient_id"].duplicated(keep="first")
        if dup.any():
            first_row = patients.drop_duplicates("patient_id").set_index("patient_id")["_row"]
            self._rows("error", "duplicate_patient", patients, dup, "patient_id",
                       lambda v: Text("patient_id {value} appears on more than one row (first on row {first}); "
                                      "each patient needs exactly one row.", value=v, first=int(first_row[v])))
        patients = patients[~dup].sort_values("patient_id", kind="stable").reset_index(drop=True)
        ids = pd.Index(patients["patient_id"].astype("string"))
        n = len(ids)

        out: dict[str, pd.DataFrame | None] = {}
        for table in TABLES:
            if table == "patients":
                continue
            frame = tables.get(table)
            if frame is None or "patient_id" not in frame:
                out[table] = None
                continue
            has_id = frame["patient_id"].notna()
            if not has_id.all():
                frame = frame[has_id]
            codes, clean = _patient_codes(frame["patient_id"], ids)
            frame = frame.assign(_pid=codes)
            frame.attrs["ids_clean"] = clean
            if tables.get("patients") is not None:
                self._rows("error", "unknown_patient", frame, pd.Series(codes < 0, index=frame.index), "patient_id",
                           lambda v: Text("patient_id {value} is not in the patients table. Add the patient there, or "
                                          "correct the id.", value=v))
            out[table] = frame

        # first dose date: patients.first_dose_date, else the earliest dated dose
        fdd = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
        if "first_dose_date" in patients:
            fdd = patients["first_dose_date"].to_numpy(dtype="datetime64[ns]").copy()
        doses = out.get("doses")
        if doses is not None and "date" in doses and doses["date"].notna().any():
            dated = doses[doses["date"].notna() & (doses["_pid"] >= 0)]
            earliest = dated.groupby("_pid")["date"].min()
            earliest_arr = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
            earliest_arr[earliest.index.to_numpy()] = earliest.to_numpy(dtype="datetime64[ns]")
            differs = ~np.isnat(fdd) & ~np.isnat(earliest_arr) & (fdd != earliest_arr)
            if differs.any():
                self._rows("warning", "first_dose_date_mismatch", patients, pd.Series(differs, index=patients.index),
                           "first_dose_date",
                           lambda v: Text("first_dose_date {value} differs from the earliest dose date; study days count "
                                          "from first_dose_date.", value=v),
                           values=patients["first_dose_date"].dt.strftime("%Y-%m-%d"))
            fdd = np.where(np.isnat(fdd), earliest_arr, fdd)
        for table, frame in out.items():
            if frame is not None:
                out[table] = self._study_days(frame, fdd)

        if "last_followup_date" in patients:
            self.uses_dates = True
            self.dates_seen.append(patients["last_followup_date"].dropna())
            from_date = pd.Series((patients["last_followup_date"].to_numpy(dtype="datetime64[ns]") - fdd)
                                  / np.timedelta64(1, "D"), index=patients.index)
            day = patients["last_followup_day"] if "last_followup_day" in patients else pd.Series(np.nan, index=patients.index)
            patients = patients.assign(last_followup_day=day.astype("float64").fillna(from_date.round()))
        if "first_dose_date" in patients:
            self.dates_seen.append(patients["first_dose_date"].dropna())

        self._doses_in_mg(out, patients)
        self._range_checks(out)
        self._patient_checks(patients, out)
        return self._canonical(patients, out)

    def _doses_in_mg(self, out, patients: pd.DataFrame) -> None:
        """A dose in mg becomes mg/kg with the weight on the dose row (e.g. the last SDTM VS
        WEIGHT on or before it), else the patients table's ``weight_kg`` (SPEC §2a)."""
        doses = out.get("doses")
        if doses is None or "dose_mg" not in doses:
            return
        mg = doses["dose_mg"].astype("float64")
        mg_kg = doses["dose_mg_kg"].astype("float64") if "dose_mg_kg" in doses else pd.Series(np.nan, index=doses.index)
        need = (mg_kg.isna() & mg.notna()).to_numpy()
        if not need.any():
            return
        weight = doses["weight_kg"].astype("float64") if "weight_kg" in doses else pd.Series(np.nan, index=doses.index)
        if "weight_kg" in patients:
            per_patient = patients["weight_kg"].to_numpy(dtype="float64", na_value=np.nan)
            codes = doses["_pid"].to_numpy(dtype="int64")
            known = codes >= 0
            fallback = np.full(len(doses), np.nan)
            fallback[known] = per_patient[codes[known]]
            weight = weight.fillna(pd.Series(fallback, index=doses.index))
        bad_weight = weight.notna() & (weight <= 0)
        no_weight = pd.Series(need, index=doses.index) & (weight.isna() | bad_weight)
        pid = doses["patient_id"].astype("string")
        self._rows("error", "dose_mg_no_weight", doses, no_weight, "dose_mg",
                   lambda v: Text("A dose of {dose} mg for patient {patient} needs the patient's weight to become mg/kg, "
                                  "and none is known: add weight_kg to the patients table (or the weight to the dose "
                                  "rows / SDTM VS WEIGHT).", dose=v.partition(" mg for patient ")[0],
                                  patient=v.partition(" mg for patient ")[2]),
                   values=mg.map(_fmt) + " mg for patient " + pid.fillna(""))
        converted = mg / weight
        doses = doses.assign(dose_mg_kg=mg_kg.where(~pd.Series(need, index=doses.index), converted))
        first = int(np.flatnonzero(need)[0])
        seg = self.segments[int(doses["_seg"].iloc[first])]
        self.r.add("warning", "dose_mg_converted", seg.file, seg.label, None, seg.columns.get("dose_mg", "dose_mg"), "",
                   Text("{n} dose(s) given in mg were divided by the patient's weight to give mg/kg "
                        "(e.g. {mg:g} mg / {kg:g} kg = {mg_kg:.2f} mg/kg).", n=int(need.sum()), mg=mg.iloc[first],
                        kg=weight.iloc[first], mg_kg=converted.iloc[first]))
        out["doses"] = doses

    def _study_days(self, frame: pd.DataFrame, fdd: np.ndarray) -> pd.DataFrame:
        """``day`` for rows that gave a date: date − the patient's first dose date."""
        has_day = "day" in frame
        if "date" not in frame:
            return frame if has_day else frame.assign(day=np.nan)
        self.uses_dates = self.uses_dates or bool(frame["date"].notna().any())
        day = frame["day"].to_numpy(dtype="float64", copy=True) if has_day else np.full(len(frame), np.nan)
        dates = frame["date"].to_numpy(dtype="datetime64[ns]")
        codes = frame["_pid"].to_numpy()
        needs = ~np.isnat(dates) & np.isnan(day) & (codes >= 0)
        if needs.any():
            ref = fdd[codes[needs]]
            day[needs] = (dates[needs] - ref) / np.timedelta64(1, "D")
            no_ref = np.zeros(len(frame), dtype=bool)
            no_ref[needs] = np.isnat(ref)
            self._rows("error", "no_first_dose_date", frame, pd.Series(no_ref, index=frame.index), "date",
                       Text("This date cannot become a study day: the patient's first dose date is unknown. Add "
                            "first_dose_date to the patients table, or give the doses as dates."),
                       values=frame["date"].dt.strftime("%Y-%m-%d"))
        return frame.assign(day=day)

    def _zero_means_none(self, frame: pd.DataFrame) -> np.ndarray:
        flags = np.array([s.zero_means_none for s in self.segments], dtype=bool)
        return flags[frame["_seg"].to_numpy(dtype="int64")]

    def _range_checks(self, out: dict[str, pd.DataFrame | None]) -> None:
        hb = out.get("hb")
        if hb is not None and "hb_g_l" in hb and not self.hb_unit_question:
            wrong = hb["hb_g_l"].notna() & ~hb["hb_g_l"].between(HB_MIN_G_L, HB_MAX_G_L)
            if wrong.any():
                factors = np.array([self.hb_seg_factor.get(i, 1.0) for i in range(len(self.segments))])
                factor = pd.Series(factors[hb["_seg"].to_numpy(dtype="int64")], index=hb.index)
                if "_hb_factor" in hb:
                    factor = factor.where(factor.notna(), hb["_hb_factor"])
                factor = factor.where(wrong, 1.0).fillna(1.0)
                names = factor.map({f: u for u, f in vocab.HB_UNIT_FACTORS.items()}).fillna("g/L")
                given = (hb["hb_g_l"] / factor).round(4).map(_fmt) + " " + names.astype(str)
                shown = given.where(names == "g/L", given + " = " + hb["hb_g_l"].round(1).map(_fmt) + " g/L")
                self._rows("error", "hb_out_of_range", hb, wrong, "hb_g_l",
                           lambda v: Text("Hb {value} is outside {low:g}–{high:g} g/L. Check the value and its "
                                          "declared unit (g/L, e.g. 95; g/dL, e.g. 9.5; mmol/L, e.g. 5.9).",
                                          value=v, low=HB_MIN_G_L, high=HB_MAX_G_L),
                           values=shown)
        tx = out.get("transfusions")
        if tx is not None and "units" in tx:
            zero_rows = self._zero_means_none(tx) & (tx["units"] == 0).to_numpy()
            if zero_rows.any():
                tx = tx[~zero_rows].reset_index(drop=True)
            wrong = tx["units"].notna() & ((tx["units"] <= 0) | (tx["units"] > UNITS_MAX_PER_EPISODE))
            self._rows("error", "units_out_of_range", tx, wrong, "units",
                       lambda v: Text("{value} units in one transfusion episode is not plausible; give the RBC units of one "
                                      "episode (more than 0, at most {most:g}).", value=v, most=UNITS_MAX_PER_EPISODE))
            if "product" in tx:
                # normalise the few distinct spellings, not millions of rows
                is_rbc = vocab.is_rbc(tx["product"])
                tx = tx.assign(product=tx["product"].where(~is_rbc, "RBC"))
                other = ~is_rbc
                if other.any():
                    first = int(np.flatnonzero(other)[0])
                    seg = self.segments[int(tx["_seg"].iloc[first])]
                    self.r.add("warning", "non_rbc_product", seg.file, seg.label, None, seg.columns.get("product", "product"),
                               "", Text("{n} transfusion row(s) are not red cells "
                                        "(e.g. {product!r}); they are kept but not counted in "
                                        "the transfusion burden.", n=int(other.sum()), product=tx['product'].iloc[first]))
            out["transfusions"] = tx
        doses = out.get("doses")
        if doses is not None and "dose_mg_kg" in doses:
            zero_rows = self._zero_means_none(doses) & (doses["dose_mg_kg"] == 0).to_numpy()
            if zero_rows.any():
                doses = doses[~zero_rows].reset_index(drop=True)
            out["doses"] = doses
            wrong = doses["dose_mg_kg"].notna() & ~doses["dose_mg_kg"].between(DOSE_MIN_MG_KG, DOSE_MAX_MG_KG)
            self._rows("error", "dose_out_of_range", doses, wrong, "dose_mg_kg",
                       lambda v: Text("A dose of {value} mg/kg is outside {low:g}–{high:g} mg/kg. Give "
                                      "the dose in mg/kg (e.g. 1.0), not in mg.", value=v, low=DOSE_MIN_MG_KG,
                                      high=DOSE_MAX_MG_KG))

    def _fields_of(self, table: str) -> set[str]:
        return {f for s in self.segments if s.table == table for f in s.columns}

    def _patient_checks(self, patients: pd.DataFrame, out) -> None:
        n = len(patients)
        if not n:
            if any(s.table == "patients" for s in self.segments):
                seg = next(s for s in self.segments if s.table == "patients")
                self.r.add("error", "no_patients", seg.file, seg.label, None, "", "",
                           Text("The patients table has no rows. Add one row per patient."))
            return

        def known(frame):
            ok = frame["_pid"].to_numpy() >= 0
            return frame if ok.all() else frame.loc[ok]

        def per_patient(mask_codes) -> pd.Series:
            return pd.Series(mask_codes, index=patients.index)

        doses = out.get("doses")
        n_doses = np.zeros(n, dtype="int64")
        if doses is not None:
            n_doses = np.bincount(known(doses)["_pid"].to_numpy(dtype="int64"), minlength=n)
        no_dose = n_doses == 0
        if doses is not None or any(s.table == "doses" for s in self.segments) or not self._tables_with_missing_columns():
            self._rows("error", "no_dose", patients, per_patient(no_dose), "patient_id",
                       lambda v: Text("Patient {patient} has no luspatercept dose. Add the doses (doses table), or remove "
                                      "the patient.", patient=v))
        hb = out.get("hb")
        if hb is not None:
            rows = known(hb)
            in_window = rows["day"].between(-BASELINE_WINDOW_DAYS, 0).to_numpy()
            has_baseline = np.bincount(rows["_pid"].to_numpy(dtype="int64")[in_window], minlength=n) > 0
            self._rows("warning", "no_baseline_hb", patients, per_patient(~has_baseline), "patient_id",
                       lambda v: Text("Patient {patient} has no Hb in the {days} days before the first dose "
                                      "(days −56 to 0), so their Hb response cannot be judged.", patient=v,
                                      days=BASELINE_WINDOW_DAYS))
        # follow-up: last_followup_day, else the last day of any record
        end = np.full(n, -np.inf)
        for frame in out.values():
            if frame is not None and "day" in frame and len(frame):
                rows = known(frame)
                pid = rows["_pid"].to_numpy(dtype="int64")
                if _no_missing(rows["day"].dtype):  # whole-number days: used as they are
                    np.maximum.at(end, pid, rows["day"].to_numpy())
                    continue
                days = rows["day"].to_numpy(dtype="float64")
                ok = ~np.isnan(days)
                np.maximum.at(end, pid[ok], days[ok])
        if "last_followup_day" in patients:
            given = patients["last_followup_day"].to_numpy(dtype="float64", na_value=np.nan)
            end = np.where(np.isnan(given), end, given)
        short = (end < MIN_FOLLOWUP_DAYS) & ~no_dose
        self._rows("warning", "short_followup", patients, per_patient(short), "patient_id",
                   lambda v: Text("Patient {patient} is followed for fewer than {days} days after the first dose; "
                                  "transfusion independence (≥ 56 days) cannot be judged yet.", patient=v,
                                  days=MIN_FOLLOWUP_DAYS))
        if doses is not None and len(doses):
            rows = known(doses)
            pid = rows["_pid"].to_numpy(dtype="int64")
            day = rows["day"].to_numpy(dtype="float64")
            order = np.lexsort((day, pid))
            pid_sorted, day_sorted = pid[order], day[order]
            short_gap = np.zeros(len(rows), dtype=bool)
            short_gap[1:] = (pid_sorted[1:] == pid_sorted[:-1]) & (np.diff(day_sorted) < MIN_DOSE_INTERVAL_DAYS)
            flagged = np.zeros(len(rows), dtype=bool)
            flagged[order] = short_gap
            self._rows("warning", "short_dose_interval", rows, pd.Series(flagged, index=rows.index), "day",
                       Text("This dose comes fewer than {days} days after the previous one (protocol: "
                            "every 21 days). Check the day or date.", days=MIN_DOSE_INTERVAL_DAYS), values=rows["day"])
            first_day = np.full(n, np.inf)
            np.minimum.at(first_day, pid, np.where(np.isnan(day), np.inf, day))
            off = np.isfinite(first_day) & (first_day != 0)
            if off.any() and not self.uses_dates:
                self._rows("warning", "first_dose_not_day0", patients, per_patient(off), "patient_id",
                           lambda v: Text("Patient {patient}'s first dose is not on day 0; study days should count from the "
                                          "first dose.", patient=v))

    # -- canonical frames ---------------------------------------------------------------
    def _canonical(self, patients: pd.DataFrame, out) -> dict[str, pd.DataFrame]:
        if not self.r.has_errors:
            # every earlier rule should have caught a row without a study day; never crash on one
            for table, frame in out.items():
                if frame is not None and "day" in frame:
                    self._rows("error", "no_study_day", frame, frame["day"].isna(), "day",
                               Text("No study day could be worked out for this row. Give a day or a date."))
        if self.r.has_errors:
            return {}  # the load fails; building empty tables would only cost time
        return canonical_tables(patients, out)
