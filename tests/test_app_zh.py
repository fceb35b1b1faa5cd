"""The Chinese edition of the app shell and pages (issue 13): every page with ``?lang=zh``
and through the sidebar switch, the language kept through a page switch, in the shared
link and in presentation mode, the browser's language as the default.

What a page shows in Chinese comes from two places: the app's own words (``app.py``,
``app_state.py``, ``app_pages/``: translated here, must hold no English) and words made
by ``lusp`` modules other developers of #13 translate on their branches (parameter labels
and help, reason sentences, protocol findings, results/methods paragraphs, Table 1 rows,
chart and outcome labels). Each English text left on a page is traced to its source: a
message of the catalogue, or a string literal of a ``lusp`` file. English the trace does not
explain is the app's own and fails :func:`test_page_keeps_no_english_of_its_own`; English
from another module is listed, file by file, by the ``xfail`` test
:func:`test_page_shows_no_english_at_all` (the lead removes the mark once the branches merge).
"""
from __future__ import annotations

import json

import ast
import re
from functools import lru_cache
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lusp.demo import make_demo_cohort
from lusp.i18n import LOCALE_DIR
from tests.zh_support import english_phrases

ROOT = Path(__file__).resolve().parents[1]
PAGES = {"app_pages/overview.py": "概览", "app_pages/patients.py": "患者", "app_pages/transfusions.py": "输血",
         "app_pages/responses.py": "疗效与亚组", "app_pages/early.py": "早期评估与试验对照",
         "app_pages/safety.py": "安全性", "app_pages/data.py": "数据"}
#: The files whose words this suite holds to Chinese (the app shell and its pages).
APP_FILES = ("app.py", "app_state.py", "app_pages/")
CJK = re.compile(r"[\u4e00-\u9fff]")


# ---- where an English text comes from --------------------------------------------------------
def _is_app(path: str) -> bool:
    return path.startswith(APP_FILES)


def _words(text: str) -> list[str]:
    return [w.lower() for w in re.findall(r"[A-Za-z]+", text)]


def _grams(words: list[str]) -> set[tuple[str, ...]]:
    """Runs of three words (the whole text when shorter): enough to tell whose sentence it is."""
    if len(words) < 3:
        return {tuple(words)} if words else set()
    return {tuple(words[i:i + 3]) for i in range(len(words) - 2)}


def _all_grams(words: list[str]) -> set[tuple[str, ...]]:
    return {tuple(words[i:i + n]) for n in (1, 2, 3) for i in range(len(words) - n + 1)}


@lru_cache(maxsize=1)
def _sources() -> dict[tuple[str, ...], frozenset[str]]:
    """``{run of 1–3 words: files whose string literals (f-string parts too) hold it}`` over
    ``lusp/`` and the app's files, plus the English of every catalogue message by location."""
    from babel.messages.pofile import read_po

    found: dict[tuple[str, ...], set[str]] = {}

    def add(text: str, where: str) -> None:
        for gram in _all_grams(_words(text)):
            found.setdefault(gram, set()).add(where)

    for gram, paths in _catalogue_grams().items():  # a marked message names its file first
        found.setdefault(gram, set()).update(paths)

    files = [*sorted((ROOT / "lusp").rglob("*.py")), ROOT / "app.py", ROOT / "app_state.py",
             *sorted((ROOT / "app_pages").glob("*.py"))]
    for path in files:
        where = str(path.relative_to(ROOT))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                add(node.value, where)
    return {gram: frozenset(paths) for gram, paths in found.items()}


@lru_cache(maxsize=1)
def _catalogue_grams() -> dict[tuple[str, ...], frozenset[str]]:
    """The word runs of every catalogue message, by the file that marked it (a registry
    label is its module's even when the words are common)."""
    from babel.messages.pofile import read_po

    found: dict[tuple[str, ...], set[str]] = {}
    with (LOCALE_DIR / "zh" / "LC_MESSAGES" / "lusp.po").open("rb") as handle:
        for message in read_po(handle, locale="zh"):
            for msgid in (message.id if isinstance(message.id, (tuple, list)) else (message.id,)):
                for where, _line in message.locations:
                    for gram in _all_grams(_words(msgid or "")):
                        found.setdefault(gram, set()).add(where)
    return {gram: frozenset(paths) for gram, paths in found.items()}


#: Words that glue any two English sentences alike: a pair holding one tells nobody's.
_GLUE = frozenset("a an the of and or to in on at by for from with without is are was were be been it its this that "
                  "not no as than then".split())


