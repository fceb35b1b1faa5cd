"""The standard meeting deck: title, numbers, charts, spikes, subgroups, table, safety, methods.

:func:`standard_slides` assembles the slide families (:mod:`.numbers`, :mod:`.charts`) for
one ``Results`` and one display context; every text of every slide then passes
:meth:`lusp.display.Display.text` once, so no sentence — a reason, a caption, a parameter —
can stay in g/L when g/dL is in force.
"""
from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import Any



from lusp.display import Display, as_display
from lusp.export.deck.basket import DeckBasket, DeckItem
from lusp.export.deck.charts import _chart_slide, _safety_slides, slide_subgroups, spike_slides
from lusp.export.deck.layout import DeckContext, Slide, render_deck
from lusp.export.deck.numbers import deck_patient_table, headline_numbers
from lusp.figures.palette import OUTCOME_COLOURS
from lusp.i18n import N_, _, ngettext
from lusp.labels import column_label, criteria_label, parameter_text

#: Standard slide titles, in deck order (a slide is left out when it has nothing to show,
#: e.g. no transient spike or no adverse event under the filters in force).
#: English here (marked with N_); each slide shows its title in the language in force.
STANDARD_TITLES: tuple[str, ...] = (
    N_("Headline numbers"),
    N_("Response rates with exact 95 % CIs"),
    N_("Transfusion burden before and after luspatercept"),
    N_("Best Hb change from baseline"),
    N_("Time on study, transfusion independence and events"),
    N_("Transient early Hb spikes"),
    N_("Response by subgroup"),
    N_("Per-patient results"),
    N_("Safety"),
    N_("Methods and parameters"),
)


def _titles() -> tuple[str, ...]:
    """:data:`STANDARD_TITLES` in the language in force."""
    return tuple(_(title) for title in STANDARD_TITLES)  # i18n: lookup


def deck_context(results: Any, *, filters: str = "all patients") -> DeckContext:
    """The footer context of ``results``: cohort name, criteria set, filters, n, synthetic."""
    source = results.cohort.source
    date_range = f"{source.date_range[0]} – {source.date_range[1]}" if source.date_range else ""
    return DeckContext(
        cohort_name=source.name,
        criteria_label=criteria_label(results.criteria),
        filters=_("all patients") if filters in ("", "all patients") else filters,
        n_patients=len(results.table),
        synthetic=bool(source.synthetic),
        date_range=date_range,
    )


