"""Export widgets: download buttons beside every chart and table, the deck basket.

Layout only: every byte comes from :mod:`lusp.export`. Downloads are *deferred* (a
callable as ``data``), so a page with ten charts does not render twenty images on every
rerun — an image is rendered only when its button is clicked. Deferred callables run
outside the script thread, so they capture everything they need and never touch
``st.session_state``.

Public functions (called from the pages and from ``_ui.show_chart``):

- :func:`chart_downloads` — PNG, SVG and "add to deck" for one Plotly or Altair figure;
- :func:`table_downloads` — CSV, XLSX and "add to deck" for one table;
- :func:`basket_sidebar` — the deck basket in the sidebar (reorder, remove, clear);
- :func:`deck_download` — the deck (standard slides + basket), built with a progress bar, then downloaded;
- :func:`markdown_download` — results and methods text as Markdown;
- :func:`overview_exports` — the Overview's row: deck, Markdown, per-patient table;
- :func:`present_mode`, :func:`present_toggle` — presentation mode (``app_pages/present.py``).
"""
from __future__ import annotations

import re
from datetime import date
from typing import Any, Callable

import pandas as pd
import streamlit as st

from lusp.export.deck import DeckBasket, DeckItem
from lusp.export.images import ImageExportError, figure_to_image, is_altair, prewarm_plotly_renderer
from lusp.export.tables import to_csv_bytes, to_xlsx_bytes
from lusp.i18n import _, ngettext, use_language
from lusp.markup import escape_markdown as md

#: Session-state key of the deck basket (a :class:`DeckBasket`; session only).
BASKET_KEY = "deck_basket"
#: Session-state key of the last deck built: ``(view, pptx bytes)`` (session only).
DECK_KEY = "deck_built"
#: Session-state key of the last "added to deck" message, shown once.
_NOTICE_KEY = "deck_basket_notice"
#: Session-state keys of presentation mode: on/off, and the screen shown.
PRESENT_KEY = "present_mode"
PRESENT_STEP_KEY = "present_step"
#: Query-string values that switch presentation mode on (``?present=1``).
_PRESENT_ON = ("1", "true", "yes", "on")

PPTX_MIME = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def basket() -> DeckBasket:
    """The session's deck basket (created empty on first use)."""
    current = st.session_state.get(BASKET_KEY)
    if not isinstance(current, DeckBasket):
        current = DeckBasket()
        st.session_state[BASKET_KEY] = current
    return current


def current_caption() -> str:
    """The cohort, criteria set, changed parameters and filters in force, in one line."""
    import app_state
    from lusp.params import changed

    cohort_name = _("SYNTHETIC demo cohort") if app_state.is_demo() else app_state.cohort().source.name
    parts = [cohort_name, _("criteria: {criteria}").format(criteria=app_state.criteria_label())]
    changed_params = changed(app_state.params())
    if changed_params:
        parts.append(_("changed: {parameters}").format(parameters=", ".join(f"{k} = {v}" for k, v in changed_params.items())))
    parts.append(_("filters: {filters}").format(filters=app_state.describe_filters()))
    return " · ".join(parts)


def title_from_key(key: str) -> str:
    """A chart's or table's title: the label registry's (``"km_time_to_ti"`` → "Time to
    transfusion independence"), else the key in words (``"burden_x"`` → "Burden x")."""
    from lusp.labels import title_label

    known = title_label(key)
    if known:
        return known
    words = str(key).replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else _("Chart")


def slug(text: str) -> str:
    """A file-name-safe version of ``text``: ``"Hb — P07"`` → ``"hb_p07"``."""
    return re.sub(r"[^a-z0-9]+", "_", str(text).lower()).strip("_")[:60] or "export"


# --------------------------------------------------------------------------------------
# Charts and tables
# --------------------------------------------------------------------------------------


