"""The language machinery (lusp.i18n): which language is in force, lookups, Text."""
from __future__ import annotations

import pickle
import threading

import pytest

from lusp import i18n
from lusp.display import Display, as_display
from lusp.i18n import Text, _, current_language, negotiate, ngettext, pgettext, say, use_language


@pytest.mark.parametrize("accept, lang", [
    (None, "en"), ("", "en"), ("en-US", "en"), ("zh-CN", "zh"), ("zh_TW", "zh"), ("zh-Hans-CN", "zh"),
    ("fr-FR,zh;q=0.9,en;q=0.8", "zh"), ("fr-FR,en;q=0.9,zh;q=0.8", "en"), ("de", "en"),
    ("en;q=0.5,zh;q=0.7", "zh"), ("zh;q=bad,en", "en"),
])
def test_negotiate_browser_language(accept, lang):
    assert negotiate(accept) == lang


def test_use_language_nests_and_restores():
    assert current_language() == "en"
    with use_language("zh"):
        assert current_language() == "zh"
        with use_language("en"):
            assert current_language() == "en"
        with use_language(None):
            assert current_language() == "zh"
        assert Display().lang == "zh" and as_display("g/dL").lang == "zh"
    assert current_language() == "en" and Display().lang == "en"


def test_unknown_language_is_refused_by_name():
    with pytest.raises(ValueError, match="en \\(English\\), zh \\(中文\\)"):
        with use_language("fr"):
            pass
    with pytest.raises(ValueError):
        Display(lang="fr")


def test_provider_answers_when_no_block_set_the_language():
    try:
        i18n.set_language_provider(lambda: "zh")
        assert current_language() == "zh"
        with use_language("en"):
            assert current_language() == "en"
        i18n.set_language_provider(lambda: 1 / 0)  # outside a session: English, never a crash
        assert current_language() == "en"
        i18n.set_language_provider(lambda: "xx")
        assert current_language() == "en"
    finally:
        i18n.set_language_provider(None)


def test_language_does_not_leak_into_another_thread():
    seen = []
    with use_language("zh"):
        worker = threading.Thread(target=lambda: seen.append(current_language()))
        worker.start()
        worker.join()
    assert seen == ["en"]


def test_lookup_falls_back_to_english_and_uses_the_catalogue(tmp_path, monkeypatch):
    folder = tmp_path / "zh" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "lusp.po").write_text(
        'msgid ""\nmsgstr ""\n"Language: zh\\n"\n"Plural-Forms: nplurals=1; plural=0;\\n"\n\n'
        'msgid "Patients"\nmsgstr "患者"\n\n'
        'msgctxt "column.responder"\nmsgid "Responder"\nmsgstr "有效"\n\n'
        'msgid "{n} patient"\nmsgid_plural "{n} patients"\nmsgstr[0] "{n} 例患者"\n\n'
        'msgid "Row {row} has no date"\nmsgstr "第 {row} 行没有日期"\n\n'
        '#, fuzzy\nmsgid "Fuzzy"\nmsgstr "模糊"\n\n'
        'msgid "Broken {row}"\nmsgstr "坏 {行}"\n', encoding="utf-8")
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n.reload_catalogues()
    try:
        assert _("Patients") == "Patients"  # English in force
        with use_language("zh"):
            assert _("Patients") == "患者"
            assert _("Not in the catalogue") == "Not in the catalogue"
            assert _("Fuzzy") == "Fuzzy"  # a fuzzy entry is not a translation
            assert pgettext("column.responder", "Responder") == "有效"
            assert _("Responder") == "Responder"  # the context is part of the key
            assert ngettext("{n} patient", "{n} patients", 3).format(n=3) == "3 例患者"
            message = Text("Row {row} has no date", row=4)
            assert message == "Row 4 has no date"  # it is the English string
            assert say(message) == "第 4 行没有日期"
            assert say("a data value") == "a data value"
            assert Text("Broken {row}", row=1).said() == "Broken 1"  # a bad translation: English, no crash
        assert ngettext("{n} patient", "{n} patients", 1).format(n=1) == "1 patient"
        assert say(message) == "Row 4 has no date"
        assert message.said("zh") == "第 4 行没有日期"
        again = pickle.loads(pickle.dumps(message))
        assert isinstance(again, Text) and again.said("zh") == "第 4 行没有日期" and again == message
    finally:
        i18n.reload_catalogues()


def test_text_nested_arguments_are_said_too():
    inner = Text("the hb table")
    outer = Text("Problem in {where}", where=inner)
    assert outer == "Problem in the hb table"
    assert outer.said("en") == "Problem in the hb table"


def test_sandbox_allows_text_in_a_load_result():
    from lusp.sandbox import _SafeUnpickler

    message = Text("Row {row} has no date", row=7)
    assert _SafeUnpickler.loads(pickle.dumps(message)).params == {"row": 7}
