"""Exports: tables → CSV/XLSX, figures → PNG/SVG, results → Markdown, the slide deck → PPTX.

Exports take figures and results; they never compute a clinical value. Everything works
offline (no CDN, no network): see :mod:`lusp.export.images`.
"""
from lusp.export.deck import DeckBasket, DeckContext, DeckItem, Slide, build_deck, render_deck, standard_slides
from lusp.export.images import ImageExportError, figure_to_image, png_size
from lusp.export.markdown import results_markdown
from lusp.export.tables import (
    patient_table,
    response_rate_table,
    summary_table,
    to_csv_bytes,
    to_xlsx_bytes,
    validation_table,
)

__all__ = [
    "DeckBasket",
    "DeckContext",
    "DeckItem",
    "ImageExportError",
    "Slide",
    "build_deck",
    "figure_to_image",
    "patient_table",
    "png_size",
    "render_deck",
    "results_markdown",
    "response_rate_table",
    "standard_slides",
    "summary_table",
    "to_csv_bytes",
    "to_xlsx_bytes",
    "validation_table",
]
