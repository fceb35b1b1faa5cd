"""The meeting deck: python-pptx slides from results, figures and the user's basket.

One module per layer or slide family (issue 12 split the former 1 144-line ``deck.py``):

- :mod:`.layout` — slide specs (:class:`Slide`, :class:`Headline`, :class:`DeckContext`)
  and the layout engine :func:`render_deck` (16:9, one font, footer, SYNTHETIC badge,
  long tables split at a readable size);
- :mod:`.basket` — :class:`DeckItem` / :class:`DeckBasket`, the app's "add to deck";
- :mod:`.numbers` — headline tiles and the per-patient table;
- :mod:`.charts` — chart slides on the figure builders, the transient-spike panels, the
  subgroup forest plot, safety;
- :mod:`.standard` — the standard deck (:func:`standard_slides`, :func:`build_deck`).

Every builder takes a :class:`lusp.display.Display` (``hb_unit=`` still accepted). New
slide families are new modules here, wired into :func:`standard_slides`. The deck never
computes a clinical value: numbers come from ``lusp.analysis.summarize``, sentences from
``lusp.narrative``, charts from ``lusp.figures``.
"""
from __future__ import annotations

from lusp.export.deck.basket import DeckBasket, DeckItem
from lusp.export.deck.charts import (
    SPIKES_PER_SLIDE,
    SUBGROUP_LABELS,
    SUBGROUP_MAX_ROWS,
    SUBGROUP_PRIORITY,
    _chart_slide,
    _safety_slides,
    _spike_caption,
    slide_subgroups,
    spike_slides,
)
from lusp.export.deck.layout import *  # noqa: F401,F403 (geometry, fonts, colours: public constants)
from lusp.export.deck.layout import (
    _DRAWERS,
    DeckContext,
    Headline,
    Slide,
    _draw_footer,
    _draw_title,
    _fixed,
    _missing,
    _paginate,
    _split_table,
    _table_layout,
    _text,
    _text_width_in,
    format_cell,
    render_deck,
)
from lusp.export.deck.numbers import DECK_TABLE_COLUMNS, deck_patient_table, headline_numbers
from lusp.export.deck.standard import STANDARD_TITLES, _outcome_text_colour, build_deck, deck_context, standard_slides

__all__ = [
    "DECK_TABLE_COLUMNS", "STANDARD_TITLES", "SPIKES_PER_SLIDE", "SUBGROUP_LABELS", "SUBGROUP_MAX_ROWS",
    "SUBGROUP_PRIORITY", "DeckBasket", "DeckContext", "DeckItem", "Headline", "Slide", "build_deck",
    "deck_context", "deck_patient_table", "format_cell", "headline_numbers", "render_deck", "slide_subgroups",
    "spike_slides", "standard_slides",
]
