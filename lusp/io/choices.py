"""What the Data page proposes for a real export, and lets the user change (SPEC §2a):
the test column of each long lab table and which tests are Hb, the Hb unit (none
preselected when the values fit two units), the mL per red-cell unit, and the drug names
counted as luspatercept. Built from the read and recognise stages only; no clinical rule.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from lusp.io import vocab
from lusp.io.shapes import LoadOptions, Recognised

#: Report codes whose question one of these choices answers.
QUESTION_CODES = frozenset({"hb_unit_ambiguous", "rbc_ml_per_unit_needed", "other_drug_ignored", "unknown_hb_unit",
                            "missing_table"})
HB_UNITS = tuple(vocab.HB_UNIT_FACTORS)


@dataclass(frozen=True)
class ExportChoices:
    """Proposals for one set of files (all plain data: picklable, JSON-friendly)."""

    read_as: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    lab_tables: tuple[str, ...] = ()  # long lab tables by the name the user knows (sheet / file stem)
    test_column: dict[str, str] = field(default_factory=dict)  # lab table → its test column
    column_choices: dict[str, tuple[str, ...]] = field(default_factory=dict)  # lab table → every column
    tests: dict[str, tuple[str, ...]] = field(default_factory=dict)  # lab table → its distinct tests (most frequent first)
    hb_tests: dict[str, tuple[str, ...]] = field(default_factory=dict)  # lab table → tests read as Hb
    hb_unit: str | None = None  # proposed unit for Hb that declares none (None: ask, no preselection)
    hb_unit_asked: bool = False  # the load stopped to ask g/dL or mmol/L
    rbc_ml_asked: bool = False
    rbc_ml_per_unit: float | None = None
    drugs: tuple[str, ...] = ()  # every drug name seen in medication records / EX
    study_drugs: tuple[str, ...] = ()  # the ones counted as luspatercept now

    @property
    def offers_anything(self) -> bool:
        return bool(self.lab_tables or self.drugs or self.hb_unit_asked or self.rbc_ml_asked)


def choices_of(recognised: Recognised, raws, options: LoadOptions, report_codes: set[str]) -> ExportChoices:
    """The proposals for the Data page from the recognise stage and the load's report."""
    p = recognised.proposals
    labs = tuple(p.get("test_columns", {}))
    columns = {}
    for raw in raws:
        for label in labs:
            if label in (raw.sheet, vocab.normalise(raw.sheet)) and raw.header:
                columns[label] = tuple(raw.header)
    drugs = []
    for names in p.get("drugs", {}).values():
        drugs.extend(d for d in names if d not in drugs)
    found = []
    for names in p.get("study_drugs_found", {}).values():
        found.extend(d for d in names if d not in found)
    asked = "hb_unit_ambiguous" in report_codes
    return ExportChoices(
        read_as=tuple(recognised.shapes), notes=tuple(recognised.notes), lab_tables=labs,
        test_column=dict(p.get("test_columns", {})), column_choices=columns,
        tests={k: tuple(v) for k, v in p.get("tests", {}).items()},
        hb_tests={k: tuple(v) for k, v in p.get("hb_tests_found", {}).items()},
        hb_unit=None if asked else options.hb_unit, hb_unit_asked=asked,
        rbc_ml_asked="rbc_ml_per_unit_needed" in report_codes, rbc_ml_per_unit=options.rbc_ml_per_unit,
        drugs=tuple(drugs), study_drugs=tuple(found))


def options_mapping(choices: ExportChoices, *, test_column: dict[str, str], hb_tests: dict[str, list[str]],
                    hb_unit: str | None, rbc_ml_per_unit: float | None, study_drugs: list[str]) -> dict:
    """The user's answers as the mapping's ``"_options"`` entry (only what is set)."""
    out: dict = {}
    changed_columns = {k: v for k, v in test_column.items() if v and v != choices.test_column.get(k)}
    if changed_columns:
        out["test_columns"] = changed_columns
    extra_tests = sorted({t for tests in hb_tests.values() for t in tests if not vocab.is_hb_test(t)})
    if extra_tests:
        out["hb_tests"] = extra_tests
    if hb_unit:
        out["hb_unit"] = hb_unit
    if rbc_ml_per_unit:
        out["rbc_ml_per_unit"] = float(rbc_ml_per_unit)
    extra_drugs = sorted({d for d in study_drugs if not vocab.is_study_drug(d)})
    if extra_drugs:
        out["study_drugs"] = extra_drugs
    return {"_options": out} if out else {}
