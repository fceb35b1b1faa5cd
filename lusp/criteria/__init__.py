"""Response criteria sets: one module per set, one registry.

Each module (``study``, ``iwg2006``, ``iwg2018``) defines ``NAME``, ``LABEL``, ``Params``
(a frozen dataclass built with :func:`lusp.params.param`), ``evaluate(cohort, params) ->
DataFrame`` and ``methods_text(params) -> str`` (``DESCRIPTION`` optional). Adding a set =
adding its module and its name to :data:`_MODULES`.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Callable

#: Criteria-set modules in display order. A name whose module is not written yet is skipped.
_MODULES: tuple[str, ...] = ("study", "iwg2006", "iwg2018")


@dataclass(frozen=True)
class CriteriaSet:
    """One selectable set of response definitions."""

    name: str
    english_label: str
    Params: type
    evaluate: Callable[..., Any]
    methods_text: Callable[..., str]
    english_description: str = ""

    @property
    def label(self) -> str:
        """The set's name in the language in force (the label registry's words)."""
        from lusp.labels import criteria_label

        return criteria_label(self.name)

    @property
    def description(self) -> str:
        """One line on the set, in the language in force (empty when it has none)."""
        from lusp.i18n import _

        return _(self.english_description) if self.english_description else ""  # i18n: lookup

    def default_params(self) -> Any:
        return self.Params()


def _load(module_name: str) -> CriteriaSet | None:
    full = f"{__name__}.{module_name}"
    try:
        module = importlib.import_module(full)
    except ModuleNotFoundError as exc:
        if exc.name == full:  # only "this set is not written yet", never a broken import inside it
            return None
        raise
    return CriteriaSet(
        name=module.NAME,
        english_label=module.LABEL,
        Params=module.Params,
        evaluate=module.evaluate,
        methods_text=module.methods_text,
        english_description=getattr(module, "DESCRIPTION", ""),
    )


CRITERIA: dict[str, CriteriaSet] = {s.name: s for s in map(_load, _MODULES) if s is not None}


def get_criteria(name: str) -> CriteriaSet:
    """The set called ``name``; a ``ValueError`` naming the choices otherwise."""
    try:
        return CRITERIA[name]
    except KeyError:
        raise ValueError(f"unknown criteria set {name!r}; choose one of {', '.join(CRITERIA)}") from None
