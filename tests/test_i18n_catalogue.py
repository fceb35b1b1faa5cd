"""The message catalogues: every marked English string has its Chinese, with the same
placeholders, and nothing is marked in a way ``pybabel extract`` cannot read."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from lusp.i18n import DOMAIN, LANGUAGES, LOCALE_DIR, SOURCE_LANGUAGE
from lusp.i18n_extract import extract_messages, registry_entries
from tests.zh_support import english_phrases

ROOT = Path(__file__).resolve().parents[1]
OTHER_LANGUAGES = [lang for lang in LANGUAGES if lang != SOURCE_LANGUAGE]
_PLACEHOLDER = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)(?:[:!][^}]*)?\}(?!\})")


@pytest.fixture(scope="module")
def source_messages():
    return extract_messages(ROOT)


def _catalog(lang):
    path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    assert path.exists(), f"{path} missing: run make messages"
    with path.open("rb") as handle:
        return read_po(handle, locale=lang, domain=DOMAIN)


def _strings(message):
    return message.string if isinstance(message.string, tuple) else (message.string,)


def test_the_source_marks_messages(source_messages):
    # The extraction itself works: the registry and a page title are found.
    assert (None, "Overview") in source_messages
    assert ("criteria.iwg2006", "IWG 2006 HI-E") in source_messages
    assert len(source_messages) > 150


@pytest.mark.parametrize("lang", OTHER_LANGUAGES)
def test_every_message_is_translated(source_messages, lang):
    catalog = _catalog(lang)
    missing = []
    for (context, msgid), entry in source_messages.items():
        message = catalog.get((msgid, entry["plural"]) if entry["plural"] else msgid, context=context)
        if message is None or message.fuzzy or not all(_strings(message)):
            path, line = entry["locations"][0]
            missing.append(f"{path}:{line} {msgid!r}")
    assert not missing, (f"{len(missing)} message(s) without a {lang} translation "
                         f"(python scripts/messages.py update; then translate): " + "; ".join(missing[:20]))


@pytest.mark.parametrize("lang", OTHER_LANGUAGES)
def test_catalogue_holds_no_stale_message(source_messages, lang):
    stale = [m.id for m in _catalog(lang) if m.id and ((m.context, m.id if isinstance(m.id, str) else m.id[0])
                                                       not in source_messages)]
    assert not stale, f"{len(stale)} message(s) no longer in the source (make messages drops them): {stale[:10]}"


@pytest.mark.parametrize("lang", OTHER_LANGUAGES)
def test_translations_keep_the_placeholders(lang):
    wrong = []
    for message in _catalog(lang):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        wanted = set(_PLACEHOLDER.findall(ids[-1])) | set(_PLACEHOLDER.findall(ids[0]))
        for text in _strings(message):
            if text and set(_PLACEHOLDER.findall(text)) != wanted:
                wrong.append(f"{ids[0]!r} → {text!r}")
    assert not wrong, "placeholders differ: " + "; ".join(wrong[:10])


@pytest.mark.parametrize("lang", OTHER_LANGUAGES)
def test_translations_are_not_english(lang):
    # A msgstr copied from the msgid (or left half English) is not a translation.
    suspicious = []
    for message in _catalog(lang):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        for text in _strings(message):
            # {placeholders} are filled in, never shown; "deck:::" is the CLI's machine prefix.
            shown = re.sub(r"^\w+:::", "", re.sub(r"\{[^{}]*\}", " ", text or ""))
            # A table or column name the user types ("patients", "day") stays as the English
            # message writes it: a machine name, not English left.
            english = " ".join(ids)
            machine = [name for name in _MACHINE_NAMES if re.search(rf"\b{re.escape(name)}\b", english)]
            found = english_phrases(shown, data_values=machine) if shown else []
            found = [w for w in found if w not in machine]
            if found:
                suspicious.append(f"{message.id!r} → {text!r}: {found}")
    assert not suspicious, f"{len(suspicious)} translation(s) still hold English: " + "; ".join(suspicious[:10])


def _machine_names() -> frozenset[str]:
    from lusp.cohort import TABLE_COLUMNS

    names = set(TABLE_COLUMNS)
    for columns in TABLE_COLUMNS.values():
        names.update(columns if not isinstance(columns, dict) else columns.keys())
    return frozenset(n for n in names if isinstance(n, str) and n.isascii())


_MACHINE_NAMES = _machine_names()
_MARKERS = {"_", "N_", "gettext", "ngettext", "pgettext", "Text"}


def _python_files():
    yield ROOT / "app.py"
    yield ROOT / "app_state.py"
    yield from sorted((ROOT / "app_pages").glob("*.py"))
    yield from sorted((ROOT / "lusp").rglob("*.py"))


def test_markers_get_literal_strings():
    """``_(f"…")`` or ``_("a" + b)`` cannot be extracted or looked up: the message must
    be a literal with ``{name}`` placeholders filled by ``.format``. A line that looks up a
    message marked elsewhere (``N_`` constants, the label registry) says so with a
    ``# i18n: lookup`` comment."""
    bad = []
    for path in _python_files():
        if path.name == "i18n.py":
            continue
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        tree = ast.parse(source)
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _MARKERS):
                continue
            if "i18n: lookup" in lines[node.lineno - 1]:  # a lookup of a message marked elsewhere
                continue
            literal_args = node.args[:2] if node.func.id in ("ngettext", "pgettext") else node.args[:1]
            for arg in literal_args:
                if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
                    bad.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.func.id}({ast.unparse(arg)[:60]})")
    assert not bad, "non-literal messages: " + "; ".join(bad[:15])


def test_registry_extractor_reads_every_label():
    from lusp.labels import MESSAGES

    found = {(key, text) for _line, key, text in registry_entries((ROOT / "lusp" / "labels.py").read_text("utf-8"))}
    expected = set()
    for key, value in MESSAGES["en"].items():
        for text in (value if isinstance(value, tuple) else (value,)):
            expected.add((key, text))
    assert found == expected
