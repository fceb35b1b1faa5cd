"""The map stage of a load: which table each sheet is, which column is which field.

Hand mapping first, then synonyms (or a shape module's own claims); identifier columns
are dropped here. Also the hand mapping's JSON form (saved and restored on the Data page).
"""
from __future__ import annotations

import json
from typing import Callable

from lusp.cohort import TABLES
from lusp.i18n import N_, Text
from lusp.io import synonyms as syn
from lusp.io import vocab
from lusp.io.problems import _Reporter
from lusp.io.readers import RawTable
from lusp.io.shapes import MappedTable, OPTION_KEYS
from lusp.io.values import identifier_values
from lusp.validate import CohortLoadError

#: What identifier_values() says a column holds, said inside a problem sentence.
_IDENTIFIER_KINDS = (N_("national ID numbers"), N_("phone numbers"), N_("e-mail addresses"))

Mapping = dict[str, dict[str, str | None]]

#: Names of patient-id columns, read as text so that ids such as 001 keep their zeros.
_ID_NAMES = frozenset(
    syn.normalise_name(name)
    for fields_ in syn.COLUMN_SYNONYMS.values()
    for name in ("patient_id", *fields_.get("patient_id", ()))
)


def mapping_to_json(mapping: Mapping) -> str:
    """The hand mapping as a small, readable JSON document (validated first)."""
    return json.dumps(_validated_mapping(mapping), ensure_ascii=False, indent=2, sort_keys=True)


def mapping_from_json(text: str | bytes) -> Mapping:
    """A mapping from JSON text; :class:`ValueError` with a plain message when it is not one."""
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(Text("The mapping file is not valid JSON ({error}). Download it again from the Data page.",
                              error=str(exc))) from None
    return _validated_mapping(data)


def _validated_mapping(data) -> Mapping:
    if not isinstance(data, dict):
        raise ValueError(Text("A mapping is an object {{table: {{column in your file: canonical field}}}}."))
    out: Mapping = {}
    for table, columns in data.items():
        if table == "_options":
            if not isinstance(columns, dict) or any(k not in OPTION_KEYS for k in columns):
                raise ValueError(Text("'_options' holds only: {keys}.", keys=", ".join(OPTION_KEYS)))
            unit = columns.get("hb_unit")
            if unit not in (None, "") and unit not in vocab.HB_UNIT_FACTORS:
                raise ValueError(Text("_options: hb_unit {unit!r} is not g/L, g/dL or mmol/L.", unit=unit))
            ml = columns.get("rbc_ml_per_unit")
            if ml not in (None, "") and (not isinstance(ml, (int, float)) or isinstance(ml, bool) or ml <= 0):
                raise ValueError(Text("_options: rbc_ml_per_unit must be a number of mL (e.g. 200)."))
            for key in ("study_drugs", "hb_tests", "covariates"):
                if not isinstance(columns.get(key, []), list) or not all(isinstance(v, str) for v in columns.get(key, [])):
                    raise ValueError(Text("_options: {key} must be a list of names.", key=key))
            if not isinstance(columns.get("test_columns", {}), dict):
                raise ValueError(Text("_options: test_columns maps a sheet or file name to its test column."))
            out[table] = dict(columns)
            continue
        if table == "_tables":
            if not isinstance(columns, dict) or not all(isinstance(k, str) and v in (*TABLES, syn.VISITS, None) for k, v in columns.items()):
                raise ValueError(Text("'_tables' maps sheet or file names to one of: {tables}.",
                                      tables=", ".join((*TABLES, syn.VISITS))))
            out[table] = dict(columns)
            continue
        if table not in syn.COLUMN_SYNONYMS:
            raise ValueError(Text("Unknown table {table!r} in the mapping; use one of: {tables}.", table=table,
                                  tables=", ".join(syn.COLUMN_SYNONYMS)))
        if not isinstance(columns, dict):
            raise ValueError(Text("The mapping for {table!r} must be an object {{column in your file: canonical field}}.",
                                  table=table))
        allowed = syn.canonical_fields(table)
        for column, target in columns.items():
            if not isinstance(column, str):
                raise ValueError(Text("Column names in the mapping for {table!r} must be text.", table=table))
            if target not in (None, "") and target not in allowed:
                raise ValueError(Text("{table}: {column!r} is mapped to {target!r}, which is not a field of {table}; "
                                      "use one of: {fields} (or null to ignore the column).", table=table, column=column,
                                      target=target, fields=", ".join(allowed)))
        out[table] = {str(k): (v or None) for k, v in columns.items()}
    return out


