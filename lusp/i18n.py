"""Languages: one gettext message catalogue per language, read through Babel.

Why gettext ``.po`` through Babel: it is the standard translators and their tools know
(Poedit, Weblate, ``msgfmt``), the English sentence itself is the message id (so the code
reads as English and a missing translation falls back to English, never to a code name),
``pybabel extract`` finds every marked string in the source (``make messages``), and each
entry can carry a translator's comment and a context. The catalogue is read from the
``.po`` text at first use (``babel.messages.pofile.read_po``); no compiled ``.mo`` is kept
in the repository.

- English is the source language: ``lusp/locale/<lang>/LC_MESSAGES/lusp.po`` holds every
  other language (today: ``zh``, simplified Chinese as Chinese hematology journals write it).
- Mark a sentence with :func:`_` (translated now, in the current language), :func:`N_`
  (only marked: a module-level constant translated where it is shown), :func:`ngettext`
  (a count), :func:`pgettext` (a short word whose meaning needs a context). Placeholders
  are ``str.format`` names: ``_("Row {row}: {column} is empty").format(row=…, column=…)``.
- :class:`Text` is an English sentence that remembers its message id and arguments, so a
  message made once (a loading problem kept in the session, an exception) is said again in
  whatever language the reader switches to (:func:`say`).
- The registry of display labels (:mod:`lusp.labels`) is keyed; its English labels are
  translated with the key as context (:func:`pgettext`), extracted by
  :func:`lusp.i18n_extract.extract_registry`.

The language in force: :func:`use_language` (the CLI's ``--lang``, a test, a worker) sets
it for a block; otherwise the provider the app registers (:func:`set_language_provider`,
reading that user's session) answers; otherwise English. Nothing here imports Streamlit.
"""
from __future__ import annotations

import re
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterator

#: Every language the product speaks, in the order the switch shows them.
LANGUAGES: tuple[str, ...] = ("en", "zh")
#: Each language's name in itself, for the switch ("中文 / English").
LANGUAGE_NAMES: dict[str, str] = {"en": "English", "zh": "中文"}
SOURCE_LANGUAGE = "en"
DOMAIN = "lusp"
LOCALE_DIR = Path(__file__).with_name("locale")

_current: ContextVar[str | None] = ContextVar("lusp_language", default=None)
_provider: Callable[[], str | None] | None = None


# ---- which language ------------------------------------------------------------------
def check_language(lang: str) -> str:
    """``lang`` if the product speaks it; a ValueError naming the choices otherwise."""
    if lang not in LANGUAGES:
        choices = ", ".join(f"{code} ({LANGUAGE_NAMES[code]})" for code in LANGUAGES)
        raise ValueError(f"language must be one of {choices}, not {lang!r}")
    return lang


def current_language() -> str:
    """The language in force: :func:`use_language`, else the app's provider, else English."""
    lang = _current.get()
    if lang is None and _provider is not None:
        try:
            lang = _provider()
        except Exception:  # outside a user's session (a worker thread): the source language
            lang = None
    return lang if lang in LANGUAGES else SOURCE_LANGUAGE


@contextmanager
def use_language(lang: str | None) -> Iterator[str]:
    """Speak ``lang`` inside the block (None: keep the language in force)."""
    if lang is None:
        yield current_language()
        return
    token = _current.set(check_language(lang))
    try:
        yield lang
    finally:
        _current.reset(token)


def set_language_provider(provider: Callable[[], str | None] | None) -> None:
    """Register where the language comes from when no block set it (the app: the
    current session's choice). The provider must answer for the caller's own session."""
    global _provider
    _provider = provider


