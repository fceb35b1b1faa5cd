"""Fonts of the charts, by language: Chinese text names the CJK font explicitly.

A machine with only Debian's ``fonts-noto-cjk`` (no Microsoft fonts) must still draw every
Chinese title, axis, legend and hover text — in the browser, in kaleido's headless Chromium
(PNG/SVG/PDF) and in vl-convert (PNG/SVG, which reads the system fonts itself). A generic
``sans-serif`` may resolve to a Latin-only face there and print boxes ("tofu"), so in
Chinese every chart asks for :data:`CJK_FONT` by name; its Latin glyphs carry the numbers,
units and abbreviations ("Hb (g/L)", "95% CI"). English keeps the fonts it always had.
"""
from __future__ import annotations

from typing import Any

from lusp.i18n import current_language

#: The CJK face of Debian's fonts-noto-cjk (Simplified Chinese), as fontconfig names it.
CJK_FONT = "Noto Sans CJK SC"
#: Plotly ``font.family`` per language (a CSS font list: the first installed face wins).
PLOTLY_FAMILIES: dict[str, str] = {
    "en": "Arial, Helvetica, sans-serif",
    "zh": f"{CJK_FONT}, Noto Sans, sans-serif",
}
#: Where Debian installs the Noto CJK fonts (registered with vl-convert when present).
CJK_FONT_DIRS: tuple[str, ...] = ("/usr/share/fonts/opentype/noto", "/usr/share/fonts/truetype/noto")


def plotly_family(lang: str | None = None) -> str:
    """The Plotly font family of ``lang`` (default: the language in force)."""
    return PLOTLY_FAMILIES.get(lang or current_language(), PLOTLY_FAMILIES["en"])


def altair_font(lang: str | None = None) -> str | None:
    """The Vega ``config.font`` of ``lang``: the CJK font in Chinese, None (Vega's own
    default, as before) in English."""
    return CJK_FONT if (lang or current_language()) == "zh" else None


def with_altair_font(chart: Any, lang: str | None = None) -> Any:
    """``chart`` with ``config.font`` (every title, label, legend and text mark) set to the
    font of ``lang``; the chart itself when the language needs none. The rest of the
    chart's configuration is kept (``chart.configure(font=…)`` would replace it)."""
    font = altair_font(lang)
    if font is None:
        return chart
    import altair as alt

    chart = chart.copy(deep=False)
    config = chart.config
    config = alt.Config() if config is alt.Undefined else config.copy(deep=False)
    config.font = font
    chart.config = config
    return chart
