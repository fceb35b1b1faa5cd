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
        return "Patients in the file" if self.filters in ("", "all patients") else "Patients selected by the filters"

    def lines(self) -> list[str]:
        """The flow as plain sentences (report text, slide notes, alt text)."""
        out = [f"{self.start_label}: {self.n_start}" + ("" if self.filters in ("", "all patients") else f" ({self.filters})"),
               f"Treated (≥ 1 dose): {self.n_treated}" + (f"; excluded, no dose recorded: {self.n_untreated}" if self.n_untreated else ""),
               f"Evaluable: {self.n_evaluable}" + (f"; not evaluable (counted as non-responders): {self.n_not_evaluable}" if self.n_not_evaluable else "")]
        out += [f"  not evaluable — {reason}: {count}" for reason, count in self.exclusions]
        out.append(f"TD at baseline: {self.n_td} ({self.n_td_evaluable} evaluable); NTD: {self.n_ntd} ({self.n_ntd_evaluable} evaluable)"
                   + (f"; TD status unknown: {self.n_td_unknown}" if self.n_td_unknown else ""))
        out.append(f"Responders: TD {self.n_td_responders} of {self.n_td}, NTD {self.n_ntd_responders} of {self.n_ntd} (intention to treat)")
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

    reasons = table.loc[treated & ~evaluable, "not_evaluable_reason"].astype("string").fillna("reason not recorded")
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


def _group_reason(reason: str) -> str:
    match = _FOLLOWUP.match(str(reason))
    if match:
        return f"follow-up < {match[1]} days without transfusion independence"
    return str(reason)