def negotiate(accept: str | None) -> str:
    """The language for a browser locale or ``Accept-Language`` value ("zh-CN",
    "zh-Hans-CN,zh;q=0.9,en;q=0.8" → "zh"; "en-GB", "fr", None → "en")."""
    if not accept:
        return SOURCE_LANGUAGE
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(str(accept).split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        match = re.search(r"q=([^;,]*)", params)
        if match:
            try:
                quality = float(match.group(1))
            except ValueError:
                quality = 0.0
        base = tag.strip().lower().replace("_", "-").split("-")[0]
        if base:
            ranked.append((-quality, position, base))
    for _quality, _position, base in sorted(ranked):
        if base in LANGUAGES:
            return base
    return SOURCE_LANGUAGE


# ---- catalogues ----------------------------------------------------------------------
def catalogue_paths(lang: str) -> list[Path]:
    """The ``.po`` file(s) of ``lang`` (none for English, the source language)."""
    folder = LOCALE_DIR / lang / "LC_MESSAGES"
    return sorted(folder.glob("*.po")) if folder.is_dir() else []


@lru_cache(maxsize=None)
def _translations(lang: str) -> dict[tuple[str | None, str], tuple[str, ...]]:
    """``{(context, msgid): (msgstr forms…)}`` of ``lang``; fuzzy and empty entries are
    left out (they fall back to English, and the catalogue test names them)."""
    from babel.messages.pofile import read_po

    table: dict[tuple[str | None, str], tuple[str, ...]] = {}
    for path in catalogue_paths(lang):
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=lang, domain=DOMAIN)
        for message in catalog:
            if not message.id or message.fuzzy:
                continue
            msgid = message.id[0] if isinstance(message.id, (tuple, list)) else message.id
            forms = tuple(message.string) if isinstance(message.string, (tuple, list)) else (message.string,)
            if any(forms):
                table[(message.context, msgid)] = forms
    return table


def reload_catalogues() -> None:
    """Forget the catalogues read so far (a test that writes one; ``make messages``)."""
    _translations.cache_clear()


def _lookup(context: str | None, msgid: str, lang: str | None) -> tuple[str, ...] | None:
    lang = current_language() if lang is None else lang
    if lang == SOURCE_LANGUAGE:
        return None
    return _translations(check_language(lang)).get((context, msgid))


# ---- translating ---------------------------------------------------------------------
def gettext(message: str, *, lang: str | None = None) -> str:
    """``message`` in the current language (or ``lang``); English when untranslated."""
    forms = _lookup(None, message, lang)
    return forms[0] if forms else message


_ = gettext


def N_(message: str) -> str:
    """Mark ``message`` for the catalogue without translating it now (a constant)."""
    return message


def ngettext(singular: str, plural: str, n: int, *, lang: str | None = None) -> str:
    """The form for ``n`` ("1 patient" / "3 patients"); Chinese has one form."""
    forms = _lookup(None, singular, lang)
    if forms:
        return forms[0] if len(forms) == 1 else forms[0 if n == 1 else 1]
    return singular if n == 1 else plural


def pgettext(context: str, message: str, *, lang: str | None = None) -> str:
    """``message`` in the sense ``context`` gives it (a registry key, "TD filter")."""
    forms = _lookup(context, message, lang)
    return forms[0] if forms else message


def language_name(lang: str) -> str:
    return LANGUAGE_NAMES[check_language(lang)]


# ---- sentences said again later ------------------------------------------------------
class Text(str):
    """An English sentence that keeps its message id and arguments.

    It *is* the English string (comparisons, ``in``, logging and the CSV of problems read
    it as before); :meth:`said` gives it in another language, each argument that is itself a
    :class:`Text` said too. Made with ``Text("Row {row} has no date", row=4)``; pickles by
    its parts (the upload sandbox sends problems back this way).
    """

    def __new__(cls, msgid: str, /, **params: Any) -> "Text":
        english = msgid.format(**params) if params else msgid
        obj = super().__new__(cls, english)
        obj.msgid = msgid
        obj.params = params
        return obj

    def said(self, lang: str | None = None) -> str:
        template = gettext(self.msgid, lang=lang)
        if not self.params:
            return template
        params = {k: (v.said(lang) if isinstance(v, Text) else v) for k, v in self.params.items()}
        try:
            return template.format(**params)
        except (KeyError, IndexError, ValueError):  # a broken translation: the English, never a crash
            return self.msgid.format(**self.params)

    def __reduce__(self):
        return (_rebuild_text, (self.msgid, dict(self.params)))


def _rebuild_text(msgid: str, params: dict[str, Any]) -> Text:
    return Text(msgid, **params)


def say(value: Any, lang: str | None = None) -> Any:
    """A :class:`Text` in the current language (or ``lang``); anything else unchanged
    (a data value, a file name, a sentence already in the reader's language)."""
    return value.said(lang) if isinstance(value, Text) else value