def chart_downloads(fig: Any, key: str, *, title: str | None = None, caption: str | None = None) -> None:
    """PNG (≥ 1600 px) and SVG download buttons and an "add to deck" button for ``fig``.

    ``title`` defaults to the chart key in words; ``caption`` (default
    :func:`current_caption`) states the filters and parameters in force and goes with the
    chart into the deck basket, so its slide says what it showed.
    """
    title = title or title_from_key(key)
    caption = current_caption() if caption is None else caption
    if not is_altair(fig):
        prewarm_plotly_renderer()  # so the first Plotly download does not wait for Chromium
    name = slug(title)
    columns = st.columns([1, 1, 1.6, 1.6])  # room for the words beside a narrow chart
    columns[0].download_button(
        "PNG", data=_deferred_image(fig, "png"), file_name=f"{name}.png", mime="image/png",
        key=f"{key}_png", on_click="ignore", icon=":material/image:", help=_("Projector resolution (1600 px wide)"),
    )
    columns[1].download_button(
        "SVG", data=_deferred_image(fig, "svg"), file_name=f"{name}.svg", mime="image/svg+xml",
        key=f"{key}_svg", on_click="ignore", icon=":material/draw:", help=_("Vector image for print and editing"),
    )
    columns[2].button(
        _("Add to deck"), key=f"{key}_deck", icon=":material/add_to_queue:", on_click=_add_chart,
        args=(fig, title, caption), help=_("Put this chart, with the filters in force now, in the deck basket"),
    )
    _show_notice(key)


def table_downloads(frame: pd.DataFrame, key: str, *, title: str | None = None, caption: str | None = None,
                    sheet_name: str | None = None, csv_frame: pd.DataFrame | None = None) -> None:
    """CSV and XLSX download buttons and an "add to deck" button for ``frame`` (the table
    exactly as on screen: its labels, its display units). ``csv_frame``: the machine-named
    table the CSV carries instead (issue 12: CSV keeps machine names, for re-analysis)."""
    title = title or title_from_key(key)
    caption = current_caption() if caption is None else caption
    sheet_name = sheet_name or slug(title)[:31]
    name = slug(title)
    csv_data = _deferred_csv(frame if csv_frame is None else csv_frame)
    xlsx_data = _deferred_xlsx(frame, sheet_name, caption)
    columns = st.columns([1, 1, 1.6, 1.6])  # room for the words beside a narrow chart
    columns[0].download_button(
        "CSV", data=csv_data, file_name=f"{name}.csv", mime="text/csv", key=f"{key}_csv",
        on_click="ignore", icon=":material/table_view:",
    )
    columns[1].download_button(
        "XLSX", data=xlsx_data, file_name=f"{name}.xlsx", mime=XLSX_MIME, key=f"{key}_xlsx",
        on_click="ignore", icon=":material/grid_on:",
    )
    columns[2].button(
        _("Add to deck"), key=f"{key}_deck", icon=":material/add_to_queue:", on_click=_add_table,
        args=(frame, title, caption), help=_("Put this table, with the filters in force now, in the deck basket"),
    )
    _show_notice(key)


# --------------------------------------------------------------------------------------
# The basket in the sidebar
# --------------------------------------------------------------------------------------


def basket_sidebar() -> None:
    """List the basket in the sidebar: move up/down, remove, clear. Call inside ``st.sidebar``."""
    items = basket().items
    with st.expander(_("Deck basket ({n})").format(n=len(items)), expanded=False, icon=":material/slideshow:"):
        if not items:
            st.caption(_("Empty. Use “Add to deck” beside any chart or table; the deck from the "
                         "Overview then ends with these slides, each captioned with its filters."))
            return
        for index, item in enumerate(items):
            kind = {"chart": _("chart"), "table": _("table")}.get(item.kind, item.kind)
            caption = item.caption or _("no filters")
            st.markdown(f"**{index + 1}. {md(item.title)}**  \n:gray[{kind} · {md(caption)}]")
            # Words, not icons: three icon buttons in the narrow sidebar lost their labels.
            up, down, remove = st.columns([1, 1.2, 1.4])
            up.button(_("Up"), key=f"basket_up_{item.item_id}", disabled=index == 0, width="stretch",
                      on_click=_move, args=(item.item_id, -1), help=_("Move this slide up"))
            down.button(_("Down"), key=f"basket_down_{item.item_id}", disabled=index == len(items) - 1, width="stretch",
                        on_click=_move, args=(item.item_id, 1), help=_("Move this slide down"))
            remove.button(_("Remove"), key=f"basket_rm_{item.item_id}", on_click=_remove, width="stretch",
                          args=(item.item_id,), help=_("Remove this slide from the deck"))
        st.button(_("Clear basket"), key="basket_clear", on_click=_clear, icon=":material/clear_all:")


# --------------------------------------------------------------------------------------
# Deck and Markdown
# --------------------------------------------------------------------------------------


