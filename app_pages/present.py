"""Presentation mode: one chart per screen, large type, only Previous / Next.

Reached with the sidebar toggle "Presentation mode" or a link ending in ``?present=1``;
``app.py`` routes here while the mode is on. The screens step through the Overview's
headline numbers, the key cohort charts and then each transient-spike patient. A footer
on every screen names the cohort, the criteria set and the filters in force. The sidebar
starts collapsed and holds only the switch back.
"""
from __future__ import annotations

import logging
from html import escape
from typing import Callable

import streamlit as st

import app_state
from lusp.markup import escape_markdown as md
from app_pages import _export_ui
from lusp.labels import criteria_label
from lusp.i18n import _, ngettext, say
from lusp.export.deck import headline_numbers, slide_subgroups
from lusp.export.images import ImageExportError, figure_to_image, png_size
from lusp.figures import (
    burden_dumbbell,
    forest_plot,
    patient_trajectory,
    response_rates_chart,
    response_rates_frame,
    swimmer,
    swimmer_marks,
    waterfall,
)

st.set_page_config(layout="wide", initial_sidebar_state="collapsed")
app_state.init()  # idempotent; lets the page run on its own in tests

# Projector type: everything about 1.5× the dashboard's size; Streamlit's header chrome
# and element toolbars hidden so nothing but the chart and the two buttons show.
st.markdown(
    """
<style>
  .block-container {padding-top: 0.8rem; padding-bottom: 0.5rem; max-width: 100%;}
  [data-testid="stHeader"] {display: none;}
  [data-testid="stMain"] [data-testid="stImage"] img {max-height: calc(100vh - 300px); width: auto !important;
                                                       max-width: 100%; object-fit: contain;}
  [data-testid="stMain"] p, [data-testid="stMain"] li {font-size: 1.3rem;}
  [data-testid="stMain"] h1 {font-size: 2.3rem; padding-top: 0; padding-bottom: 0.3rem;}
  [data-testid="stElementToolbar"], [data-testid="stToolbar"] {display: none;}
  .lusp-tiles {display: grid; grid-template-columns: repeat(4, 1fr); gap: 1.2rem; margin-top: 1rem;}
  .lusp-tile {background: #F3F6FA; border: 1px solid #D5DBE3; border-radius: 6px; padding: .7rem 1rem;}
  .lusp-tile .v {font-size: 2.6rem; font-weight: 700; color: #0072B2; line-height: 1.1;}
  .lusp-tile .l {font-size: 1.5rem; font-weight: 600; color: #1F2933;}
  .lusp-tile .d {font-size: 1.3rem; color: #5F6B7A;}
  .lusp-footer {margin-top: 0.6rem; padding-top: .4rem; border-top: 1px solid #D5DBE3;
                font-size: 1.1rem; color: #5F6B7A;}
  .lusp-synthetic {background: #D55E00; color: white; font-weight: 700; padding: .1rem .5rem;
                   border-radius: 3px; margin-right: .6rem;}
</style>
""",
    unsafe_allow_html=True,
)

with st.sidebar:
    _export_ui.present_toggle()

results = app_state.results()
table = results.table
summary = app_state.summary()
unit = app_state.hb_unit()
PLOTLY_CONFIG = {"displayModeBar": False, "staticPlot": False}


def headline() -> None:
    tiles = "".join(
        f'<div class="lusp-tile"><div class="v">{escape(t.value)}</div><div class="l">{escape(t.label)}</div>'
        f'<div class="d">{escape(t.detail)}</div></div>'
        for t in headline_numbers(summary, hb_unit=unit)
    )
    st.markdown(f'<div class="lusp-tiles">{tiles}</div>', unsafe_allow_html=True)


def altair(name: str, build: Callable) -> Callable[[], None]:
    """A cohort chart drawn as the deck draws it: rendered to a 1600 px PNG, so it looks the
    same on the projector as on the slide (stretching the live Vega-Lite chart to a wide
    screen misplaces its text columns). Cached per session and view."""
    def draw() -> None:
        png = app_state.cached("present_png", lambda: figure_to_image(build(), "png"), name)
        width_px, _ = png_size(png)
        # Title, chart, buttons and footer on one screen of any height: the CSS above caps
        # the chart at the viewport height less 300 px (600 px on 900, 420 px on 720; a
        # fixed 620 px scrolled on both), never upscaled.
        st.image(png, width=min(1400, width_px))

    return draw