def _unescape(text: str) -> str:
    """The words of a Markdown text: no escapes, HTML tags, icons (``:material/x:``) or colours."""
    text = re.sub(r":material/[a-z_]+:|:(?:red|green|orange|blue|gray|grey|violet|rainbow)\[", " ", text)
    return re.sub(r"\\(.)", r"\1", re.sub(r"<[^>]+>", " ", text)).replace("\u2060", "")


def trace(text: str, data_values=()) -> tuple[set[str], list[str]]:
    """``(files of other modules the English comes from, English of the app's own)``.

    The English words left in a text shown in Chinese mode are cut in runs of three; each
    run is looked up among the string literals of ``lusp`` and of the app. A run written only
    in the app's files (or written nowhere: a sentence no source holds) is the app's own
    English; the others name the ``lusp`` file that wrote them."""
    rest = _unescape(str(text))
    for value in sorted({str(v) for v in data_values if v}, key=len, reverse=True):
        rest = re.sub(rf"(?<![A-Za-z0-9]){re.escape(value)}(?![A-Za-z0-9])", " ", rest)
    english = english_phrases(rest)
    if not english:
        return set(), []
    sources = _sources()
    # only the English stretches: Chinese between two English words breaks the run
    runs = [_words(part) for part in re.split(r"[^\x00-\x7f]+", rest)]
    totals: dict[str, int] = {}
    own: list[str] = []
    short: list[str] = []
    for words in runs:
        if not english_phrases(" ".join(words)):
            continue
        counts: dict[str, int] = {}  # foreign file → how many of the run's word runs it holds
        apps: list[str] = []
        unknown: list[str] = []
        for gram in _grams(words):
            paths = sources.get(gram, frozenset())
            foreign = {p for p in paths if not _is_app(p)}
            marked = _catalogue_grams().get(gram, frozenset())
            for path in foreign:  # a message marked there weighs more than the same words in a literal
                counts[path] = counts.get(path, 0) + (5 if path in marked else 1)
            if not foreign and paths and english_phrases(" ".join(gram)):
                apps.append(" ".join(gram))  # written only in the app's files
            elif not foreign and english_phrases(" ".join(gram)):
                unknown.append(" ".join(gram))  # a seam between two pieces, or written nowhere
        if not counts:  # a sentence built of short pieces: its word pairs tell whose it is
            for pair in {tuple(words[i:i + 2]) for i in range(len(words) - 1)}:
                if not set(pair) & _GLUE:  # "td burden", not "and the"
                    for path in {p for p in sources.get(pair, ()) if not _is_app(p)}:
                        counts[path] = counts.get(path, 0) + 1
        for path, n in counts.items():
            totals[path] = totals.get(path, 0) + n
        if not counts:
            (short if len(words) < 3 else own).extend(apps + unknown)
    # The file(s) holding most of the text's word runs wrote it; a word or two found in many
    # files ("days") names no one in particular.
    best = max(totals.values(), default=0)
    owners = {path for path, n in totals.items() if n == best}
    if len(owners) > 3:
        owners = {"lusp (common words, " + ", ".join(sorted(owners)[:3]) + ", …)"}
    # A text that holds another module's sentence is that module's (the app placed it, and
    # the words between its pieces are its seams); only a text of the app's words alone is the app's.
    return owners, [] if owners else own + short


# ---- what a page shows -------------------------------------------------------------------
def _machine_name_pattern():
    from lusp.cohort import TABLE_COLUMNS

    names = set(TABLE_COLUMNS) | {c for columns in TABLE_COLUMNS.values() for c in columns}
    return re.compile(r"(?<![A-Za-z_])(?:" + "|".join(sorted(map(re.escape, names), key=len, reverse=True))
                      + r")(?![A-Za-z_])")


_MACHINE_NAME = _machine_name_pattern()


