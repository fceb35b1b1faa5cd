"""Slide families built on the figure builders: chart slides, the transient-spike panels,
the subgroup forest plot and safety.

A chart slide is a PNG of a :mod:`lusp.figures` builder rendered at projector size; a chart
that cannot be drawn for the patients selected becomes a one-sentence slide instead of
costing the whole deck.
"""
from __future__ import annotations

import logging
from dataclasses import replace
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd

from lusp.display import Display, as_display
from lusp.export.deck.layout import Slide, _missing
from lusp.i18n import _, ngettext
from lusp.labels import covariate_label

_log = logging.getLogger("lusp.export")

#: Patient covariates tried for the subgroup forest plot, in this order (clinical
#: relevance to erythroid response: SF3B1/ring sideroblasts and low EPO predict response
#: to luspatercept in MDS; prior ESA and concurrent chemotherapy modify it).
SUBGROUP_PRIORITY: tuple[str, ...] = (
    "sf3b1_mutated", "ring_sideroblasts_pct", "baseline_epo_u_l", "prior_esa", "concurrent_chemo",
    "disease_status", "sex", "age",
)
#: How the covariates read on a slide (the label registry's words).
SUBGROUP_LABELS: dict[str, str] = {name: covariate_label(name) for name in SUBGROUP_PRIORITY}
#: Rows of the forest plot on one slide (more and the labels become unreadable).
SUBGROUP_MAX_ROWS = 10

#: Spike patients per small-multiples slide (a 3 × 3 grid keeps each panel legible).
SPIKES_PER_SLIDE = 9


_RENDER_ERRORS = (ValueError, TypeError, KeyError)


def _chart_slide(title: str, build: Callable[[], Any], *, caption: str = "", notes: str = "", alt_text: str = "") -> Slide:
    """An image slide of the chart ``build()`` returns, rendered at projector size.

    Inside a :func:`lusp.render_pool.render_batch` an Altair chart goes to the warm render
    pool and the slide holds a :class:`~lusp.render_pool.PendingImage` until
    :func:`resolve_images` (the deck's charts render in parallel with its other slides)."""
    from lusp import render_pool
    from lusp.export.images import ImageExportError, figure_to_image, is_altair

    try:
        fig = build()
        batch = render_pool.current_batch()
        png = batch.submit(fig if isinstance(fig, dict) else fig.to_dict(validate=False)) \
            if batch is not None and is_altair(fig) else None
        if png is None:
            png = figure_to_image(fig, "png")
    except (ImageExportError, *_RENDER_ERRORS) as error:
        return _unavailable(title, caption, notes, error)
    return Slide("image", title, images=(png,), caption=caption, notes=notes, alt_text=alt_text or title)


def _unavailable(title: str, caption: str, notes: str, error: Exception) -> Slide:
    """A chart that cannot be drawn: one sentence instead of costing the whole deck."""
    _log.warning("deck chart %r could not be drawn: %s", title, error)
    _log.debug("deck chart %r failure", title, exc_info=True)
    return Slide("text", title, caption=caption, notes=notes, bullets=(
        _("This chart could not be drawn for the patients selected; the other slides are complete."),
        _("Reason: {error}").format(error=error)[:300],
    ))


def resolve_images(slides: Sequence[Slide], on_done: Callable[[int, int], None] | None = None) -> list[Slide]:
    """``slides`` with every pending chart PNG waited for (``on_done(done, total)`` after
    each, in the order they finish); a chart whose render failed becomes its text slide."""
    from concurrent.futures import as_completed

    from lusp.render_pool import PendingImage

    pending = [image for slide in slides for image in slide.images if isinstance(image, PendingImage)]
    if on_done is not None and pending:
        for done, _future in enumerate(as_completed([image.future for image in pending]), start=1):
            on_done(done, len(pending))
    out = []
    for slide in slides:
        if not any(isinstance(image, PendingImage) for image in slide.images):
            out.append(slide)
            continue
        try:
            images = tuple(image.result() if isinstance(image, PendingImage) else image for image in slide.images)
        except _RENDER_ERRORS as error:
            out.append(_unavailable(slide.title, slide.caption, slide.notes, error))
            continue
        out.append(replace(slide, images=images))
    return out