def spike_patient(patient_id: str) -> Callable[[], None]:
    def draw() -> None:
        fig = patient_trajectory(results, patient_id, hb_unit=unit)
        # Projector type: the dashboard chart's explicit sizes, about 1.4× larger; short
        # enough that the reason sentence and the buttons stay on the screen.
        fig.update_layout(font_size=17, height=450, legend_font_size=15, margin=dict(t=60, b=110),
                          legend=dict(y=-0.3))
        fig.update_xaxes(tickfont_size=16, title_font_size=18)
        # not the thin dose strip above the Hb panel: its four dose ticks would collide
        fig.for_each_yaxis(lambda axis: axis.update(tickfont_size=16, title_font_size=18)
                           if axis.domain is None or axis.domain[1] - axis.domain[0] > 0.3 else None)
        st.plotly_chart(fig, width="stretch", config=PLOTLY_CONFIG, key=f"present_{patient_id}")
        row = table[table["patient_id"].astype(str) == patient_id].iloc[0]
        st.markdown(md(app_state.display().text(row["reason"])))

    return draw


screens: list[tuple[str, Callable[[], None]]] = [(_("Headline numbers"), headline)]
if len(table):
    screens.append((_("Response rates with exact 95 % CIs"), altair("rates", 
        lambda: response_rates_chart(response_rates_frame(summary), criteria_label=criteria_label(results.criteria)))))
    if table["td_baseline"].astype("boolean").fillna(False).any():
        screens.append((_("Transfusion burden before and after"), altair("burden", lambda: burden_dumbbell(table))))
    if table["hb_rise_g_l"].notna().any():
        screens.append((_("Best Hb change from baseline"), altair("waterfall", 
            lambda: waterfall(table, hb_unit=unit, threshold_g_l=getattr(results.params, "ntd_rise_g_l", None)))))
    screens.append((_("Time on study, transfusion independence and events"), altair("swimmer", 
        lambda: swimmer(table, swimmer_marks(results.cohort.doses, results.cohort.events, table["patient_id"])))))
    subgroups = slide_subgroups(results)
    if len(subgroups):
        screens.append((_("Response by subgroup (exploratory)"), altair("forest", 
            lambda: forest_plot(subgroups, overall_rate=summary["response_rate"]["overall"]["rate"],
                                covariate_label=_("Subgroup")))))
    spikes = table.loc[table["transient_spike"].astype("boolean").fillna(False).astype(bool), "patient_id"]
    if len(spikes):
        from lusp.figures.spike import spike_multiples

        ids = spikes.astype(str).tolist()[:9]
        screens.append((_("Transient early Hb spikes: the first 8 weeks"), altair("spikes", lambda: spike_multiples(
            results.hb, results.cohort.transfusions, table, ids, display=app_state.display(), columns=3,
            peak_days=getattr(results.params, "spike_peak_days", 7), width=330, height=140))))
    for pid in spikes.astype(str):
        screens.append((_("Transient early spike: {patient}").format(patient=pid), spike_patient(pid)))

step = min(max(_export_ui.present_step(), 0), len(screens) - 1)
title, draw = screens[step]
st.title(md(title))
try:
    draw()
except (ImageExportError, ValueError, TypeError, KeyError) as error:  # one screen's edge case must not end the talk
    logging.getLogger("lusp.app").warning("presentation screen %r failed: %s", title, error)
    st.info(_("This chart cannot be drawn for the patients selected. Use Next to continue."))

previous, position, following = st.columns([1, 4, 1], vertical_alignment="center")
previous.button(_("Previous"), key="present_prev", icon=":material/arrow_back:", disabled=step == 0,
                on_click=_export_ui.set_present_step, args=(step - 1,), width="stretch")
following.button(_("Next"), key="present_next", icon=":material/arrow_forward:", disabled=step == len(screens) - 1,
                 on_click=_export_ui.set_present_step, args=(step + 1,), width="stretch")
position.markdown(f"<div style='text-align:center;font-size:1.2rem;color:#5F6B7A'>{step + 1} / {len(screens)}</div>",
                  unsafe_allow_html=True)

cohort_name = _("SYNTHETIC demo cohort") if app_state.is_demo() else say(app_state.cohort().source.name)
synthetic_word = _("SYNTHETIC DATA")
badge = (f'<span class="lusp-synthetic">{escape(synthetic_word)}</span>'
         if app_state.is_demo() or results.cohort.source.synthetic else "")
footer = ngettext("{cohort} · criteria: {criteria} · filters: {filters} ({n} patient)",
                  "{cohort} · criteria: {criteria} · filters: {filters} ({n} patients)", len(table)).format(
    cohort=escape(cohort_name), criteria=escape(criteria_label(app_state.criteria_name())),
    filters=escape(app_state.describe_filters()), n=len(table))
st.markdown(f'<div class="lusp-footer">{badge}{footer}</div>', unsafe_allow_html=True)
