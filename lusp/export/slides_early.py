"""Deck slides of the early review and the trials comparison (issue 14).

Built on :mod:`lusp.export.deck` (imported, not edited): :func:`early_slides` returns
:class:`~lusp.export.deck.Slide` specs that the standard deck can append, and
:func:`add_early_slides` draws them into an existing python-pptx ``Presentation`` with the
deck's own title, caption, table, image and footer helpers, so they look like the rest of it.

Slides: the two-dose review (misled patients first), early signs against failure (chart and
2 × 2 counts, the small-n caveat once), Hb over time by outcome with the exploratory slopes, and
the pivotal trials beside the cohort (forest plot and table), each trials slide stating that an
off-label retrospective cohort and a randomised trial differ in who was treated.
"""
from __future__ import annotations

from typing import Any

import pandas as pd

from lusp import early, trials
from lusp.export.deck import (
    BODY_TOP_IN,
    CAPTION_HEIGHT_IN,
    CAPTION_PT,
    MARGIN_IN,
    MUTED,
    SLIDE_WIDTH_IN,
    DeckContext,
    Slide,
    _chart_slide,
    _draw_footer,
    _draw_title,
    _DRAWERS,
    _outcome_text_colour,
    _split_table,
    _text,
    deck_context,
    render_deck,
)
from lusp.export.deck.layout import _set_notes
from lusp.figures import early as early_figures
from lusp.labels import header_label
from lusp.i18n import N_, _

#: Slide titles, in order (a long table adds "(1 of 2)").
#: English here (marked with N_); the slides show them in the language in force.
EARLY_TITLES = (
    N_("The two-dose review: what we knew, what happened"),
    N_("Could we have known? Early signs against failure"),
    N_("Early signs: the 2 × 2 counts"),
    N_("Hb over time by outcome"),
    N_("Beside the pivotal trials"),
    N_("Beside the pivotal trials: the numbers"),
)

#: The trials caption: the plain statement, short enough for the slide's caption line.
TRIALS_CAPTION = N_("An off-label retrospective cohort and a randomised trial differ in who was treated: "
                    "context, not a comparison test")


#: A protocol's short name inside a caption ("under the study protocol").
_PROTOCOL_WORDS = {"study": N_("study"), "label-mds": N_("label (MDS)")}


def _misled_word(misled: Any, responder: Any) -> str:
    """How the early picture misled, from the machine columns (never from the sentence's
    words, which are in the reader's language): a non-responder looked like a response, a
    responder looked like a failure."""
    if misled is None or pd.isna(misled) or not bool(misled):
        return "–"
    if responder is not None and not pd.isna(responder) and bool(responder):
        return _("looked like a failure")
    return _("looked like a response")


