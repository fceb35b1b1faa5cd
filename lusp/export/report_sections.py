"""The report's sections beside the trials and at the review day (issue 14's tables in the
Word report of issue 15).

:func:`context_sections` returns :class:`~lusp.export.report_docx.ReportSection` objects, each
present only when the cohort supports it:

- *Beside the pivotal trials* — published luspatercept and control rates (k/N, exact CI, the
  citation and analysis) beside the same endpoint on this cohort's eligible patients, with the
  statement that an off-label retrospective cohort and a randomised trial differ in who was
  treated (:data:`lusp.trials.DIFFERENT_POPULATIONS`); left out when no patient is eligible
  for any trial's endpoint.
- *The review-day picture* — what was known at the protocol's first review day beside what
  happened later, misled patients first (:func:`lusp.early.review_display`); and *Could we have
  known?* — each early sign's 2 × 2 counts with sensitivity, specificity, PPV and NPV and their
  exact intervals, the small-n caveat stated once. Left out when no patient is evaluable.
"""
from __future__ import annotations

from typing import Any

from lusp.export.report_docx import ReportSection
from lusp.i18n import _


def context_sections(results: Any, *, hb_unit: str = "g/L") -> list[ReportSection]:
    """The trial-comparison and early-review sections that ``results`` supports (see module doc)."""
    from lusp import early, trials

    sections: list[ReportSection] = []
    if len(results.table) == 0:
        return sections
    table = trials.trials_table(results)
    if int(table["cohort_n"].fillna(0).sum()) > 0:
        sections.append(ReportSection(
            heading=_("Beside the pivotal trials"),
            text=_(trials.DIFFERENT_POPULATIONS),  # i18n: lookup
            table=trials.display_table(table, short=True),
            caption=_("Published primary-endpoint rates of the luspatercept registration trials (k/N, exact 95 % CI) "
                      "beside the same endpoint computed on this cohort's eligible patients."),
        ))
    review_day = early.default_review_day(results)
    picture = early.review_picture(results, review_day, hb_unit=hb_unit)
    signs = early.early_signs(results, review_day, picture=picture)
    if any(sign.n for sign in signs.values()):
        sections.append(ReportSection(
            heading=_("The review-day picture (day {day})").format(day=review_day),
            text=_("What was known at the protocol's review on day {day} — the Hb change from baseline "
                   "(transfusion-unaffected values), the burden so far against baseline, whether the "
                   "spike-then-fall pattern had appeared and what the dose protocol recommends — beside what "
                   "happened later; patients whose early picture misled are listed first.").format(day=review_day),
            table=early.review_display(picture, hb_unit=hb_unit, compact=True),
            caption=_("Each patient at the day-{day} review and the eventual outcome.").format(day=review_day),
        ))
        sections.append(ReportSection(
            heading=_("Could we have known? Early signs against the eventual outcome"),
            text=(_(early.SMALL_N_CAVEAT), _(early.DIRECTION_NOTE)),  # i18n: lookup
            table=early.signs_frame(signs, hb_unit=hb_unit),
            caption=_("Early signs at day {day} against failure (positive = the sign present; outcome "
                      "positive = non-response), with exact 95 % CIs.").format(day=review_day),
        ))
    return sections


__all__ = ["context_sections"]