def page_texts(at: AppTest) -> list[tuple[str, str]]:
    """``[(where, text)]``: every title, text element, metric, table header and cell, widget
    label / option / help, expander, tab and toast of the page and its sidebar."""
    out: list[tuple[str, str]] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "success", "error",
                 "toast", "text"):
        out += [(f"{kind}[{i}]", str(e.value)) for i, e in enumerate(getattr(at, kind))]
    for i, metric in enumerate(at.metric):
        out += [(f"metric[{i}] label", str(metric.label)), (f"metric[{i}] value", str(metric.value))]
        if metric.help:
            out.append((f"metric[{i}] help", str(metric.help)))
    for kind in ("dataframe", "table"):
        for i, frame in enumerate(getattr(at, kind)):
            value = frame.value
            # A header the page titles with a column_config label shows that label, not the
            # frame's own (machine) column name.
            try:
                config = json.loads(frame.proto.columns or "{}")
            except (AttributeError, ValueError):
                config = {}
            shown = {c: (config.get(str(c)) or {}).get("label") or str(c) for c in value.columns}
            out += [(f"{kind}[{i}] header", shown[c]) for c in value.columns]
            out += [(f"{kind}[{i}] index", str(x)) for x in value.index if isinstance(x, str)]
            for column in value.columns:
                # the table and column names a user types ("patients", "day") are machine names
                out += [(f"{kind}[{i}] cell ({shown[column]})", _MACHINE_NAME.sub(" ", v))
                        for v in value[column].tolist() if isinstance(v, str)]
    for kind in ("selectbox", "radio", "multiselect", "number_input", "checkbox", "toggle", "button", "slider",
                 "segmented_control", "download_button", "file_uploader", "text_input"):
        try:
            widgets = list(getattr(at, kind))
        except Exception:  # an element kind AppTest cannot list
            continue
        for i, widget in enumerate(widgets):
            name = f"{kind}[{i}] {getattr(widget, 'key', '') or ''}".rstrip()
            if getattr(widget, "label", None):
                out.append((f"{name} label", str(widget.label)))
            for option in getattr(widget, "options", None) or []:
                out.append((f"{name} option", str(option)))
            if getattr(widget, "help", None):
                out.append((f"{name} help", str(widget.help)))
            placeholder = getattr(getattr(widget, "proto", None), "placeholder", "")
            if placeholder:
                out.append((f"{name} placeholder", str(placeholder)))
    out += [(f"expander[{i}]", str(e.label)) for i, e in enumerate(at.expander)]
    out += [(f"tab[{i}]", str(t.label)) for i, t in enumerate(at.tabs)]
    return [(where, text) for where, text in out if text and text.strip()]


@lru_cache(maxsize=1)
def demo_values() -> tuple[str, ...]:
    """Strings of the demo cohort itself (diagnoses, IDs, AE terms, lab tests, levels): data."""
    cohort = make_demo_cohort()
    values: set[str] = {cohort.source.name, *cohort.source.files}
    for frame in (cohort.patients, cohort.events, cohort.labs):
        for column in frame.columns:
            if frame[column].dtype == object or str(frame[column].dtype).startswith("string"):
                values |= {str(v) for v in frame[column].dropna().unique()}
    return tuple(v for v in values if v)


def _query(at: AppTest, key: str) -> str | None:
    """A URL parameter as the app last wrote it (AppTest keeps a value or a list of them)."""
    value = at.query_params.get(key)
    return value[0] if isinstance(value, list) and value else value


def _run(**query) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


@pytest.fixture(scope="module")
def zh_pages() -> dict[str, list[tuple[str, str]]]:
    """Every page as it shows in Chinese, from one session opened with ``?lang=zh``."""
    at = _run(lang="zh")
    shown = {}
    for path in PAGES:
        at.switch_page(path).run()
        assert not at.exception, (path, [e.value for e in at.exception])
        assert not at.error, (path, [e.value for e in at.error])
        shown[path] = page_texts(at)
    return shown


def _english(texts: list[tuple[str, str]]) -> tuple[list[str], dict[str, list[str]]]:
    """``(the app's own English, {foreign file: English texts})``."""
    own: list[str] = []
    foreign: dict[str, list[str]] = {}
    for where, text in texts:
        if not english_phrases(_unescape(text), data_values=demo_values()):
            continue
        owners, left = trace(text, demo_values())
        if left:
            own.append(f"{where}: {left[:6]} in {text[:200]!r}")
        for owner in owners:
            foreign.setdefault(owner, []).append(f"{where}: {text[:120]!r}")
    return own, foreign


# ---- the pages --------------------------------------------------------------------------------
@pytest.mark.parametrize("path", list(PAGES))
def test_page_title_and_navigation_are_chinese(zh_pages, path):
    titles = [text for where, text in zh_pages[path] if where == "title[0]"]
    assert titles == [PAGES[path]]


@pytest.mark.parametrize("path", list(PAGES))
def test_page_keeps_no_english_of_its_own(zh_pages, path):
    own, _foreign = _english(zh_pages[path])
    assert own == [], f"{path}: English from the app's own files in Chinese mode: " + "\n".join(own)


@pytest.mark.parametrize("path", list(PAGES))
def test_page_shows_no_english_at_all(zh_pages, path):
    own, foreign = _english(zh_pages[path])
    assert own == []
    listing = "\n".join(f"{owner} ({len(texts)}): " + " | ".join(texts[:3]) for owner, texts in sorted(foreign.items()))
    assert foreign == {}, f"{path}: English made by other modules:\n{listing}"