def standard_slides(
    results: Any,
    *,
    filters: str = "all patients",
    hb_unit: str | None = None,
    display: Display | None = None,
    subgroup_covariates: Sequence[str] | None = None,
    today: _dt.date | None = None,
) -> list[Slide]:
    """The standard meeting deck for ``results`` (already restricted to the filters).

    Slides (titles as :data:`STANDARD_TITLES`, after the title slide): headline numbers,
    response rates with CIs, transfusion burden, waterfall, swimmer, transient-spike
    patients, subgroup forest plot, per-patient table, safety, methods. A slide with
    nothing to show under the filters is left out rather than shown empty.
    """
    from lusp import figures
    from lusp.analysis import summarize
    from lusp.params import describe

    d = as_display(display or hb_unit)
    summary = summarize(results)
    table = results.table
    context = deck_context(results, filters=filters)
    today = today or _dt.date.today()
    set_label = criteria_label(results.criteria)

    titles = _titles()
    title_lines = [context.cohort_name]
    counts = ngettext("{n} patient ({td} TD, {ntd} NTD) · filters: {filters}",
                      "{n} patients ({td} TD, {ntd} NTD) · filters: {filters}", summary["n_patients"]).format(
        n=summary["n_patients"], td=summary["n_td"], ntd=summary["n_ntd"], filters=context.filters)
    # The cohort's date range is the span of first doses, not of follow-up (issue 12).
    title_lines.append(_("first doses {dates} · {counts}").format(dates=context.date_range, counts=counts)
                       if context.date_range else counts)
    title_lines.append(_("Response criteria: {criteria} · dose review: {protocol}").format(
        criteria=set_label, protocol=results.protocol_label))
    title_lines.append(_("Prepared {date} with the Luspatercept Cohort Explorer").format(date=today.isoformat()))
    slides = [Slide("title", _("Luspatercept outside its approved indications: cohort results"), bullets=tuple(title_lines))]
    from lusp.export.markdown import narrative_paragraphs

    results_text, methods_text = narrative_paragraphs(results, d)
    headlines = headline_numbers(summary, display=d)
    slides.append(Slide("numbers", titles[0], headlines=headlines, notes=results_text,
                        caption=_("Intention to treat: patients who cannot be evaluated count as non-responders")))
    if not len(table):
        return _localised(slides, d)
    # How the patients in the file flowed to the result (issue 15). Table 1 stays a download
    # of its own on the Overview: with diagnoses as recorded it runs to several slides.
    from lusp.export.slides_manuscript import flow_slide

    slides.append(flow_slide(results, filters=filters))

    rates = figures.response_rates_frame(summary)
    slides.append(_chart_slide(titles[1], lambda: figures.response_rates_chart(rates, criteria_label=set_label),
                               caption=_("Clopper–Pearson exact intervals; TD = transfusion-dependent at baseline"),
                               notes="\n".join(_("{label}: {value} — {detail}").format(label=h.label, value=h.value, detail=h.detail)
                                               for h in headlines[1:4])
                               + "\n" + _("Response as defined by {criteria}.").format(criteria=set_label)))

    td = table["td_baseline"].astype("boolean").fillna(False).astype(bool)
    if td.any():
        window = int(table["baseline_window_days"].iloc[0]) if "baseline_window_days" in table.columns else None
        partial = int((~table["baseline_complete"].astype("boolean").fillna(True).astype(bool) & td).sum()) \
            if "baseline_complete" in table.columns else 0
        caption = (_("RBC units per 28 days: baseline window ({window} days) vs follow-up, TD patients").format(window=window)
                   if window else _("RBC units per 28 days: baseline window vs follow-up, TD patients"))
        if partial:
            caption = ngettext("{caption}; {n} with a partly recorded baseline (rate over recorded days only)",
                               "{caption}; {n} with a partly recorded baseline (rate over recorded days only)",
                               partial).format(caption=caption, n=partial)
        slides.append(_chart_slide(titles[2], lambda: figures.burden_dumbbell(table), caption=caption))
    if table["hb_rise_g_l"].notna().any():
        threshold = getattr(results.params, "ntd_rise_g_l", None)
        slides.append(_chart_slide(titles[3], lambda: figures.waterfall(table, hb_unit=d.hb_unit, threshold_g_l=threshold),
                                   caption=_("Peak transfusion-unaffected Hb after day 0 minus baseline, one bar per patient"),
                                   notes=_("Hb measured 1–14 days after a transfusion is left out, so a bar is the drug's "
                                           "effect, not the transfusion's. The dashed line is the NTD response threshold; "
                                           "for TD patients response is transfusion independence, not this change, so a "
                                           "TD bar above the line can still be a non-responder.")))
    slides.append(_chart_slide(titles[4], lambda: figures.swimmer(
        table, figures.swimmer_marks(results.cohort.doses, results.cohort.events, table["patient_id"])),
        notes=_("One bar per patient from the first dose to the end of follow-up, coloured by outcome. The dark band "
                "is the longest transfusion-free run when it reached transfusion independence; triangles are dose "
                "escalations, other symbols progression, transformation, death and grade ≥ 3 adverse events.")))

    slides.extend(spike_slides(results, titles[5], d))
    # The spike's lesson at the two-dose review, and the cohort beside the trials (issue 14).
    from lusp.export.slides_early import early_slides

    slides.extend(early_slides(results, hb_unit=d.hb_unit))

    subgroups = slide_subgroups(results, subgroup_covariates)
    if len(subgroups):
        overall = (summary["response_rate"]["overall"] or {}).get("rate")
        subgroup_word = _("Subgroup")
        slides.append(_chart_slide(titles[6], lambda: figures.forest_plot(subgroups, overall_rate=overall, covariate_label=subgroup_word),
                                   caption=_("Exploratory: small subgroups, exact 95 % CIs, no adjustment for multiple comparisons"),
                                   notes=_("Each row is a subgroup's response rate with its exact 95 % CI and counts; the "
                                           "dashed line is the whole selection. With groups this small, overlapping "
                                           "intervals are the rule: a hypothesis for a larger study, not a finding.")))

    outcome_header = column_label("outcome", d)
    slides.append(Slide("table", titles[7], table=deck_patient_table(table, display=d),
                        cell_colours={outcome_header: _outcome_text_colour},
                        caption=_("TF = transfusion-free; RBC U/28 d = red-cell units per 28 days (a partly recorded "
                                  "baseline shows its recorded days); – = cannot be computed")))

    slides.extend(_safety_slides(results, titles[8]))

    bullets = [_("Criteria set: {criteria}").format(criteria=set_label),
               _("Dose-protocol review: {protocol}").format(protocol=results.protocol_label)]
    bullets += [_param_line(p, display=d) for p in describe(results.params)]
    if results.protocol_params is not None:
        bullets += [_("Protocol — {parameter}").format(parameter=_param_line(p, display=d)) for p in describe(results.protocol_params)]
    slides.append(Slide("text", titles[9], bullets=tuple(bullets),
                        notes=_("RESULTS\n{results}\n\nMETHODS\n{methods}").format(results=results_text, methods=methods_text)))
    return _localised(slides, d)


