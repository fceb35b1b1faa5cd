"""Parameters are data: every threshold is a dataclass field with a human label and unit.

Each criteria set defines one frozen dataclass whose fields are declared with
:func:`param`. The sidebar, the methods paragraph and the CLI all read the same metadata
through :func:`describe`, so a threshold is named once.
"""
from __future__ import annotations

from dataclasses import MISSING, Field, field, fields, replace
from typing import Any


def param(
    default: Any,
    label: str,
    unit: str = "",
    *,
    min: float | None = None,
    max: float | None = None,
    choices: tuple[str, ...] | None = None,
    help: str = "",
    cli: str | None = None,
) -> Any:
    """A dataclass field carrying its label, unit, allowed range and CLI option name."""
    meta = {"label": label, "unit": unit, "min": min, "max": max, "choices": choices, "help": help, "cli": cli}
    return field(default=default, metadata=meta)


def describe(params: Any) -> list[dict[str, Any]]:
    """One dict per parameter: name, label, unit, value, default, min, max, choices, help, cli.

    ``label`` and ``help`` are said in the language in force *now* (the fields hold the
    English, marked with ``N_``), so the sidebar and the methods paragraph follow the switch.
    """
    from lusp.i18n import _

    out = []
    for f in fields(params):
        meta = f.metadata
        out.append(
            {
                "name": f.name,
                "label": _(meta["label"]) if meta.get("label") else f.name,  # i18n: lookup
                "unit": meta.get("unit", ""),
                "value": getattr(params, f.name),
                "default": f.default if f.default is not MISSING else None,
                "min": meta.get("min"),
                "max": meta.get("max"),
                "choices": meta.get("choices"),
                "help": _(meta["help"]) if meta.get("help") else "",  # i18n: lookup
                "cli": meta.get("cli") or "--" + f.name.replace("_", "-"),
            }
        )
    return out


def changed(params: Any) -> dict[str, Any]:
    """The parameters that differ from their defaults (for captions: 'TI ≥ 84 days')."""
    return {d["name"]: d["value"] for d in describe(params) if d["value"] != d["default"]}


def with_values(params: Any, **values: Any) -> Any:
    """A copy of ``params`` with ``values`` set, each checked against its range/choices."""
    from lusp.i18n import _

    by_name: dict[str, Field] = {f.name: f for f in fields(params)}
    for name, value in values.items():
        if name not in by_name:
            raise ValueError(f"unknown parameter {name!r}")
        meta = by_name[name].metadata
        lo, hi, choices = meta.get("min"), meta.get("max"), meta.get("choices")
        if choices and value not in choices:
            raise ValueError(_("{label}: {value} is not one of {choices}").format(
                label=_(meta["label"]) if meta.get("label") else name, value=repr(value),  # i18n: lookup
                choices=", ".join(choices)))
        if lo is not None and value < lo or hi is not None and value > hi:
            raise ValueError(_("{label}: {value} is outside {lo}–{hi}").format(
                label=_(meta["label"]) if meta.get("label") else name, value=value, lo=lo, hi=hi))  # i18n: lookup
    return replace(params, **values)