def test_trace_tells_the_apps_english_from_another_modules():
    # A literal of lusp (the palette's outcome label) is traced to its file; an English
    # sentence written nowhere in lusp is the app's own.
    owners, left = trace("DEMO-01 · Transient spike (non-responder)", ["DEMO-01"])
    assert "lusp/figures/palette.py" in owners and left == []
    owners, left = trace("这是中文。 The kettle is purple and the zebra hums")
    assert owners == set() and left  # written nowhere: the app's own
    owners, left = trace("点击。 Click a panel to open that patient.")  # one of the app's msgids, left English
    assert owners == set() and "click a panel" in left
    assert trace("第3例，共 22 例") == (set(), [])


# ---- the switch, the link, the browser's language -------------------------------------------
def test_the_sidebar_switch_turns_every_page_chinese_and_back():
    at = _run()
    assert at.title[0].value == "Overview"
    switch = at.sidebar.segmented_control[0]
    assert switch.label == "语言 / Language" and list(switch.options) == ["English", "中文"]
    assert "--lang" not in at.code[0].value
    switch.set_value("zh").run()
    assert at.title[0].value == "概览"
    # the command line the Overview offers writes its words in Chinese too
    assert at.code[0].value == "python -m lusp summary data/demo_cohort.xlsx --criteria study --lang zh"
    assert at.sidebar.subheader[0].value == "疗效评价标准" and "筛选条件" in [s.value for s in at.sidebar.subheader]
    assert _query(at, "lang") == "zh"  # the shared link says it
    at.switch_page("app_pages/transfusions.py").run()
    assert at.title[0].value == "输血"  # kept through a page switch
    assert _query(at, "lang") == "zh"
    own, _ = _english(page_texts(at))
    assert own == []
    at.sidebar.segmented_control[0].set_value("en").run()
    assert at.title[0].value == "Transfusions"
    assert "lang" not in at.query_params  # English from an English browser: the link stays short


def test_a_link_with_lang_zh_opens_in_chinese_on_any_page():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.query_params["lang"] = "zh"
    at.query_params["patient"] = "DEMO-03"
    at.run()
    at.switch_page("app_pages/patients.py").run()
    assert at.title[0].value == "患者"
    assert _query(at, "lang") == "zh" and _query(at, "patient") == "DEMO-03"
    assert "第3例，共 22 例" in [c.value for c in at.caption]


def test_an_unknown_language_in_the_link_is_ignored_and_named():
    at = _run(lang="xx")
    assert at.title[0].value == "Overview"  # English kept
    toasts = [t.value for t in at.toast]
    assert toasts and "lang" in toasts[0] and "Some link settings could not be applied" in toasts[0]
    at = _run(lang="xx", criteria="nope", **{"unit": "g/dL"})
    assert at.title[0].value == "Overview"


def test_the_ignored_link_settings_are_said_in_chinese():
    at = _run(lang="zh", criteria="nope")
    assert at.title[0].value == "概览"
    assert [t.value for t in at.toast] == ["链接中的部分设置无法应用：criteria"]


@pytest.mark.parametrize(("locale", "title"), [("zh-CN", "概览"), ("zh-Hans-CN", "概览"), ("en-GB", "Overview"),
                                               ("fr-FR", "Overview")])
def test_the_browsers_language_picks_the_default(monkeypatch, locale, title):
    from streamlit.runtime.context import ContextProxy

    monkeypatch.setattr(ContextProxy, "locale", property(lambda self: locale))
    at = _run()
    assert at.title[0].value == title
    if title == "概览":
        # a link copied from this browser opens in Chinese elsewhere too
        assert _query(at, "lang") == "zh"
        # the link wins over the browser
        at = _run(lang="en")
        assert at.title[0].value == "Overview"


def test_presentation_mode_keeps_the_language_and_speaks_chinese():
    at = _run(lang="zh", present="1")
    assert not at.exception
    assert at.title[0].value == "主要数据"
    assert [b.label for b in at.button if b.key in ("present_prev", "present_next")] == ["上一页", "下一页"]
    assert at.sidebar.toggle[0].label == "演示模式"
    assert at.sidebar.segmented_control[0].value == "zh"  # the switch is there too
    footer = [m.value for m in at.markdown if '<div class="lusp-footer">' in m.value][0]
    assert "合成演示队列" in footer and "疗效评价标准" in footer and "全部患者" in footer and "22 例患者" in footer
    at.session_state["present_step"] = 1
    at.run()
    assert at.title[0].value == "有效率及精确 95% CI"
    # back to the dashboard: still Chinese
    at.sidebar.toggle[0].set_value(False).run()
    assert at.title[0].value == "概览"
    # and a switch to English inside presentation mode is kept too
    at = _run(lang="zh", present="1")
    at.sidebar.segmented_control[0].set_value("en").run()
    assert at.title[0].value == "Headline numbers"


