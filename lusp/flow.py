"""The patient flow (STROBE style): in the file → treated → evaluable → TD / NTD → responders.

Counts only, from the analysis (``Results.table``): the figure is drawn by
:func:`lusp.figures.flow.flow_figure`, the report and the slide print the same object, so
the boxes can never disagree with the summary. Response counts are intention to treat:
patients who cannot be evaluated stay in the TD / NTD denominators as non-responders,
exactly as :func:`lusp.analysis.summarize` counts them; the evaluable TD / NTD counts are
shown beside them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from lusp.i18n import _

#: A study-set reason that carries the patient's own follow-up ("follow-up 40 days < 56
#: without transfusion independence") is grouped under one line per threshold.
_FOLLOWUP = re.compile(r"^follow-up \d+ days? < (\d+) without transfusion independence$")


@dataclass(frozen=True)
class Stage:
    """One box: ``count`` patients, ``label`` what they are."""

    label: str
    count: int


@dataclass(frozen=True)
class PatientFlow:
    """The counts of the flow diagram.

    ``n_start`` patients in the file (or selected by the filters when ``filters`` is not
    "all patients"); ``n_untreated`` had no luspatercept dose (the loader refuses such a
    patient, so this is 0 for a loaded file); ``exclusions`` are the treated patients who
    cannot be evaluated, ``(reason, count)``, most frequent first; ``n_td`` / ``n_ntd`` all
    treated TD / NTD patients (the ITT denominators), ``n_td_evaluable`` /
    ``n_ntd_evaluable`` those evaluable; ``n_td_responders`` / ``n_ntd_responders``;
    ``n_td_unknown`` treated patients whose TD status cannot be computed.
    """

    n_start: int
    filters: str
    n_untreated: int
    n_treated: int
    exclusions: tuple[tuple[str, int], ...]
    n_evaluable: int
    n_td: int
    n_ntd: int
    n_td_unknown: int
    n_td_evaluable: int
    n_ntd_evaluable: int
    n_td_responders: int
    n_ntd_responders: int
    criteria_label: str = ""
    rates: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def n_not_evaluable(self) -> int:
        return sum(count for _, count in self.exclusions)

    @property
    def n_responders(self) -> int:
        return self.n_td_responders + self.n_ntd_responders

    @property
    def start_label(self) -> str:
        return _("Patients in the file") if self.filters in ("", "all patients") else _("Patients selected by the filters")

    def lines(self) -> list[str]:
        """The flow as plain sentences (report text, slide notes, alt text)."""
        all_patients = self.filters in ("", "all patients")
        out = [(_("{start}: {n}") if all_patients else _("{start}: {n} ({filters})")).format(
                   start=self.start_label, n=self.n_start, filters=self.filters),
               (_("Treated (≥ 1 dose): {n}; excluded, no dose recorded: {untreated}") if self.n_untreated
                else _("Treated (≥ 1 dose): {n}")).format(n=self.n_treated, untreated=self.n_untreated),
               (_("Evaluable: {n}; not evaluable (counted as non-responders): {not_evaluable}") if self.n_not_evaluable
                else _("Evaluable: {n}")).format(n=self.n_evaluable, not_evaluable=self.n_not_evaluable)]
        out += [_("  not evaluable — {reason}: {count}").format(reason=reason, count=count) for reason, count in self.exclusions]
        out.append((_("TD at baseline: {n_td} ({td_evaluable} evaluable); NTD: {n_ntd} ({ntd_evaluable} evaluable); TD "
                      "status unknown: {unknown}") if self.n_td_unknown else
                    _("TD at baseline: {n_td} ({td_evaluable} evaluable); NTD: {n_ntd} ({ntd_evaluable} evaluable)")).format(
            n_td=self.n_td, td_evaluable=self.n_td_evaluable, n_ntd=self.n_ntd, ntd_evaluable=self.n_ntd_evaluable,
            unknown=self.n_td_unknown))
        out.append(_("Responders: TD {td_k} of {td_n}, NTD {ntd_k} of {ntd_n} (intention to treat)").format(
            td_k=self.n_td_responders, td_n=self.n_td, ntd_k=self.n_ntd_responders, ntd_n=self.n_ntd))
        return out


def patient_flow(results: Any, *, filters: str = "all patients") -> PatientFlow:
    """The flow counts of ``results`` (already restricted to the filters in force)."""
    from lusp.stats import clopper_pearson

    table = results.table
    treated = table["n_doses"].fillna(0).astype(int) >= 1 if len(table) else pd.Series([], dtype=bool)
    evaluable = table["evaluable"].astype("boolean").fillna(False).astype(bool)
    responder = table["responder"].astype("boolean").fillna(False).astype(bool)
    td_flag = table["td_baseline"].astype("boolean")
    td = td_flag.fillna(False).astype(bool) & treated
    ntd = (~td_flag.fillna(True).astype(bool)) & treated
    unknown = td_flag.isna() & treated

    reasons = table.loc[treated & ~evaluable, "not_evaluable_reason"].astype("string").fillna(_("reason not recorded"))
    grouped = reasons.map(_group_reason).value_counts()
    exclusions = tuple(sorted(((str(r), int(c)) for r, c in grouped.items()), key=lambda rc: (-rc[1], rc[0])))

    def rate(k: int, n: int) -> dict[str, Any]:
        if n == 0:
            return {"k": 0, "n": 0, "rate": None, "ci_low": None, "ci_high": None}
        low, high = clopper_pearson(k, n)
        return {"k": k, "n": n, "rate": k / n, "ci_low": low, "ci_high": high}

    n_td_resp = int((td & responder).sum())
    n_ntd_resp = int((ntd & responder).sum())
    return PatientFlow(
        n_start=len(table),
        filters=filters or "all patients",
        n_untreated=int((~treated).sum()),
        n_treated=int(treated.sum()),
        exclusions=exclusions,
        n_evaluable=int((treated & evaluable).sum()),
        n_td=int(td.sum()),
        n_ntd=int(ntd.sum()),
        n_td_unknown=int(unknown.sum()),
        n_td_evaluable=int((td & evaluable).sum()),
        n_ntd_evaluable=int((ntd & evaluable).sum()),
        n_td_responders=n_td_resp,
        n_ntd_responders=n_ntd_resp,
        criteria_label=getattr(results, "criteria_label", ""),
        rates={"td": rate(n_td_resp, int(td.sum())), "ntd": rate(n_ntd_resp, int(ntd.sum()))},
    )


def _followup_pattern() -> re.Pattern:
    """The study set's "follow-up N days < M without TI" reason, in the language in force,
    as a pattern (the English one is :data:`_FOLLOWUP`)."""
    from string import Formatter

    said = _("follow-up {days} days < {ti_days} without transfusion independence")
    parts = []
    for literal, name, _spec, _conversion in Formatter().parse(said):
        parts.append(re.escape(literal))
        if name == "days":
            parts.append(r"\d+")
        elif name == "ti_days":
            parts.append(r"(\d+)")
    return re.compile("^" + "".join(parts) + "$")


def _group_reason(reason: str) -> str:
    match = _FOLLOWUP.match(str(reason)) or _followup_pattern().match(str(reason))
    if match:
        return _("follow-up < {ti_days} days without transfusion independence").format(ti_days=match[1])
    return str(reason)
