"""Language-aware sentence assembly: the few joins whose punctuation differs by language.

English joins sentences with a space, lists with ", " and a final " and ", clauses with
"; "; Chinese writes sentences back to back, lists with "、" and a final "和", clauses with
"；". Every writer of analysis text (reasons, findings, the results and methods
paragraphs) joins through these, so no English word order or punctuation is baked in.
"""
from __future__ import annotations

from typing import Iterable

from lusp.i18n import current_language


def _zh() -> bool:
    return current_language() == "zh"


def join_sentences(parts: Iterable[str]) -> str:
    """Whole sentences one after another ("A. B." / "甲。乙。")."""
    parts = [p for p in parts if p]
    return ("" if _zh() else " ").join(parts)


def clause_separator() -> str:
    """"; " / "；" (between two clauses of one sentence)."""
    return "；" if _zh() else "; "


def join_clauses(parts: Iterable[str]) -> str:
    """Clauses of one sentence ("a; b" / "甲；乙")."""
    parts = [p for p in parts if p]
    return ("；" if _zh() else "; ").join(parts)


def join_list(items: Iterable[str], *, conjunction: str = "and") -> str:
    """"a", "a and b", "a, b and c" — in Chinese "甲", "甲和乙", "甲、乙和丙" ("or": "或")."""
    items = [str(i) for i in items if i not in (None, "")]
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    if _zh():
        word = "或" if conjunction == "or" else "和"
        return "、".join(items[:-1]) + word + items[-1]
    word = "or" if conjunction == "or" else "and"
    return ", ".join(items[:-1]) + f" {word} " + items[-1]


def full_stop() -> str:
    """"." / "。" (the end of a sentence assembled from clauses)."""
    return "。" if _zh() else "."


def join_list_of_doses(items: Iterable[str]) -> str:
    """A plain enumeration without a conjunction ("1.25, 1.5" / "1.25、1.5")."""
    return ("、" if _zh() else ", ").join(str(i) for i in items)


def join_parameters(items: Iterable[str]) -> str:
    """Parameter statements one after another ("a: 1; b: 2" / "甲：1；乙：2")."""
    return ("；" if _zh() else "; ").join(str(i) for i in items)