def _check_mapping(mapping, reporter: _Reporter) -> Mapping:
    if mapping is None:
        return {}
    try:
        return _validated_mapping(mapping)
    except ValueError as exc:
        reporter.add("error", "bad_mapping", "mapping", "", None, "", "",
                     exc.args[0] if exc.args and isinstance(exc.args[0], Text) else str(exc))
        raise CohortLoadError(reporter.report()) from None


def _text_column_predicate(mapping: Mapping) -> Callable[[str], bool]:
    """Which CSV columns to keep as text: patient ids (by synonym or by hand mapping)."""
    mapped_ids = {
        syn.normalise_name(col)
        for table, cols in mapping.items() if table not in ("_tables", "_options")
        for col, target in cols.items() if target == "patient_id"
    }

    def keep_as_text(name: str) -> bool:
        norm = syn.normalise_name(name)
        return norm in _ID_NAMES or norm in mapped_ids

    return keep_as_text


# ----------------------------------------------------------------------------- tables & columns


def _assign_tables(raws: list[RawTable], mapping: Mapping, reporter: _Reporter) -> list[tuple[RawTable, str | None]]:
    """Which table each sheet / CSV is: by hand mapping, by name, else a visits sheet."""
    by_hand = {syn.normalise_name(k): v for k, v in mapping.get("_tables", {}).items()}
    data_raws = [r for r in raws if syn.normalise_name(r.sheet) not in syn.IGNORED_SHEETS and (r.header or len(raws) == 1)]
    out: list[tuple[RawTable, str | None]] = []
    for raw in data_raws:
        if isinstance(raw, MappedTable):
            out.append((raw, raw.table))
            continue
        key = syn.normalise_name(raw.sheet)
        table = by_hand.get(key) or by_hand.get(syn.normalise_name(raw.file)) or syn.match_table(raw.sheet)
        if table is None and len(data_raws) == 1:
            table = syn.VISITS  # a lone unnamed sheet / CSV is the clinician's visits table
        if table is None:
            # an oddly named file: the one table whose required columns it has
            fits = [t for t in TABLES if _has_required_columns(raw, t, mapping)]
            if len(fits) == 1:
                table = fits[0]
                reporter.add("warning", "table_guessed", raw.file, table, None, "", raw.sheet,
                             Text("The sheet or file {sheet!r} was read as the {table} table because of its "
                                  "columns. Name it {table!r} to be sure.", sheet=raw.sheet, table=table))
            elif any(syn.match_column(syn.VISITS, h) in ("hb_g_l", "hb_g_dl", "rbc_units", "dose_mg_kg")
                     for h in raw.header) and not any(syn.match_table(r.sheet) == "patients" for r in data_raws):
                table = syn.VISITS
        if table is None:
            reporter.add("warning", "unknown_table", raw.file, raw.sheet, None, "", raw.sheet,
                         Text("The sheet or file {sheet!r} is not one of the tables (patients, hb, transfusions, "
                              "doses, events, labs) and was not read. Rename it after its table, or choose its "
                              "table on the Data page.", sheet=raw.sheet))
        out.append((raw, table))
    return out


def _has_required_columns(raw: RawTable, table: str, mapping: Mapping) -> bool:
    by_hand = {syn.normalise_name(k): v for k, v in mapping.get(table, {}).items()}
    found = {by_hand.get(syn.normalise_name(h)) or syn.match_column(table, h) for h in raw.header}
    return all(found.intersection(alternatives) for alternatives in syn.REQUIRED_FIELDS[table])


