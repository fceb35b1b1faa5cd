"""One display context for everything a clinician reads: Hb unit, rounding, language.

Every writer of text, chart, table, slide and Markdown takes a :class:`Display`; nothing
on screen formats an Hb figure by itself. Inside ``lusp`` Hb is always g/L (the CSV export
and the CLI's machine output keep it so, for re-analysis); a :class:`Display` turns it
into what the reader chose.

Rules (issue 12):

- **Round once, half-up, from the same value.** :func:`round_half_up` is the only rounding
  of a displayed number; a chart annotation, a table cell and a sentence that show the same
  value call it on the same float (DEMO-10's rise of 17.5 g/L reads "+18 g/L" everywhere,
  "+1.8 g/dL" in g/dL), never Python's ``round``/``format`` (round-half-even: 16.5 → "16").
- **No sentence stays in g/L.** Sentences written by the criteria sets and protocols are
  stored in g/L, every Hb figure followed by its unit ("Hb 60 g/L → peak 77 g/L"); the
  display writes them through :meth:`Display.text`, which re-expresses each such figure
  (and chains such as "80–100 g/L", "60 → 77 g/L") in the unit in force, from the number
  as written. A figure written without its unit would escape it, which is why the writers
  put the unit after every Hb figure and the tests scan every page and slide for "g/L"
  under g/dL.
- ``lang`` names the language of the words (:mod:`lusp.labels` holds every English
  display string, keyed, so a second language is a second message catalogue).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import pandas as pd

HB_UNITS: tuple[str, ...] = ("g/L", "g/dL")
from lusp.i18n import LANGUAGES, current_language  # noqa: E402  (one list of languages)

#: Multiply a g/L value by this to show it in the unit.
_FACTOR = {"g/L": 1, "g/dL": Decimal("0.1")}
#: Decimals of a single Hb value in each unit (the laboratory's own precision).
_HB_DECIMALS = {"g/L": 0, "g/dL": 1}

#: Result columns that hold an Hb value in g/L (converted for display).
HB_COLUMNS: tuple[str, ...] = (
    "baseline_hb_g_l", "peak_hb_g_l", "hb_rise_g_l", "post_hb_g_l", "early_peak_hb_g_l",
    "pretreatment_hb_g_l", "response_threshold_hb_g_l", "endpoint_mean_hb_g_l", "endpoint_hb_rise_g_l",
    "hb_g_l",
)


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _exact(value: Any) -> Decimal:
    """``value`` as the decimal it stands for: binary noise below 10⁻⁹ dropped, so
    77.1 − 59.6 (= 17.499999999999993 in floating point) is the 17.5 it is."""
    if isinstance(value, Decimal):
        return value
    return Decimal(repr(round(float(value), 9)))


def round_half_up(value: float, decimals: int = 0) -> Decimal:
    """``value`` rounded half away from zero as clinical papers round (16.5 → 17, 17.5 → 18,
    −2.5 → −3), from the decimal it stands for (77.1 − 59.6 = 17.5 → 18, not 17)."""
    exponent = Decimal(1).scaleb(-decimals)
    return _exact(value).quantize(exponent, rounding=ROUND_HALF_UP)


def number_text(value: Any, decimals: int = 0, *, signed: bool = False, missing: str = "—") -> str:
    """A number rounded half-up to ``decimals`` ("—" when missing); ``signed`` adds "+"."""
    if _missing(value):
        return missing
    rounded = round_half_up(value, decimals)
    if rounded == 0:
        rounded = abs(rounded)  # never "-0"
    text = f"{rounded:f}"
    return f"+{text}" if signed and rounded > 0 else text.replace("-", "−")


def percent_text(fraction: Any, decimals: int = 1) -> str:
    """0.5625 → '56.3' (half-up: 9 of 16 is 56.3 %, not 56.2 %)."""
    if _missing(fraction):
        return "—"
    return f"{round_half_up(_exact(fraction) * 100, decimals):f}"


# An Hb figure in a g/L sentence: a number, optionally chained to more numbers by a range or
# an arrow ("80–100 g/L", "60 → peak 77 g/L" is written "60 g/L → peak 77 g/L" by the
# writers), then "g/L". Only numbers directly before the unit are rewritten. The Chinese
# edition writes ranges with "～" ("95% CI +25.4～+45.8 g/L"), chained the same way.
_NUMBER = r"[+−-]?\d+(?:\.\d+)?"
_HB_FIGURE = re.compile(
    rf"(?<![\w.])(?P<chain>{_NUMBER}(?:\s*(?:–|-|→|to|～)\s*{_NUMBER})*)(?P<space>\s*)g/L(?![a-zA-Z])"
)
_ONE_NUMBER = re.compile(_NUMBER)
_BARE_UNIT = re.compile(r"(?<![\w/])g/L(?![a-zA-Z])")


@dataclass(frozen=True)
class Display:
    """How one reader sees numbers and words: Hb unit, rounding, language.

    Frozen and hashable, so it can key a cache (a chart built in g/dL is not the g/L one).
    """

    hb_unit: str = "g/L"
    #: The language in force where the display is made (:func:`lusp.i18n.current_language`).
    lang: str = field(default_factory=current_language)

    def __post_init__(self) -> None:
        if self.hb_unit not in _FACTOR:
            from lusp.i18n import _

            raise ValueError(_("Hb unit must be one of {units}, not {unit}").format(
                units=", ".join(HB_UNITS), unit=repr(self.hb_unit)))
        if self.lang not in LANGUAGES:
            raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, not {self.lang!r}")

    # ---- Hb -------------------------------------------------------------------------
    @property
    def factor(self) -> float:
        """Multiply a g/L value by this for the display unit (1 or 0.1)."""
        return float(_FACTOR[self.hb_unit])

    def hb_decimals(self, *, mean: bool = False) -> int:
        """Decimals of a single Hb value (0 g/L, 1 g/dL); one more for a mean."""
        return _HB_DECIMALS[self.hb_unit] + (1 if mean else 0)

    def hb_value(self, value_g_l: Any, *, mean: bool = False) -> float | None:
        """The displayed number for ``value_g_l`` (rounded half-up; None when missing): the
        value a table cell, a chart label and a sentence all show."""
        if _missing(value_g_l):
            return None
        return float(round_half_up(_exact(value_g_l) * _FACTOR[self.hb_unit], self.hb_decimals(mean=mean)))

    def hb_number(self, value_g_l: Any, *, signed: bool = False, mean: bool = False,
                  g_l_decimals: int | None = None) -> str:
        """"96", "9.6", "+18" — the number alone, as :meth:`hb_value` rounds it.

        ``g_l_decimals`` asks for more precision than a single value's (the study's means
        to two decimals: "60.61 g/L" = "6.061 g/dL"); g/dL then shows one more decimal.
        """
        if _missing(value_g_l):
            return "—"
        exact = _exact(value_g_l) * _FACTOR[self.hb_unit]
        decimals = self.hb_decimals(mean=mean) if g_l_decimals is None else g_l_decimals + _HB_DECIMALS[self.hb_unit]
        return number_text(exact, decimals, signed=signed)

    def hb(self, value_g_l: Any, *, signed: bool = False, mean: bool = False, g_l_decimals: int | None = None) -> str:
        """"96 g/L" / "9.6 g/dL"; "+18 g/L" with ``signed``; means one more decimal."""
        if _missing(value_g_l):
            return "—"
        return f"{self.hb_number(value_g_l, signed=signed, mean=mean, g_l_decimals=g_l_decimals)} {self.hb_unit}"

    def hb_title(self, what: str = "Hb") -> str:
        """An axis or column title: "Hb (g/dL)"."""
        return f"{what} ({self.hb_unit})"

    def hb_frame(self, frame: pd.DataFrame, columns: tuple[str, ...] = HB_COLUMNS) -> pd.DataFrame:
        """A copy of ``frame`` with its Hb columns in the display unit, rounded as
        :meth:`hb_value` rounds (machine names kept; :mod:`lusp.labels` titles them)."""
        out = frame.copy()
        for column in columns:
            if column in out.columns:
                out[column] = pd.array([self.hb_value(v) for v in out[column]], dtype="Float64")
        return out

    # ---- text -----------------------------------------------------------------------
    def text(self, sentence: Any) -> Any:
        """A sentence written in g/L with every Hb figure in the display unit.

        Each figure is re-expressed from the number as written (no double rounding): g/dL
        keeps one decimal, or the written decimals + 1 when the sentence gave more
        ("59.6 g/L" → "6.0 g/dL", "85.33 g/L" → "8.533"… → "8.53 g/dL"). Missing values pass
        through unchanged.
        """
        if self.hb_unit == "g/L" or not isinstance(sentence, str) or "g/L" not in sentence:
            return sentence

        def one(number: re.Match) -> str:
            raw = number.group(0).replace("−", "-")
            try:
                value = Decimal(raw)
            except InvalidOperation:  # pragma: no cover - the pattern only matches numbers
                return number.group(0)
            written = -value.as_tuple().exponent if value.as_tuple().exponent < 0 else 0
            decimals = max(_HB_DECIMALS[self.hb_unit], written + 1 if written else 0)
            signed = raw.startswith("+")
            text = number_text(value * _FACTOR[self.hb_unit], decimals, signed=signed)
            return text

        def figure(match: re.Match) -> str:
            chain = _ONE_NUMBER.sub(one, match.group("chain"))
            return f"{chain}{match.group('space')}{self.hb_unit}"

        converted = _HB_FIGURE.sub(figure, sentence)
        return _BARE_UNIT.sub(self.hb_unit, converted)  # "Hb (g/L)" in a heading

    def texts(self, values: Any) -> Any:
        """:meth:`text` over a column (a Series keeps its index and NA)."""
        if isinstance(values, pd.Series):
            if self.hb_unit == "g/L":
                return values
            return values.map(lambda v: v if _missing(v) else self.text(v))
        return [self.text(v) for v in values]

    # ---- other numbers --------------------------------------------------------------
    @staticmethod
    def number(value: Any, decimals: int = 0, *, signed: bool = False) -> str:
        return number_text(value, decimals, signed=signed)

    @staticmethod
    def percent(fraction: Any, decimals: int = 1) -> str:
        return percent_text(fraction, decimals)

    def label(self, key: str, **kwargs: Any) -> str:
        """The display label of ``key`` in :attr:`lang` (see :mod:`lusp.labels`)."""
        from lusp.labels import label

        return label(key, display=self, **kwargs)


#: The default display: g/L, English (a display made with ``Display()`` or
#: :func:`as_display` takes the language in force instead).
DEFAULT = Display(lang="en")


def as_display(value: Display | str | None) -> Display:
    """A :class:`Display` from a Display, an Hb unit string (the older ``hb_unit=``
    arguments) or None (g/L), in the language in force."""
    if value is None:
        return Display()
    if isinstance(value, Display):
        return value
    return Display(hb_unit=value)