def deck_download(results: Any, *, filters: str, hb_unit: str = "g/L", file_name: str | None = None,
                  key: str = "deck_download") -> None:
    """The deck: standard slides for ``results`` plus the session's basket.

    Built on click in this session's script run, with a progress bar while the charts render
    in parallel (:mod:`lusp.render_pool`); then offered as a download. The bytes stay in
    this session (``deck_built``) for as long as the view and the basket are the same.
    """
    import app_state
    from lusp.export.deck import build_deck
    from lusp.render_pool import prewarm

    prewarm_plotly_renderer()  # the flow slide's Chromium and the chart workers, warm before the click
    prewarm()
    items = basket().items
    # e.g. luspatercept_study_2026-11-25.pptx: several decks of a meeting stay apart
    file_name = file_name or f"luspatercept_{results.criteria}_{date.today().isoformat()}.pptx"
    view = (key, app_state.view_key(), filters, hb_unit, tuple(item.item_id for item in items), date.today())
    built = st.session_state.get(DECK_KEY)
    help_text = _("Title, headline numbers, response rates, burden, waterfall, swimmer, transient "
                  "spikes, subgroups, per-patient table, safety, methods (speaker notes hold the results text)")
    if built is None or built[0] != view:
        build_label = (ngettext("Build slide deck (.pptx) + {n} basket slide", "Build slide deck (.pptx) + {n} basket slides",
                                len(items)).format(n=len(items)) if items else _("Build slide deck (.pptx)"))
        if not st.button(build_label, key=f"{key}_build", type="primary", icon=":material/slideshow:", help=help_text):
            return
        bar = st.progress(0.0, text=_("Building the slide deck…"))
        try:
            # Built here, in the script thread, in the reader's language (passed explicitly too).
            data = build_deck(results, filters=filters, hb_unit=hb_unit, basket=DeckBasket(items),
                              lang=_language(),
                              progress=lambda fraction, step: bar.progress(
                                  fraction, text=_("Building the slide deck: {step}").format(step=step)))
        except Exception:  # a sentence, never a traceback (the log has the details)
            import logging

            logging.getLogger("lusp.app").exception("deck failed")
            bar.empty()
            st.error(_("The slide deck could not be built. The details are in the server log."))
            return
        bar.empty()
        built = (view, data)
        st.session_state[DECK_KEY] = built
    label = (ngettext("Download slide deck (.pptx) + {n} basket slide", "Download slide deck (.pptx) + {n} basket slides",
                      len(items)).format(n=len(items)) if items else _("Download slide deck (.pptx)"))
    st.download_button(label, data=built[1], file_name=file_name, mime=PPTX_MIME,
                       key=key, on_click="ignore", type="primary", icon=":material/download:", help=help_text)


def markdown_download(results: Any, *, filters: str, key: str = "markdown_download", display: Any = None) -> None:
    """Results and methods text as a Markdown file (in the display's Hb unit)."""
    from lusp.export.markdown import results_markdown

    lang = _language()

    def build() -> bytes:
        with use_language(lang):
            return results_markdown(results, filters=filters, display=display).encode("utf-8")

    st.download_button(_("Results & methods (.md)"), data=build, file_name="luspatercept_results.md",
                       mime="text/markdown", key=key, on_click="ignore", icon=":material/description:")


# --------------------------------------------------------------------------------------
# Callbacks and deferred builders
# --------------------------------------------------------------------------------------


def _language() -> str:
    """The session's language, for a deferred build that runs outside the session."""
    import app_state

    return app_state.language()


def _deferred_image(fig: Any, fmt: str) -> Callable[[], bytes]:
    def render() -> bytes:
        return figure_to_image(fig, fmt)

    return render


def _deferred_csv(frame: pd.DataFrame) -> Callable[[], bytes]:
    return lambda: to_csv_bytes(frame)


def _deferred_xlsx(frame: pd.DataFrame, sheet_name: str, caption: str) -> Callable[[], bytes]:
    return lambda: to_xlsx_bytes({sheet_name: frame}, notes={sheet_name: caption} if caption else None)


def _add_chart(fig: Any, title: str, caption: str) -> None:
    try:
        png = figure_to_image(fig, "png")
    except ImageExportError as error:
        st.session_state[_NOTICE_KEY] = ("error", _("Could not add “{title}”: {error}").format(title=title, error=error))
        return
    st.session_state[BASKET_KEY] = basket().add(DeckItem(title=title, caption=caption, png=png))
    st.session_state[_NOTICE_KEY] = ("ok", _added(title))


def _add_table(frame: pd.DataFrame, title: str, caption: str) -> None:
    st.session_state[BASKET_KEY] = basket().add(DeckItem(title=title, caption=caption, table=frame.copy()))
    st.session_state[_NOTICE_KEY] = ("ok", _added(title))