def _claim_columns(raw: RawTable, table: str, mapping: Mapping, reporter: _Reporter):
    """Position → canonical field, with the hand mapping winning over synonyms.

    Returns ``(claims, covariates, unmapped, dropped)``; reports identifier columns,
    duplicates and unrecognised columns.
    """
    if isinstance(raw, MappedTable):
        return _claim_mapped(raw, table, reporter)
    by_hand_exact = mapping.get(table, {})
    by_hand = {syn.normalise_name(k): v for k, v in by_hand_exact.items()}
    claims: dict[int, str] = {}
    hand_claimed: set[str] = set()
    synonym_claims: list[tuple[int, str]] = []
    ignored: set[int] = set()
    dropped: list[str] = []
    for j, name in enumerate(raw.header):
        if syn.is_identifier(name):
            dropped.append(name)
            continue
        if name in by_hand_exact or syn.normalise_name(name) in by_hand:
            target = by_hand_exact.get(name, by_hand.get(syn.normalise_name(name)))
            if target:
                if target in hand_claimed:
                    reporter.add("error", "duplicate_column", raw.file, table, None, name, "",
                                 Text("The mapping sends two columns to {field}; map only one of them.", field=target))
                    continue
                claims[j] = target
                hand_claimed.add(target)
            else:
                ignored.add(j)
            continue
        target = syn.match_column(table, name)
        if target == "patient_id" and name.strip() == "STUDYID":
            ignored.add(j)  # CDISC's STUDYID names the study, never a patient (SPEC §2a)
            continue
        if target:
            synonym_claims.append((j, target))
    taken: dict[str, int] = {t: j for j, t in claims.items()}
    unmapped: list[int] = []
    for j, target in synonym_claims:
        if target in hand_claimed:
            unmapped.append(j)
            continue
        if target in taken:
            first = raw.header[taken[target]]
            reporter.add("error", "duplicate_column", raw.file, table, None, raw.header[j], raw.header[j],
                         Text("Columns {first!r} and {second!r} both hold {field}. Delete one of them, or "
                              "map one to another field on the Data page.", first=first, second=raw.header[j],
                              field=target))
            continue
        taken[target] = j
        claims[j] = target
    for j in range(len(raw.header)):
        if j not in claims and j not in ignored and not syn.is_identifier(raw.header[j]) and j not in unmapped:
            unmapped.append(j)
    # two Hb columns in different units cannot both be right
    hb_fields = [t for t in ("hb_g_l", "hb_g_dl") if t in taken]
    if len(hb_fields) == 2:
        reporter.add("error", "duplicate_column", raw.file, table, None, raw.header[taken["hb_g_dl"]], "",
                     Text("Both {g_l!r} (g/L) and {g_dl!r} (g/dL) hold Hb. Keep one Hb column.",
                          g_l=raw.header[taken['hb_g_l']], g_dl=raw.header[taken['hb_g_dl']]))
    if "hb_g_l" in taken and "hb_g_dl" in taken:
        del claims[taken["hb_g_dl"]]
    covariates: dict[int, str] = {}
    ignored_names: list[str] = []
    if table in ("patients", syn.VISITS):
        seen: set[str] = set(claims.values())
        for j in sorted(unmapped):
            name = raw.header[j]
            looks_like = identifier_values(raw.body[j])
            if looks_like:
                dropped.append(name)
                reporter.add("warning", "identifier_values_dropped", raw.file, table, None, name, "",
                             Text("Column {column!r} holds what look like {looks_like}; it was dropped as a direct "
                                  "identifier. Rename it and remove the identifiers if it is something else.",
                                  column=name, looks_like=Text(looks_like)))  # i18n: lookup
                continue
            if name in seen:
                reporter.add("warning", "duplicate_column", raw.file, table, None, name, "",
                             Text("A second column named {column!r} was ignored; give it a distinct name to keep it.",
                                  column=name))
                continue
            seen.add(name)
            covariates[j] = name
    else:
        for j in sorted(unmapped):
            ignored_names.append(raw.header[j])
            reporter.add("warning", "unmapped_column", raw.file, table, None, raw.header[j], "",
                         Text("Column {column!r} is not one of the {table} fields "
                              "({fields}) and was ignored. Rename it, or map it "
                              "on the Data page if it holds one of them.", column=raw.header[j], table=table,
                              fields=", ".join(syn.canonical_fields(table))))
    return claims, covariates, ignored_names, dropped


def _claim_mapped(raw: MappedTable, table: str, reporter: _Reporter):
    """A shape module's table: its claims stand; unclaimed ``patients`` columns are
    covariates (identifier names and values still dropped)."""
    claims = dict(raw.claims)
    covariates: dict[int, str] = {}
    dropped: list[str] = []
    if table == "patients":
        seen = set(claims.values())
        for j, name in enumerate(raw.header):
            if j in claims:
                continue
            if syn.is_identifier(name) or identifier_values(raw.body[j]):
                dropped.append(name)
                continue
            if name not in seen:
                seen.add(name)
                covariates[j] = name
    return claims, covariates, [], dropped
