"""Luspatercept Cohort Explorer: the analysis package behind the dashboard and the CLI.

The public API, imported lazily so ``import lusp`` is cheap and never fails because an
optional part (figures, exports) cannot be imported::

    from lusp import load_cohort, analyze, summarize
    cohort = load_cohort("data/demo_cohort.xlsx")
    results = analyze(cohort, criteria="study", params={"ti_days": 84})
    summary = summarize(results)
"""
from __future__ import annotations

import importlib
from typing import Any

#: public name → (module, attribute)
_EXPORTS: dict[str, tuple[str, str]] = {
    "load_cohort": ("lusp.load", "load_cohort"),
    "Cohort": ("lusp.cohort", "Cohort"),
    "CohortLoadError": ("lusp.validate", "CohortLoadError"),
    "analyze": ("lusp.analysis", "analyze"),
    "summarize": ("lusp.analysis", "summarize"),
    "Results": ("lusp.analysis", "Results"),
    "CRITERIA": ("lusp.criteria", "CRITERIA"),
    "PROTOCOLS": ("lusp.protocol", "PROTOCOLS"),
    "StudyParams": ("lusp.criteria.study", "StudyParams"),
    "StudyProtocolParams": ("lusp.protocol.study", "StudyProtocolParams"),
    "describe_params": ("lusp.params", "describe"),
    "clopper_pearson": ("lusp.stats", "clopper_pearson"),
    "rate_table": ("lusp.stats", "rate_table"),
    "results_paragraph": ("lusp.narrative", "results_paragraph"),
    "methods_paragraph": ("lusp.narrative", "methods_paragraph"),
    "Display": ("lusp.display", "Display"),
    "label": ("lusp.labels", "label"),
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    try:
        module_name, attribute = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'lusp' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module_name), attribute)
    globals()[name] = value  # cache: the next access skips __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
