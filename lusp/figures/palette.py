"""One outcome palette for every chart, table badge, slide and export.

The four display classes of ``Results.table["outcome"]`` each get one colour from the
Okabe–Ito / Tol families, chosen so that the pairs a viewer must tell apart stay distinct
under the common colour-vision deficiencies (deutan, protan, tritan) and in greyscale:
responder (blue, mid-dark) vs non-responder (orange, light) differ in hue *and* lightness;
the transient spike (wine, darkest) is the pattern this tool exists to flag, so it is the
strongest; not evaluable is neutral grey. Charts always name the outcomes in words too
(legends, hover), so colour is never the only carrier of meaning.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping

from lusp.i18n import N_, gettext


class Labels(Mapping):
    """Display words keyed by a machine value, said in the language in force *when read*
    (``OUTCOME_LABELS["responder"]`` is "Responder" in English, "有效" in Chinese), so a
    module-level table follows the language switch. The English words are marked with
    ``N_`` where the table is made; :attr:`english` keeps them."""

    def __init__(self, english: Mapping[str, str]):
        self.english = dict(english)

    def __getitem__(self, key: str) -> str:
        return gettext(self.english[key])  # i18n: lookup

    def __iter__(self) -> Iterator[str]:
        return iter(self.english)

    def __len__(self) -> int:
        return len(self.english)

    def now(self) -> dict[str, str]:
        """A plain dict of the words in the language in force (for ``Series.map``)."""
        return {key: self[key] for key in self.english}

    def __repr__(self) -> str:
        return f"Labels({self.english!r})"

#: Display order: the order of legends, facets and table badges.
OUTCOMES: tuple[str, ...] = ("responder", "non-responder", "transient spike", "not evaluable")

OUTCOME_COLOURS: dict[str, str] = {
    "responder": "#0072B2",  # Okabe–Ito blue
    "non-responder": "#E69F00",  # Okabe–Ito orange
    "transient spike": "#882255",  # Tol wine
    "not evaluable": "#999999",  # neutral grey
}

#: Words for legends (capitalised, projector-readable), in the language in force when read.
OUTCOME_LABELS: Labels = Labels({
    "responder": N_("Responder"),
    "non-responder": N_("Non-responder"),
    "transient spike": N_("Transient spike (non-responder)"),
    "not evaluable": N_("Not evaluable"),
})

# Non-outcome marks, kept here so every chart uses the same ones.
HB_LINE = "#333333"
TRANSFUSION = "#C0392B"  # blood red: RBC units
DOSE = "#009E73"  # Okabe–Ito bluish green: luspatercept doses
BASELINE = "#555555"
REFERENCE = "#9A9A9A"
TI_SHADE = "rgba(0, 114, 178, 0.12)"  # responder blue, transparent
SPIKE_SHADE = "rgba(136, 34, 85, 0.14)"  # spike wine, transparent
# CTCAE grades 1–5: ColorBrewer Oranges, starting dark enough that grade 1 shows on white.
GRADE_COLOURS: tuple[str, ...] = ("#FDBE85", "#FD8D3C", "#E6550D", "#A63603", "#4A1502")


def outcome_colour(outcome: object) -> str:
    """The colour of ``outcome``; grey for anything unknown or missing."""
    return OUTCOME_COLOURS.get(str(outcome), OUTCOME_COLOURS["not evaluable"])


def outcome_label(outcome: object) -> str:
    """The words of ``outcome`` in the language in force; "Not evaluable" for anything
    unknown or missing."""
    key = str(outcome)
    return OUTCOME_LABELS[key if key in OUTCOME_LABELS else "not evaluable"]


def altair_outcome_scale():
    """An Altair colour scale mapping the outcome words to the palette, in display order."""
    import altair as alt

    return alt.Scale(domain=list(OUTCOMES), range=[OUTCOME_COLOURS[o] for o in OUTCOMES])