def early_slides(results: Any, *, review_day: int | None = None, hb_unit: str = "g/L") -> list[Slide]:
    """The issue-14 slides for ``results`` (already restricted to the filters in force)."""
    table = results.table
    if not len(table):
        return []
    day = early.default_review_day(results) if review_day is None else int(review_day)
    picture = early.review_picture(results, day, hb_unit=hb_unit)
    signs = early.early_signs(results, day, picture)
    slides: list[Slide] = []
    titles = tuple(_(t) for t in EARLY_TITLES)  # i18n: lookup
    trials_caption = _(TRIALS_CAPTION)  # i18n: lookup

    shown = early.review_display(picture, hb_unit=hb_unit, compact=True)
    shown["Early picture misled?"] = [_misled_word(m, r) for m, r in zip(picture["misled"], picture["responder"])]
    shown = shown.rename(columns={"Early picture misled?": _("Misled?")})
    n_misled = int(picture["misled"].sum())
    notes = "\n".join(f"{pid}: {how}" for pid, how in zip(picture["patient_id"], picture["misled_how"]) if not pd.isna(how))
    rules = "\n".join(sorted({r for r in picture["rule"].dropna()}))
    name = results.protocol or "study"
    protocol = _(_PROTOCOL_WORDS[name]) if name in _PROTOCOL_WORDS else name  # i18n: lookup
    slides.append(Slide(
        "table", titles[0], table=shown, cell_colours={"Outcome": _outcome_text_colour},
        caption=_("Review day {day} under the {protocol} protocol · {misled} of {n} misled, listed first · "
                  "Hb: transfusion-unaffected values").format(day=day, protocol=protocol, misled=n_misled, n=len(picture)),
        notes=_("{notes}\n\nProtocol rules quoted:\n{rules}").format(notes=notes, rules=rules)))

    sign_notes = "\n".join(
        f"{s.label} ({_(early.GROUP_LABELS[s.group])}): TP {s.tp}, FP {s.fp}, FN {s.fn}, TN {s.tn}" for s in signs.values())  # i18n: lookup
    slides.append(_chart_slide(titles[1], lambda: early_figures.signs_chart(signs),
                               caption=_("Small numbers: counts and exact 95 % CIs; a description of this cohort, not a "
                                         "validated rule"),
                               notes=_(early.SMALL_N_CAVEAT) + "\n" + sign_notes))  # i18n: lookup
    counts = early.signs_frame(signs, hb_unit=hb_unit).drop(columns=["n"])
    slides.append(Slide("table", titles[2], table=counts.astype(str),
                        caption=_("Positive = sign present; outcome positive = failure (evaluable non-responder); "
                                  "rate = k/n · % (exact 95 % CI)"),
                        notes=_(early.SMALL_N_CAVEAT) + "\n" + _(early.DIRECTION_NOTE)))  # i18n: lookup

    courses = early.hb_courses(results)
    if len(courses):
        weekly = early.weekly_hb(results, courses)
        slopes = early.post_week2_slopes(results, courses)
        shown_slopes = early.slopes_display(slopes, hb_unit=hb_unit)
        slope_column = next(c for c in shown_slopes.columns if c.startswith("Slope"))
        slope_text = "; ".join(f"{row['Group']} {row[slope_column]} (n = {row['Patients']})"
                               for _, row in shown_slopes.iterrows())
        short = " · ".join(f"{row['Group'].split(' (')[0].lower()} {row[slope_column].split(' (')[0]} "
                           f"(n = {row['Patients']})" for _, row in shown_slopes.iterrows())
        slides.append(_chart_slide(
            titles[3], lambda: early_figures.weekly_hb_chart(weekly, courses, hb_unit=hb_unit, review_day=day),
            caption=_("Exploratory post-week-2 slope, {unit}/week (mixed model): {slopes}").format(unit=hb_unit, slopes=short),
            notes=_(early.SLOPE_CAVEAT) + "\n" + header_label(slope_column, hb_unit) + _(": ") + slope_text))  # i18n: lookup

    trials_table = trials.trials_table(results)
    slides.append(_chart_slide(titles[4], lambda: early_figures.trials_forest(trials_table),
                               caption=trials_caption, notes=_(trials.DIFFERENT_POPULATIONS)))  # i18n: lookup
    shown_trials = trials.display_table(trials_table, short=True)
    sources = "\n".join(f"{t}: {s}" for t, s in zip(shown_trials["trial"], shown_trials["source"]))
    # Trial and endpoint in one wrapping column: a lone "COMMANDS" column is measured narrower
    # than LibreOffice draws it and breaks inside the word.
    slide_table = shown_trials.drop(columns=["source"])
    slide_table.insert(0, _("trial: endpoint"), slide_table.pop("trial") + ": " + slide_table.pop("endpoint"))
    slide_table = slide_table.rename(columns={"this cohort": _("this cohort (TD; BEYOND: NTD)")})
    slides.append(Slide("table", titles[5], table=slide_table, caption=trials_caption,
                        notes=_("{populations}\n\nSources:\n{sources}").format(populations=_(trials.DIFFERENT_POPULATIONS), sources=sources)))  # i18n: lookup
    return slides


def add_early_slides(prs: Any, results: Any, *, context: DeckContext | None = None, review_day: int | None = None,
                     hb_unit: str = "g/L", total: int | None = None) -> int:
    """Draw :func:`early_slides` into ``prs`` (a 16:9 python-pptx Presentation) after its slides.

    Footers number the new slides on from the presentation's count, out of ``total`` (default:
    the count once these are added). Returns how many slides were added.
    """
    context = context or deck_context(results)
    expanded: list[Slide] = []
    for spec in early_slides(results, review_day=review_day, hb_unit=hb_unit):
        expanded.extend(_split_table(spec) if spec.kind == "table" else [spec])
    start = len(prs.slides)
    total = total or start + len(expanded)
    layout = prs.slide_layouts[5]
    for offset, spec in enumerate(expanded, start=1):
        slide = prs.slides.add_slide(layout)
        _draw_title(slide, spec.title)
        top = BODY_TOP_IN
        if spec.caption:
            _text(slide, spec.caption, MARGIN_IN, top - 0.05, SLIDE_WIDTH_IN - 2 * MARGIN_IN, CAPTION_HEIGHT_IN,
                  CAPTION_PT, colour=MUTED)
            top += CAPTION_HEIGHT_IN
        _DRAWERS[spec.kind](slide, spec, top)
        _draw_footer(slide, context, start + offset, total)
        if spec.notes:
            _set_notes(slide, spec.notes)
    return len(expanded)


def build_early_deck(results: Any, *, review_day: int | None = None, hb_unit: str = "g/L",
                     filters: str = "all patients") -> bytes:
    """A deck of only the early-review and trials slides, as PPTX bytes (for review and tests)."""
    return render_deck(early_slides(results, review_day=review_day, hb_unit=hb_unit),
                       deck_context(results, filters=filters))


__all__ = ["EARLY_TITLES", "TRIALS_CAPTION", "add_early_slides", "build_early_deck", "early_slides"]