def build_deck(
    results: Any,
    *,
    filters: str = "all patients",
    hb_unit: str | None = None,
    display: Display | None = None,
    basket: DeckBasket | Iterable[DeckItem] = (),
    subgroup_covariates: Sequence[str] | None = None,
    lang: str | None = None,
    progress: Callable[[float, str], None] | None = None,
) -> bytes:
    """The one-click deck: :func:`standard_slides` then the basket's slides, as PPTX bytes.

    ``lang``: the language of its words (None: the language in force). A caller that builds
    the deck later or in another thread passes the reader's language explicitly: the
    language in force does not flow into other threads.

    The charts render in parallel in the warm render pool (:mod:`lusp.render_pool`) while
    the other slides are built; their specs are built here, in ``lang``, so the workers
    only draw. ``progress(fraction, step)`` is called as the build goes on (the app draws
    it as a progress bar), always from the calling thread, with ``step`` in ``lang``."""
    from lusp.export.deck.charts import resolve_images
    from lusp.i18n import use_language
    from lusp.render_pool import render_batch

    report = progress or (lambda fraction, step: None)
    with use_language(lang):
        d = as_display(display or hb_unit)
        if lang is not None and d.lang != lang:
            d = replace(d, lang=lang)
        items = basket.items if isinstance(basket, DeckBasket) else tuple(basket)
        report(0.0, _("numbers, text and tables"))
        with render_batch():
            slides = standard_slides(results, filters=filters, display=d, subgroup_covariates=subgroup_covariates)
        report(0.4, _("charts"))
        slides = resolve_images(slides, lambda done, total: report(
            0.4 + 0.4 * done / total, _("charts ({done} of {total})").format(done=done, total=total)))
        slides += _localised([item.to_slide() for item in items], d)
        report(0.8, _("laying out the slides"))
        deck = render_deck(slides, deck_context(results, filters=filters))
        report(1.0, _("done"))
        return deck


def _localised(slides: list[Slide], d: Display) -> list[Slide]:
    """Every text of every slide through the display (g/L sentences → the unit in force)."""
    if d.hb_unit == "g/L":
        return slides
    out = []
    for slide in slides:
        table = slide.table
        if table is not None:
            table = table.copy()
            table.columns = [d.text(str(c)) for c in table.columns]
            for column in table.columns:
                table[column] = [d.text(v) if isinstance(v, str) else v for v in table[column]]
        out.append(replace(
            slide, title=d.text(slide.title), caption=d.text(slide.caption), notes=d.text(slide.notes),
            bullets=tuple(d.text(b) for b in slide.bullets), image_captions=tuple(d.text(c) for c in slide.image_captions),
            headlines=tuple(replace(h, value=d.text(h.value), label=d.text(h.label), detail=d.text(h.detail))
                            for h in slide.headlines),
            table=table,
            cell_colours={d.text(k): v for k, v in slide.cell_colours.items()},
        ))
    return out


def _outcome_text_colour(text: str) -> str | None:
    """The outcome swatch of a cell: the code ("responder") or its word in the language in
    force ("有效")."""
    from lusp.export.deck.numbers import outcome_colour_of_word

    return OUTCOME_COLOURS.get(text) or outcome_colour_of_word(text)


def _param_line(description: dict, prefix: str = "", display: Display | None = None) -> str:
    return prefix + parameter_text(description, display)



