"""The recognise → map stages of the loader: which shape each raw table is, and its rows
and columns mapped onto the six canonical tables.

One module per shape: :mod:`~lusp.io.shapes.sdtm` (CDISC SDTM) and
:mod:`~lusp.io.shapes.adam` (ADaM), :mod:`~lusp.io.shapes.long_labs` (LIS exports and
long ``labs`` tables), :mod:`~lusp.io.shapes.blood_bank`, :mod:`~lusp.io.shapes.medication`.
Tables of none of these shapes are the template's own tables or a visits sheet and pass
on unchanged. Adding a hospital system's export is adding one module (``NAME``,
``recognises(raw, options)``, ``map_table(raw, options) -> Mapped``) to :data:`SHAPES`
and its tests.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from lusp.i18n import Text
from lusp.io import synonyms as syn
from lusp.io.readers import RawTable
from lusp.io.shapes import blood_bank, long_labs, medication, sdtm
from lusp.io.shapes.base import OPTION_KEYS, LoadOptions, Mapped, MappedTable, options_from

__all__ = ["recognise", "Recognised", "LoadOptions", "MappedTable", "options_from", "OPTION_KEYS", "SHAPES"]

#: Row-level shapes, tried in this order on every table that is not CDISC.
SHAPES = (long_labs, blood_bank, medication)


@dataclass
class Recognised:
    """The raw tables after recognition: mapped ones plus the template tables untouched."""

    raws: list[RawTable]
    shapes: list[str] = field(default_factory=list)  # e.g. ["CDISC SDTM — dm, mh, lb, ex, ae", "template tables"]
    notes: list[str] = field(default_factory=list)
    problems: list = field(default_factory=list)
    proposals: dict = field(default_factory=dict)


def recognise(raws: list[RawTable], options: LoadOptions, mapping: dict | None = None) -> Recognised:
    """Map every raw table of a recognised export shape; pass the rest on unchanged.

    A sheet or file the user assigned to a table by hand (``mapping["_tables"]``) is
    never re-interpreted."""
    by_hand = {syn.normalise_name(k) for k in (mapping or {}).get("_tables", {})}
    out = Recognised([])
    domains: dict[str, list[RawTable]] = {}
    rest: list[RawTable] = []
    for raw in raws:
        if syn.normalise_name(raw.sheet) in by_hand or not raw.header:
            rest.append(raw)
            continue
        domain = sdtm.domain_of(raw)
        if domain is not None:
            domains.setdefault(domain, []).append(raw)
        else:
            rest.append(raw)
    if domains:
        mapped = sdtm.map_domains(domains, options)
        kind = "CDISC ADaM" if all(d.startswith("ad") for d in domains) else (
            "CDISC SDTM + ADaM" if any(d.startswith("ad") for d in domains) else "CDISC SDTM")
        out.shapes.append(Text("{shape} — {sheet}", shape=kind, sheet=", ".join(sorted(domains))))
        _take(out, mapped)
    template: list[str] = []
    for raw in rest:
        module = None
        if syn.normalise_name(raw.sheet) not in by_hand and syn.normalise_name(raw.sheet) not in syn.IGNORED_SHEETS:
            module = next((m for m in SHAPES if m.recognises(raw, options)), None)
        if module is None:
            out.raws.append(raw)
            if raw.header and syn.normalise_name(raw.sheet) not in syn.IGNORED_SHEETS:
                template.append(raw.sheet)
            continue
        out.shapes.append(Text("{shape} — {sheet}", shape=Text(module.NAME), sheet=raw.sheet))  # i18n: lookup
        _take(out, module.map_table(raw, options))
    if template and out.shapes:
        out.shapes.append(Text("template tables — {sheets}", sheets=", ".join(template)))
    return out


def _take(out: Recognised, mapped: Mapped) -> None:
    out.raws.extend(mapped.tables)
    out.notes.extend(mapped.notes)
    out.problems.extend(mapped.problems)
    for key, value in mapped.proposals.items():
        out.proposals.setdefault(key, {}).update(value)