def spike_slides(results: Any, title: str, display: Display | None = None) -> list[Slide]:
    """The transient-spike patients, :data:`SPIKES_PER_SLIDE` panels a slide, zoomed on the
    first weeks (:func:`lusp.figures.spike.spike_multiples`)."""
    from lusp.figures.spike import spike_multiples

    d = as_display(display)
    table = results.table
    spike_ids = table.loc[table["transient_spike"].astype("boolean").fillna(False).astype(bool), "patient_id"].astype(str).tolist()
    if not spike_ids:
        return []
    pages = -(-len(spike_ids) // SPIKES_PER_SLIDE)
    p = results.params
    rule = _("Hb up ≥ {rise} in days 1–{peak_days}, then back at least halfway by day {fall_day}").format(
        rise=d.hb(getattr(p, "spike_min_rise_g_l", 10)), peak_days=getattr(p, "spike_peak_days", 7),
        fall_day=getattr(p, "spike_fall_end_day", 42))
    slides = []
    for page in range(pages):
        ids = spike_ids[page * SPIKES_PER_SLIDE : (page + 1) * SPIKES_PER_SLIDE]
        notes = "; ".join(_spike_caption(table, pid, d) for pid in ids)
        slides.append(_chart_slide(
            _("{title} ({part} of {parts})").format(title=title, part=page + 1, parts=pages) if pages > 1 else title,
            lambda ids=ids: spike_multiples(results.hb, results.cohort.transfusions, table, ids, display=d, columns=3,
                                            peak_days=getattr(p, "spike_peak_days", 7), width=330, height=140),
            caption=ngettext("{n} patient. {rule}", "{n} patients. {rule}", len(spike_ids)).format(n=len(spike_ids), rule=rule),
            notes=notes, alt_text=_("Hb in the first eight weeks of {patients}").format(patients=", ".join(ids))))
    return slides


def _spike_caption(table: pd.DataFrame, patient_id: str, display: Display | None = None) -> str:
    d = as_display(display)
    row = table[table["patient_id"].astype(str) == patient_id].iloc[0]
    parts = [patient_id]
    if not _missing(row.get("early_peak_hb_g_l")) and not _missing(row.get("baseline_hb_g_l")):
        parts.append(_("Hb {baseline} → {peak} on day {day}").format(
            baseline=d.hb(row["baseline_hb_g_l"]), peak=d.hb(row["early_peak_hb_g_l"]), day=row.get("early_peak_day")))
    if not _missing(row.get("spike_after_transfusion")) and bool(row.get("spike_after_transfusion")):
        parts.append(_("after a transfusion"))
    return " · ".join(parts)


def slide_subgroups(results: Any, covariates: Sequence[str] | None = None) -> pd.DataFrame:
    """Subgroup rows (``lusp.stats.subgroup_table``) of several covariates, levels
    prefixed with the covariate's label, at most :data:`SUBGROUP_MAX_ROWS` rows."""
    from lusp.stats import subgroup_table

    patients = results.cohort.patients
    explicit = covariates is not None
    names = list(covariates) if explicit else [c for c in SUBGROUP_PRIORITY if c in patients.columns]
    frames, rows = [], 0
    for name in names:
        if name not in patients.columns or patients[name].isna().all():
            continue
        try:
            part = subgroup_table(results.table, patients, name)
        except (TypeError, ValueError):
            # One covariate the subgroup builder cannot split (e.g. odd values in an
            # uploaded column) must not cost the whole deck; the others still show.
            continue
        levels = part[part["level"] != "missing"]
        if not explicit and not 2 <= len(levels) <= 4:
            continue
        if rows + len(part) > SUBGROUP_MAX_ROWS:
            if explicit:
                continue
            break
        part = part.assign(level=covariate_label(name) + ": " + part["level"].astype(str))
        frames.append(part)
        rows += len(part)
    if not frames:
        return pd.DataFrame()
    return pd.concat(frames, ignore_index=True)


def _safety_slides(results: Any, title: str) -> list[Slide]:
    from lusp.figures import safety

    events = results.cohort.events
    ae = safety.adverse_events(events)
    course = safety.course_events(events)
    slides = []
    # One chart per slide: side by side, the event terms became unreadable.
    if len(ae):
        n_ae = ae["patient_id"].nunique()
        slides.append(_chart_slide(_("{title}: adverse events").format(title=title), lambda: safety.ae_by_grade_chart(events),
                                   caption=ngettext("Adverse events: {events} in {n} patient", "Adverse events: {events} in {n} patients",
                                                    n_ae).format(events=len(ae), n=n_ae)))
    if len(course):
        n_course = course["patient_id"].nunique()
        slides.append(_chart_slide(
            _("{title}: disease course").format(title=title), lambda: safety.course_chart(events, results.table),
            caption=ngettext("Progression, transformation, death: {events} events in {n} patient",
                             "Progression, transformation, death: {events} events in {n} patients",
                             n_course).format(events=len(course), n=n_course)))
    if not slides:
        return [Slide("text", title, bullets=(_("No adverse event, progression, transformation or death recorded for these patients."),))]
    return slides
