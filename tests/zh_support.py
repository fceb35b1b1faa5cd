"""Finding English left in the Chinese edition (used by every "?lang=zh" test).

A Chinese screen may keep abbreviations, units, trial and criteria names, gene names,
patient IDs, file names and data values as Chinese journals print them ("Hb 80 g/L",
"IWG 2006 HI-E", "MEDALIST", "SF3B1", "95% CI", "DEMO-07"); what it must not show is an
English *sentence* or phrase. :func:`english_phrases` flags a text that still holds an
English function word or common word ("the", "of", "patients", "before", …) standing as a
word, outside the allowed names below.
"""
from __future__ import annotations

import re
from typing import Iterable

#: Words that only appear in English prose (never in an abbreviation or a name we keep).
ENGLISH_WORDS = frozenset("""
a an the of and or to in on at by for from with without into onto over under between than then
is are was were be been being has have had do does did not no none yes all any each every both
this that these those which who whom whose what when where why how there here it its they their
patient patients day days week weeks month months year years unit units dose doses before after
during since until while rate rates response responder responders responded non evaluable
transfusion transfusions transfused independent independence dependent baseline follow followup
show shows shown see open choose chosen click upload download load loaded file files table tables
row rows column columns value values missing page chart charts slide slides deck report summary
filter filters subgroup subgroups overview safety data early trial trials review protocol
criteria parameter parameters default defaults set sets change changed reset help note notes
highest lowest peak rise fall spike spikes transient sustained first last mean median range total
because only also more less most least one two three four five six seven eight nine ten
should must can cannot could would will may might please here your you we our us
""".split())

#: Names and citation fragments a Chinese text keeps in English (regular expressions).
ALLOWED = (
    r"et al\.?", r"\bBlood\b", r"\bLancet\b", r"N Engl J Med", r"\bJ Clin Oncol\b", r"Leukemia",
    r"Luspatercept Cohort Explorer", r"Clopper[–-]Pearson", r"Fisher", r"Wilson", r"Kaplan[–-]Meier",
    r"MEDALIST", r"COMMANDS", r"BELIEVE", r"IMerge", r"HI-E", r"IWG", r"Cheson", r"Platzbecker",
    r"Fenaux", r"Della Porta", r"Zeidan", r"Cappellini", r"Streamlit", r"Excel", r"Word", r"PowerPoint",
    r"CSV", r"XLSX", r"JSON", r"PNG", r"SVG", r"PDF", r"SDTM", r"ADaM", r"CDISC", r"\bLIS\b", r"\bHIS\b",
    r"\S+\.(?:xlsx|xls|csv|zip|xpt|json|pptx|docx|png|svg|pdf|gz|md)\b",
)
_ALLOWED = re.compile("|".join(f"(?:{p})" for p in ALLOWED), re.IGNORECASE)
_PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")
_WORD = re.compile(r"(?<![A-Za-z0-9_\-./])[A-Za-z]+(?:'[a-z]+)?(?![A-Za-z0-9_\-/])")


def english_phrases(text: str, *, data_values: Iterable[str] = ()) -> list[str]:
    """The English words of ``text`` that betray an untranslated phrase ([] when none).

    ``data_values`` are strings from the cohort itself (diagnoses, covariate names and
    levels, file names): shown as the user wrote them, never counted.
    """
    if not text:
        return []
    cleaned = _PLACEHOLDER.sub(" ", str(text))  # "{criteria}" in a msgstr is a name, never shown
    for value in sorted({str(v) for v in data_values if v}, key=len, reverse=True):
        cleaned = cleaned.replace(value, " ")
    cleaned = _ALLOWED.sub(" ", cleaned)
    # An all-capitals word is an abbreviation or a variable name (DOSE, TD), never prose.
    return [w for w in _WORD.findall(cleaned) if w.lower() in ENGLISH_WORDS and not (w.isupper() and len(w) > 1)]


def assert_chinese(text: str, where: str, *, data_values: Iterable[str] = ()) -> None:
    found = english_phrases(text, data_values=data_values)
    assert not found, f"{where}: English left in the Chinese edition: {found[:8]} in {str(text)[:300]!r}"
