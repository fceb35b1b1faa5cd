"""The export widgets in a running app: downloads beside charts and tables, the basket."""
from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _exports_script():
    import altair as alt
    import pandas as pd
    import streamlit as st

    import app_state
    from app_pages import _export_ui

    app_state.init()
    chart = alt.Chart(pd.DataFrame({"x": [1, 2], "y": [3, 4]})).mark_bar().encode(x="x:O", y="y:Q")
    _export_ui.chart_downloads(chart, "demo_chart", title="Demo chart")
    _export_ui.table_downloads(pd.DataFrame({"patient_id": ["P1"], "responder": [True]}), "demo_table")
    _export_ui.overview_exports(app_state.results())
    with st.sidebar:
        _export_ui.basket_sidebar()


def test_every_chart_and_table_gets_downloads_and_add_to_deck():
    at = AppTest.from_function(_exports_script, default_timeout=180).run()
    assert not at.exception, at.exception
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels.count("PNG") == 1 and labels.count("SVG") == 1
    assert labels.count("CSV") == 1 and labels.count("XLSX") == 1
    # the deck is built on click, with a progress bar, then offered for download (issue 16)
    assert not any(label.startswith("Download slide deck") for label in labels)
    at.button(key="deck_download_build").click().run()
    assert not at.exception, at.exception
    deck = next(b for b in at.get("download_button") if b.proto.label.startswith("Download slide deck"))
    assert deck.proto.label == "Download slide deck (.pptx)"
    assert at.session_state["deck_built"][1][:2] == b"PK"  # a PPTX (zip) of this session
    at.run()  # a rerun keeps the built deck on offer, without building again
    assert any(b.proto.label == "Download slide deck (.pptx)" for b in at.get("download_button"))
    assert "Results & methods (.md)" in labels
    assert {"Patients CSV", "Patients XLSX", "Summary CSV", "Summary XLSX"} <= set(labels)
    assert [b.label for b in at.button if b.label == "Add to deck"] == ["Add to deck", "Add to deck"]


def test_basket_add_reorder_remove_in_the_sidebar():
    at = AppTest.from_function(_exports_script, default_timeout=180).run()
    at.button(key="demo_chart_deck").click().run()
    at.button(key="demo_table_deck").click().run()
    assert not at.exception, at.exception
    basket = at.session_state["deck_basket"]
    assert [item.title for item in basket] == ["Demo chart", "Demo table"]
    chart_item, table_item = basket.items
    assert chart_item.png[:8] == b"\x89PNG\r\n\x1a\n"
    # the caption records what was in force when the item was added
    assert "criteria:" in chart_item.caption and "filters: all patients" in chart_item.caption
    assert any("Deck basket (2)" in e.proto.label for e in at.sidebar.expander)
    at.sidebar.button(key=f"basket_up_{table_item.item_id}").click().run()
    assert [item.title for item in at.session_state["deck_basket"]] == ["Demo table", "Demo chart"]
    at.sidebar.button(key=f"basket_rm_{chart_item.item_id}").click().run()
    assert [item.title for item in at.session_state["deck_basket"]] == ["Demo table"]
    assert at.button(key="deck_download_build").label == "Build slide deck (.pptx) + 1 basket slide"
