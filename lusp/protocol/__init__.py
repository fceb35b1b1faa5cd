"""Dose-protocol reviews: one module per protocol, one registry.

Each module (``study``; ``label_mds`` to follow) defines ``NAME``, ``LABEL``, ``Params``
(a frozen dataclass built with :func:`lusp.params.param`), ``RULES``,
``review(cohort, results_table, params) -> DataFrame`` and ``methods_text(params)``.
Adding a protocol = adding its module and its name to :data:`_MODULES`.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Callable

import pandas as pd

from lusp.protocol.common import FINDING_COLUMNS, empty_findings

#: Protocol modules in display order. A name whose module is not written yet is skipped.
_MODULES: tuple[str, ...] = ("study", "label_mds")


@dataclass(frozen=True)
class Protocol:
    """One selectable dosing protocol."""

    name: str
    english_label: str
    Params: type
    rules: tuple[str, ...]
    review: Callable[..., pd.DataFrame]
    methods_text: Callable[..., str]
    english_description: str = ""

    @property
    def label(self) -> str:
        """The protocol's name in the language in force."""
        from lusp.i18n import _

        return _(self.english_label)  # i18n: lookup

    @property
    def description(self) -> str:
        """One line on the protocol, in the language in force (empty when it has none)."""
        from lusp.i18n import _

        return _(self.english_description) if self.english_description else ""  # i18n: lookup


def _load(module_name: str) -> Protocol | None:
    full = f"{__name__}.{module_name}"
    try:
        module = importlib.import_module(full)
    except ModuleNotFoundError as exc:
        if exc.name == full:  # only "not written yet", never a broken import inside it
            return None
        raise
    return Protocol(
        name=module.NAME,
        english_label=module.LABEL,
        Params=module.Params,
        rules=tuple(module.RULES),
        review=module.review,
        methods_text=module.methods_text,
        english_description=getattr(module, "DESCRIPTION", ""),
    )


PROTOCOLS: dict[str, Protocol] = {p.name: p for p in map(_load, _MODULES) if p is not None}


def get_protocol(name: str) -> Protocol:
    """The protocol called ``name``; a ``ValueError`` naming the choices otherwise."""
    try:
        return PROTOCOLS[name]
    except KeyError:
        raise ValueError(f"unknown dose protocol {name!r}; choose one of {', '.join(PROTOCOLS)}") from None


def review(cohort, results_table: pd.DataFrame, protocol: str = "study", params: Any = None) -> pd.DataFrame:
    """The findings of ``protocol`` for every patient (columns :data:`FINDING_COLUMNS`).

    ``protocol=None`` or ``"none"`` returns an empty findings frame (no review).
    """
    if protocol in (None, "none"):
        return empty_findings()
    chosen = get_protocol(protocol)
    return chosen.review(cohort, results_table, params if params is not None else chosen.Params())


__all__ = ["FINDING_COLUMNS", "PROTOCOLS", "Protocol", "get_protocol", "review"]