def _added(title: str) -> str:
    n = len(basket())
    return ngettext("Added “{title}” to the deck basket ({n} item).", "Added “{title}” to the deck basket ({n} items).",
                    n).format(title=title, n=n)


def _move(item_id: str, offset: int) -> None:
    st.session_state[BASKET_KEY] = basket().move(item_id, offset)


def _remove(item_id: str) -> None:
    st.session_state[BASKET_KEY] = basket().remove(item_id)


def _clear() -> None:
    st.session_state[BASKET_KEY] = basket().clear()


def _show_notice(key: str) -> None:
    notice = st.session_state.get(_NOTICE_KEY)
    if notice and st.session_state.get(f"{key}_deck"):
        kind, text = notice
        (st.error if kind == "error" else st.toast)(md(text))
        st.session_state.pop(_NOTICE_KEY, None)


# --------------------------------------------------------------------------------------
# The Overview's export row
# --------------------------------------------------------------------------------------


def overview_exports(results: Any) -> None:
    """The Overview's export row: the deck, the results and methods text, the per-patient
    table and the cohort summary (each table as CSV and XLSX)."""
    import app_state
    from lusp.export.tables import patient_table, response_rate_table, summary_table

    filters = app_state.describe_filters()
    caption = current_caption()
    deck_col, md_col = st.columns([3, 2])
    with deck_col:
        deck_download(results, filters=filters, hb_unit=app_state.hb_unit())
    with md_col:
        markdown_download(results, filters=filters, display=app_state.display())
    patients = patient_table(results)
    # The XLSX is for reading: clinical headers, the display unit; the CSV keeps the machine
    # names and g/L, for re-analysis (issue 12).
    from lusp.labels import labelled

    patients_shown = labelled(patients, app_state.display())
    summary = app_state.summary()
    summary_sheets = {"summary": summary_table(summary), "response rates": response_rate_table(summary)}
    p_csv, p_xlsx, s_csv, s_xlsx = st.columns(4)
    p_csv.download_button(_("Patients CSV"), data=_deferred_csv(patients), file_name="patients.csv", mime="text/csv",
                          key="overview_patients_csv", on_click="ignore", icon=":material/table_view:")
    p_xlsx.download_button(_("Patients XLSX"), data=_deferred_xlsx(patients_shown, "patients", caption),
                           file_name="patients.xlsx", mime=XLSX_MIME, key="overview_patients_xlsx",
                           on_click="ignore", icon=":material/grid_on:")
    s_csv.download_button(_("Summary CSV"), data=_deferred_csv(summary_sheets["summary"]), file_name="cohort_summary.csv",
                          mime="text/csv", key="overview_summary_csv", on_click="ignore", icon=":material/table_view:")
    s_xlsx.download_button(
        _("Summary XLSX"), data=lambda: to_xlsx_bytes(summary_sheets, notes={"summary": caption}),
        file_name="cohort_summary.xlsx", mime=XLSX_MIME, key="overview_summary_xlsx", on_click="ignore",
        icon=":material/grid_on:")


# --------------------------------------------------------------------------------------
# Presentation mode
# --------------------------------------------------------------------------------------


def present_mode() -> bool:
    """Is presentation mode on? First run of a session: from ``?present=1``."""
    if PRESENT_KEY not in st.session_state:
        st.session_state[PRESENT_KEY] = str(st.query_params.get("present", "")).lower() in _PRESENT_ON
    return bool(st.session_state[PRESENT_KEY])


def present_toggle() -> None:
    """The sidebar switch in and out of presentation mode (call inside ``st.sidebar``)."""
    present_mode()
    st.session_state.setdefault("w_present", st.session_state[PRESENT_KEY])
    st.toggle(_("Presentation mode"), key="w_present", on_change=_sync_present,
              help=_("Large type, one chart per screen, Previous / Next only. Link: add ?present=1 to the address."))


def present_step() -> int:
    return int(st.session_state.get(PRESENT_STEP_KEY, 0))


def set_present_step(step: int) -> None:
    st.session_state[PRESENT_STEP_KEY] = max(int(step), 0)


def _sync_present() -> None:
    on = bool(st.session_state.get("w_present"))
    st.session_state[PRESENT_KEY] = on
    st.session_state[PRESENT_STEP_KEY] = 0
    if on:
        st.query_params["present"] = "1"
    elif "present" in st.query_params:
        del st.query_params["present"]
