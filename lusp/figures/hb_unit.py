"""Hb display unit: canonical g/L inside, g/L or g/dL on screen (display only)."""
from __future__ import annotations

HB_UNITS: tuple[str, ...] = ("g/L", "g/dL")

#: Multiply a g/L value by this to display it in the unit.
_FACTOR = {"g/L": 1.0, "g/dL": 0.1}


def hb_factor(unit: str) -> float:
    """The factor from g/L to ``unit`` (``ValueError`` for an unknown unit)."""
    try:
        return _FACTOR[unit]
    except KeyError:
        raise ValueError(f"Hb unit must be one of {', '.join(HB_UNITS)}, not {unit!r}") from None


def hb_text(value_g_l: float, unit: str) -> str:
    """``value_g_l`` written in ``unit`` with the unit's customary precision: 96 g/L, 9.6 g/dL
    (rounded half-up by :class:`lusp.display.Display`, as every other display of it)."""
    from lusp.display import Display

    hb_factor(unit)  # the plain ValueError for an unknown unit
    return Display(hb_unit=unit).hb(value_g_l)