def test_describe_filters_says_the_filters_in_chinese():
    from app_state import Filters, describe_filters
    from lusp.i18n import use_language

    chosen = Filters(diagnoses=("MDS with ring sideroblasts",), td="TD", outcomes=("responder", "not evaluable"),
                     age_range=(60.0, 80.0))
    with use_language("en"):
        assert describe_filters(chosen) == ("diagnosis MDS with ring sideroblasts; TD at baseline; "
                                            "outcome responder, not evaluable; age 60–80 years")
        assert describe_filters(Filters()) == "all patients"
    with use_language("zh"):
        text = describe_filters(chosen)
        assert text.startswith("诊断 MDS with ring sideroblasts；基线 TD；疗效结局 ")
        assert text.endswith("；年龄 60–80 岁")
        assert describe_filters(Filters()) == "全部患者"


def test_the_english_edition_is_unchanged():
    at = _run()
    assert at.title[0].value == "Overview"
    assert at.sidebar.subheader[0].value == "Response criteria"
    assert [m.label for m in at.metric][:4] == ["Patients", "Responders, all", "TD responders", "NTD responders"]
    assert not [text for where, text in page_texts(at) if CJK.search(text) and "语言 / Language" not in text
                and where != "segmented_control[0] w_lang option"]


def test_every_sentence_the_app_marks_has_its_chinese():
    # Walks the syntax tree, so a _() inside an f-string (which the extractor does not see)
    # is caught too: every marked literal of the app's files is in the catalogue, translated.
    from babel.messages.pofile import read_po

    with (LOCALE_DIR / "zh" / "LC_MESSAGES" / "lusp.po").open("rb") as handle:
        catalogue = {(m.context, m.id if isinstance(m.id, str) else m.id[0]): m for m in read_po(handle, locale="zh")
                     if m.id}
    missing = []
    files = [ROOT / "app.py", ROOT / "app_state.py", *sorted((ROOT / "app_pages").glob("*.py"))]
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in ("_", "N_", "ngettext", "pgettext")):
                continue
            args = [a.value if isinstance(a, ast.Constant) else None for a in node.args]
            context, msgid = (args[0], args[1]) if node.func.id == "pgettext" else (None, args[0] if args else None)
            if not isinstance(msgid, str):
                continue  # a lookup of a string marked elsewhere ("# i18n: lookup")
            message = catalogue.get((context, msgid))
            strings = () if message is None else (message.string if isinstance(message.string, tuple)
                                                  else (message.string,))
            if not strings or not all(strings):
                missing.append(f"{path.relative_to(ROOT)}:{node.lineno} {msgid!r}")
    assert missing == []


def test_a_refused_upload_and_the_hand_mapping_speak_chinese():
    from tests.test_app_data import as_uploads, uploader_key
    from tests.test_load_shapes import tables, workbook_bytes

    at = _run(lang="zh")
    at.switch_page("app_pages/data.py").run()
    sheets = dict(tables())
    sheets["Blutwerte"] = sheets.pop("hb").rename(columns={"hb_g_l": "Wert"})
    at.file_uploader(key=uploader_key(at)).set_value(as_uploads([("labor.xlsx", workbook_bytes(sheets))])).run()
    assert not at.exception
    error = at.error[0].value
    assert "labor" in error and "未加载" in error and "当前队列仍为 **合成演示队列（非真实患者数据）（22 例患者）**" in error
    assert "或手动映射列" in error
    pick = next(s for s in at.selectbox if "Blutwerte" in s.label)
    assert pick.label.endswith("是哪张表？")
    assert pick.options[0] == "— 不是数据表（跳过）"
    assert "应用映射" in [b.label for b in at.button]
    assert "手动映射列" in [e.label for e in at.expander]
    # the report's severities said in Chinese on screen; its CSV keeps the loader's codes
    report = next(d.value for d in at.dataframe if "message" in d.value.columns)
    assert set(report["severity"]) <= {"错误", "警告"} and "错误" in set(report["severity"])
    own, _foreign = _english([(w, t) for w, t in page_texts(at) if not w.startswith("dataframe")])
    assert own == []
