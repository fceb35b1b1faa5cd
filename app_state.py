"""Every ``st.session_state`` key of the app, named and set here, with accessor functions.

Pages and helpers never touch ``st.session_state`` directly: they call these functions, so
a key is spelled once and its meaning is written down once.

Session-state keys (the state of record)
----------------------------------------
``COHORT`` ("cohort")
    The :class:`lusp.cohort.Cohort` in force, or absent for the bundled demo cohort (loaded
    lazily). Set it with :func:`set_cohort`; go back with :func:`use_demo`.
``COHORT_TOKEN`` ("cohort_token")
    A string naming the cohort in force for the per-session analysis cache: ``"demo"`` or
    the token the Data page passes to :func:`set_cohort` (e.g. a hash of the uploaded bytes).
``CRITERIA`` ("criteria")
    Name of the criteria set in force (a key of ``lusp.criteria.CRITERIA``).
``PARAMS`` ("params")
    ``{criteria name: Params dataclass}``: each set's parameters, kept when the user switches
    sets and back. Read with :func:`params`, change with :func:`set_param`.
``PROTOCOL`` ("protocol")
    Name of the dose protocol used by the protocol review (default ``"study"``).
``HB_UNIT`` ("hb_unit")
    Display unit of Hb, ``"g/L"`` or ``"g/dL"`` (display only; everything inside is g/L).
``LANG`` ("lang")
    The language of every word on screen, ``"en"`` or ``"zh"`` (:mod:`lusp.i18n`): the
    sidebar switch, ``?lang=`` in a link, or on a first visit the browser's language.
    :func:`display` carries it, and the analysis cache is keyed on it (reason sentences
    and protocol findings are written in it).
``FILTERS`` ("filters")
    The global :class:`Filters` every page obeys.
``PATIENT`` ("patient_id")
    The patient shown on the Patients page.
``GRID_SORT`` ("grid_sort")
    Sort key of the small-multiples grid: ``"rise"``, ``"burden"`` or ``"id"``.
``ANALYSIS_CACHE`` ("_analysis_cache"), ``FIGURE_CACHE`` ("_figure_cache")
    Per-session caches (never ``st.cache_data``: those caches are shared across sessions,
    and an uploaded cohort must never leave its session). Dicts, bounded in size. While the
    bundled demo is in force (:func:`demo_in_force`) the same values come instead from the
    process-wide :data:`app_cache.DEMO` (public synthetic data; keyed on the whole view,
    display context included), so ten sessions opening the demo compute it once.
``QUERY_READ`` ("_query_read")
    True once this session has read the URL query string (it is read once, on the first
    run; afterwards the URL is rewritten from the state on every run).
``IGNORED_QUERY`` ("_ignored_query")
    The link parameters that could not be applied (named once on screen).
``UPLOAD`` ("_upload")
    The Data page's last upload attempt, a :class:`lusp.intake.LoadAttempt` (file names,
    report, the loaded cohort or ``None``, identifier-free column previews; never the file
    bytes, which stay in the uploader widget of this session only). Read with
    :func:`upload_attempt`, set with :func:`set_upload_attempt`. A refused attempt (a limit
    or the load sandbox, ``lusp.sandbox``) is kept the same way: its ``fingerprint`` (the
    digest of the files and mapping) stops a rerun from reading the same upload again.
``COLUMN_MAPPING`` ("column_mapping")
    The hand column mapping ``{table: {column in the file: canonical field}}`` applied to
    every upload of this session (``lusp.load`` mapping; downloadable as JSON).
``UPLOADER_NONCE`` ("_uploader_nonce")
    Part of the Data page uploader's widget key; bumped to empty the uploader (after a
    switch back to the demo, so the files are not loaded again on the next run).
``DATA_NOTICE`` ("_data_notice")
    ``(kind, text)`` shown once at the top of the Data page (e.g. "mapping applied"), or absent.
``deck_basket``, ``deck_basket_notice`` (accessors in ``app_pages/_export_ui.py``)
    The session's deck basket (a :class:`lusp.export.deck.DeckBasket`: charts and tables the
    user added, with the filters in force then) and the one-time notice after an add.
``deck_built`` (``app_pages/_export_ui.py``)
    ``(view, pptx bytes)``: the last deck this session built, offered for download while the
    view, the basket and the date are the same (session only, never shared).
``present_mode``, ``present_step`` (accessors in ``app_pages/_export_ui.py``)
    Presentation mode on/off (also ``?present=1``) and the screen shown.

Widget keys (``"w_…"``) belong to the sidebar and pages; each mirrors one key above and is
re-seeded from it when Streamlit drops a widget that was not drawn (e.g. the parameter
widgets of a criteria set no longer shown).

Other helpers: the Data page calls :func:`set_cohort` / :func:`use_demo`; the export and
presentation helper reads :func:`results`, :func:`summary`, :func:`describe_filters`,
:func:`params`, :func:`hb_unit` and adds its own keys here (e.g. a presentation flag, the
deck basket), documented in this docstring.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from lusp.criteria import CRITERIA
from lusp.i18n import LANGUAGES
from lusp.params import describe, with_values

ROOT = Path(__file__).resolve().parent
DEMO_PATH = ROOT / "data" / "demo_cohort.xlsx"

COHORT = "cohort"
COHORT_TOKEN = "cohort_token"
CRITERIA_KEY = "criteria"
PARAMS = "params"
PROTOCOL = "protocol"
HB_UNIT = "hb_unit"
LANG = "lang"
FILTERS = "filters"
PATIENT = "patient_id"
GRID_SORT = "grid_sort"
ANALYSIS_CACHE = "_analysis_cache"
FIGURE_CACHE = "_figure_cache"
QUERY_READ = "_query_read"
IGNORED_QUERY = "_ignored_query"
UPLOAD = "_upload"
COLUMN_MAPPING = "column_mapping"
UPLOADER_NONCE = "_uploader_nonce"
DATA_NOTICE = "_data_notice"

HB_UNITS = ("g/L", "g/dL")
TD_CHOICES = ("all", "TD", "NTD")
GRID_SORTS = ("rise", "burden", "id")
_CACHE_SIZE = 6  # analyses kept per session (criteria × parameters visited)
_FIGURE_CACHE_SIZE = 48


@dataclass(frozen=True)
class Filters:
    """The global patient filters. Empty tuples / ``None`` mean "no restriction"."""

    diagnoses: tuple[str, ...] = ()
    td: str = "all"  # "all" | "TD" | "NTD"
    outcomes: tuple[str, ...] = ()  # display classes of Results.table["outcome"]
    age_range: tuple[float, float] | None = None  # inclusive, years
    covariate: str | None = None  # any other patient column
    covariate_levels: tuple[str, ...] = ()  # categorical covariate: levels kept
    covariate_range: tuple[float, float] | None = None  # numeric covariate: inclusive range

    @property
    def active(self) -> bool:
        """True when some filter restricts the patients (a covariate picked without a
        restriction does not)."""
        return bool(
            self.diagnoses or self.td != "all" or self.outcomes or self.age_range is not None
            or (self.covariate and (self.covariate_levels or self.covariate_range is not None))
        )


# ---------------------------------------------------------------------------------------
# Initialisation
# ---------------------------------------------------------------------------------------
def init() -> None:
    """Set every key to its default on a session's first run, then apply the URL once."""
    state = st.session_state
    state.setdefault(COHORT_TOKEN, "demo")
    state.setdefault(CRITERIA_KEY, next(iter(CRITERIA)))
    state.setdefault(PARAMS, {})
    state.setdefault(PROTOCOL, "study")
    state.setdefault(HB_UNIT, "g/L")
    state.setdefault(LANG, browser_language())
    state.setdefault(FILTERS, Filters())
    state.setdefault(PATIENT, None)
    state.setdefault(GRID_SORT, "rise")
    state.setdefault(ANALYSIS_CACHE, {})
    state.setdefault(FIGURE_CACHE, {})
    if not state.get(QUERY_READ):
        state[QUERY_READ] = True
        _read_query_params()


# ---------------------------------------------------------------------------------------
# Cohort
# ---------------------------------------------------------------------------------------
@st.cache_resource(show_spinner="Loading the demo cohort…")
def _demo_cohort():
    """The bundled SYNTHETIC demo cohort. Shared across sessions on purpose: it is a file
    in the repository, not anyone's data (uploads never go through a shared cache)."""
    from lusp.load import load_cohort

    return load_cohort(DEMO_PATH, synthetic=True)


def cohort():
    """The cohort in force (the demo cohort unless the Data page set another)."""
    current = st.session_state.get(COHORT)
    return current if current is not None else _demo_cohort()


def is_demo() -> bool:
    return st.session_state.get(COHORT_TOKEN, "demo") == "demo"


def set_cohort(new_cohort, token: str | None = None) -> None:
    """Put ``new_cohort`` in force for this session; filters and patient are reset.

    ``token`` names it in the per-session analysis cache; by default a digest of the
    cohort's patient IDs and table sizes (enough to tell two uploads apart in one session).
    """
    if token is None:
        digest = hashlib.sha1()
        for name in ("patients", "hb", "transfusions", "doses", "events", "labs"):
            frame = new_cohort.table(name)
            digest.update(f"{name}:{len(frame)}:".encode())
            digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
        token = "upload:" + digest.hexdigest()
    st.session_state[COHORT] = new_cohort
    st.session_state[COHORT_TOKEN] = token
    _reset_view()


def use_demo() -> None:
    """Go back to the bundled demo cohort."""
    st.session_state.pop(COHORT, None)
    st.session_state[COHORT_TOKEN] = "demo"
    _reset_view()


def _reset_view() -> None:
    st.session_state[FILTERS] = Filters()
    st.session_state[PATIENT] = None
    st.session_state[ANALYSIS_CACHE] = {}
    st.session_state[FIGURE_CACHE] = {}
    for key in [k for k in st.session_state if str(k).startswith("w_f_") or k == "w_patient"]:
        del st.session_state[key]


# ---------------------------------------------------------------------------------------
# Criteria set, parameters, protocol, unit
# ---------------------------------------------------------------------------------------
def criteria_name() -> str:
    return st.session_state[CRITERIA_KEY]


def criteria_label() -> str:
    return CRITERIA[criteria_name()].label


def set_criteria(name: str) -> None:
    if name not in CRITERIA:
        raise ValueError(f"unknown criteria set {name!r}")
    st.session_state[CRITERIA_KEY] = name


def params(name: str | None = None):
    """The parameters in force for criteria set ``name`` (default: the set in force)."""
    name = name or criteria_name()
    store = st.session_state[PARAMS]
    if name not in store:
        store[name] = CRITERIA[name].Params()
    return store[name]


def set_param(field_name: str, value: Any, name: str | None = None) -> None:
    """Change one parameter (checked against its range by ``lusp.params.with_values``)."""
    name = name or criteria_name()
    st.session_state[PARAMS][name] = with_values(params(name), **{field_name: value})


def reset_params(name: str | None = None) -> None:
    name = name or criteria_name()
    st.session_state[PARAMS][name] = CRITERIA[name].Params()
    for key in [k for k in st.session_state if str(k).startswith(f"w_param_{name}_")]:
        del st.session_state[key]


def protocol() -> str:
    return st.session_state[PROTOCOL]


def hb_unit() -> str:
    return st.session_state[HB_UNIT]


def set_hb_unit(unit: str) -> None:
    if unit not in HB_UNITS:
        raise ValueError(f"Hb unit must be one of {HB_UNITS}")
    st.session_state[HB_UNIT] = unit


# ---------------------------------------------------------------------------------------
# Language
# ---------------------------------------------------------------------------------------
def browser_language() -> str:
    """The language the browser asks for ("zh-CN" → "zh"), English otherwise."""
    from lusp.i18n import negotiate

    try:
        return negotiate(st.context.locale)
    except Exception:  # no browser (AppTest, bare mode)
        return "en"


def language() -> str:
    """The language of this session (``"en"`` before :func:`init`)."""
    try:
        lang = st.session_state.get(LANG, "en")
    except Exception:  # outside a script run
        return "en"
    return lang if lang in LANGUAGES else "en"


def set_language(lang: str) -> None:
    if lang not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}")
    st.session_state[LANG] = lang


# ---------------------------------------------------------------------------------------
# Analysis (cached per session)
# ---------------------------------------------------------------------------------------
def _analysis_key() -> tuple:
    return (st.session_state[COHORT_TOKEN], criteria_name(), params(), protocol(), language())


def demo_in_force() -> bool:
    """True when this session shows the bundled SYNTHETIC demo cohort (no cohort of its own
    in ``st.session_state``): only then may results come from the process-wide cache."""
    return st.session_state.get(COHORT) is None and st.session_state.get(COHORT_TOKEN, "demo") == "demo"


def _memo(cache_key: str, key: tuple, build, size: int):
    """``build()`` memoised under ``key``: in the demo's process-wide cache
    (:data:`app_cache.DEMO`, keyed on the whole view) while the demo is in force, else in
    this session's own bounded ``cache_key`` dict. An upload never reaches the shared one."""
    if demo_in_force():
        import app_cache

        return app_cache.DEMO.get((cache_key,) + key, build)
    cache: dict = st.session_state[cache_key]
    if key not in cache:
        if len(cache) >= size:
            cache.pop(next(iter(cache)))
        cache[key] = build()
    return cache[key]


def full_results():
    """``lusp.analysis.analyze`` of the whole cohort under the criteria and parameters in
    force, computed once per session and setting (bounded per-session cache; the demo's
    once per process)."""
    from lusp.analysis import analyze

    chosen = cohort(), criteria_name(), params(), protocol()
    return _memo(ANALYSIS_CACHE, _analysis_key(), lambda: analyze(*chosen), _CACHE_SIZE)


def filters() -> Filters:
    return st.session_state[FILTERS]


def set_filters(new: Filters) -> None:
    st.session_state[FILTERS] = new


def filtered_ids(results, active: Filters | None = None) -> list[str]:
    """Patient IDs of ``results`` that pass the filters (in table order)."""
    active = active or filters()
    table = results.table
    patients = results.cohort.patients
    keep = pd.Series(True, index=table.index)
    if active.diagnoses:
        keep &= table["diagnosis"].astype("string").isin(active.diagnoses).fillna(False)
    if active.td != "all":
        td = table["td_baseline"].astype("boolean")
        keep &= (td if active.td == "TD" else ~td).fillna(False)
    if active.outcomes:
        keep &= table["outcome"].astype("string").isin(active.outcomes).fillna(False)
    by_id = patients.set_index(patients["patient_id"].astype(str))
    ids = table["patient_id"].astype(str)
    if active.age_range is not None and "age" in by_id.columns:
        age = ids.map(by_id["age"]).astype("Float64")
        keep &= age.between(*active.age_range).fillna(False)
    if active.covariate and active.covariate in by_id.columns:
        values = ids.map(by_id[active.covariate])
        if active.covariate_range is not None:
            keep &= values.astype("Float64").between(*active.covariate_range).fillna(False)
        elif active.covariate_levels:
            keep &= level_text(values).isin(active.covariate_levels)
    return ids[keep.to_numpy(dtype=bool)].tolist()


def level_text(values: pd.Series) -> pd.Series:
    """Covariate values as the level words the filter offers ("yes"/"no" for booleans,
    "missing" for NA)."""
    if pd.api.types.is_bool_dtype(values) or str(values.dtype) == "boolean":
        return values.astype("boolean").map({True: "yes", False: "no"}).astype("string").fillna("missing")
    return values.astype("string").fillna("missing")


def results():
    """The analysis restricted to the filtered patients (``Results.subset``)."""
    full = full_results()
    active = filters()
    if not active.active:
        return full
    return _memo(ANALYSIS_CACHE, ("subset", _analysis_key(), active),
                 lambda: full.subset(filtered_ids(full, active)), 2 * _CACHE_SIZE)


def summary() -> dict:
    """``lusp.analysis.summarize`` of the filtered results (cached per session)."""
    from lusp.analysis import summarize

    return cached("summary", lambda: summarize(results()))


def view_key() -> tuple:
    """What every figure depends on: cohort, criteria, parameters, protocol, filters and the
    whole display context (Hb unit and language: two editions never share a chart)."""
    return (_analysis_key(), filters(), display())


def cached(name: str, build, *parts: Any):
    """``build()`` memoised under ``name``, the view in force and ``parts``: per session, or
    once per process for the demo cohort (:func:`_memo`). Callers treat the value as
    read-only (another session may be showing the same object)."""
    return _memo(FIGURE_CACHE, (name, view_key(), parts), build, _FIGURE_CACHE_SIZE)


def memo(key: tuple, build):
    """A page helper's own memo (e.g. a chart's Arrow bytes), with the same routing as
    :func:`cached` but under ``key`` alone: ``key`` must name what the value depends on."""
    return _memo(FIGURE_CACHE, ("memo",) + tuple(key), build, _FIGURE_CACHE_SIZE)


def describe_filters(active: Filters | None = None) -> str:
    """The filters in words, for captions, exports and slides ("all patients" when none),
    in the language in force (outcome codes said in words; diagnoses and levels as in the data)."""
    from lusp.i18n import _, pgettext

    active = active or filters()
    parts = []
    if active.diagnoses:
        parts.append(_("diagnosis {values}").format(values=", ".join(active.diagnoses)))
    if active.td != "all":
        parts.append(_("{status} at baseline").format(status=active.td))
    if active.outcomes:
        from lusp.labels import label

        parts.append(_("outcome {values}").format(values=", ".join(
            label(f"outcome.{o}") if f"outcome.{o}" in _OUTCOME_KEYS else o for o in active.outcomes)))
    if active.age_range is not None:
        parts.append(_("age {low}–{high} years").format(low=f"{active.age_range[0]:g}", high=f"{active.age_range[1]:g}"))
    if active.covariate and active.covariate_range is not None:
        parts.append(f"{active.covariate} {active.covariate_range[0]:g}–{active.covariate_range[1]:g}")
    elif active.covariate and active.covariate_levels:
        parts.append(f"{active.covariate} " + ", ".join(active.covariate_levels))
    return pgettext("filter list separator", "; ").join(parts) if parts else _("all patients")


_OUTCOME_KEYS = ("outcome.responder", "outcome.non-responder", "outcome.transient spike", "outcome.not evaluable")


# ---------------------------------------------------------------------------------------
# Patient and grid
# ---------------------------------------------------------------------------------------
def patient_id() -> str | None:
    return st.session_state[PATIENT]


def set_patient(pid: str | None, *, from_widget: bool = False) -> None:
    """Show patient ``pid``. Buttons, links and the grid also re-seed the patient select box
    (``from_widget=False``); the select box itself passes ``from_widget=True``."""
    st.session_state[PATIENT] = None if pid is None else str(pid)
    if not from_widget:
        st.session_state.pop("w_patient", None)


def grid_sort() -> str:
    return st.session_state[GRID_SORT]


def set_grid_sort(sort: str) -> None:
    if sort not in GRID_SORTS:
        raise ValueError(f"sort must be one of {GRID_SORTS}")
    st.session_state[GRID_SORT] = sort


# ---------------------------------------------------------------------------------------
# URL query string: a copied link reopens the same view
# ---------------------------------------------------------------------------------------
_LIST_SEP = "|"


def _range_text(bounds: tuple[float, float]) -> str:
    return f"{bounds[0]:g}~{bounds[1]:g}"


def _parse_range(text: str) -> tuple[float, float] | None:
    try:
        low, high = (float(x) for x in text.split("~"))
    except ValueError:
        return None
    return (low, high) if low <= high else None


def query_params() -> dict[str, str]:
    """The view in force as URL query parameters (only what differs from the defaults)."""
    out: dict[str, str] = {}
    if patient_id():
        out["patient"] = patient_id()
    name = criteria_name()
    if name != next(iter(CRITERIA)):
        out["criteria"] = name
    for item in describe(params()):
        if item["value"] != item["default"]:
            out["p_" + item["name"]] = str(item["value"])
    if protocol() != "study":
        out["protocol"] = protocol()
    if hb_unit() != "g/L":
        out["unit"] = hb_unit()
    active = filters()
    if active.diagnoses:
        out["dx"] = _LIST_SEP.join(active.diagnoses)
    if active.td != "all":
        out["td"] = active.td
    if active.outcomes:
        out["outcome"] = _LIST_SEP.join(active.outcomes)
    if active.age_range is not None:
        out["age"] = _range_text(active.age_range)
    if active.covariate and (active.covariate_levels or active.covariate_range):
        out["cov"] = active.covariate
        if active.covariate_range is not None:
            out["cov_range"] = _range_text(active.covariate_range)
        else:
            out["cov_levels"] = _LIST_SEP.join(active.covariate_levels)
    if grid_sort() != "rise":
        out["sort"] = grid_sort()
    if language() != "en" or browser_language() != "en":  # a link opens in the language it was copied in
        out["lang"] = language()
    return out


def write_query_params() -> None:
    """Rewrite the URL from the state (no rerun: the browser just updates its address)."""
    wanted = query_params()
    if "present" in st.query_params:  # presentation mode's own switch (app_pages/_export_ui.py)
        wanted["present"] = st.query_params["present"]
    if dict(st.query_params) != wanted:
        st.query_params.from_dict(wanted)


def _read_query_params() -> None:
    """Apply a copied link once per session. A value that does not fit is ignored (the
    state keeps its default) and named in :func:`ignored_query_params`."""
    query = {k: st.query_params[k] for k in st.query_params}
    ignored: list[str] = []
    state = st.session_state
    if "criteria" in query:
        if query["criteria"] in CRITERIA:
            state[CRITERIA_KEY] = query["criteria"]
        else:
            ignored.append("criteria")
    for key, text in query.items():
        if not key.startswith("p_"):
            continue
        name = key[2:]
        current = {d["name"]: d for d in describe(params())}
        if name not in current:
            ignored.append(key)
            continue
        default = current[name]["default"]
        try:
            value = type(default)(float(text)) if isinstance(default, (int, float)) and not isinstance(default, bool) else text
            if isinstance(default, int) and not isinstance(default, bool) and float(text) != int(float(text)):
                raise ValueError
            set_param(name, value)
        except (ValueError, TypeError):
            ignored.append(key)
    if query.get("unit") in HB_UNITS:
        state[HB_UNIT] = query["unit"]
    elif "unit" in query:
        ignored.append("unit")
    if query.get("lang") in LANGUAGES:
        state[LANG] = query["lang"]
    elif "lang" in query:
        ignored.append("lang")
    if query.get("sort") in GRID_SORTS:
        state[GRID_SORT] = query["sort"]
    new = Filters()
    if "dx" in query:
        new = replace(new, diagnoses=tuple(x for x in query["dx"].split(_LIST_SEP) if x))
    if "td" in query:
        if query["td"] in TD_CHOICES:
            new = replace(new, td=query["td"])
        else:
            ignored.append("td")
    if "outcome" in query:
        new = replace(new, outcomes=tuple(x for x in query["outcome"].split(_LIST_SEP) if x))
    if "age" in query:
        bounds = _parse_range(query["age"])
        new = replace(new, age_range=bounds) if bounds else new
        if bounds is None:
            ignored.append("age")
    if "cov" in query:
        new = replace(new, covariate=query["cov"])
        if "cov_range" in query and _parse_range(query["cov_range"]):
            new = replace(new, covariate_range=_parse_range(query["cov_range"]))
        elif "cov_levels" in query:
            new = replace(new, covariate_levels=tuple(x for x in query["cov_levels"].split(_LIST_SEP) if x))
    state[FILTERS] = new
    if query.get("patient"):
        state[PATIENT] = query["patient"]
    state[IGNORED_QUERY] = tuple(ignored)


def ignored_query_params() -> tuple[str, ...]:
    """Link parameters that could not be applied on this session's first run."""
    return st.session_state.get(IGNORED_QUERY, ())


# ---------------------------------------------------------------------------------------
# Data page: the last upload attempt and the hand column mapping (per session only)
# ---------------------------------------------------------------------------------------
def upload_attempt():
    """The Data page's last :class:`lusp.intake.LoadAttempt`, or ``None``."""
    return st.session_state.get(UPLOAD)


def set_upload_attempt(attempt) -> None:
    st.session_state[UPLOAD] = attempt


def column_mapping() -> dict:
    """The hand column mapping of this session (empty when none was made)."""
    return st.session_state.get(COLUMN_MAPPING) or {}


def set_column_mapping(mapping: dict) -> None:
    st.session_state[COLUMN_MAPPING] = mapping


def uploader_key() -> str:
    """The Data page uploader's widget key (changes when :func:`empty_uploader` is called)."""
    return f"w_upload_{st.session_state.get(UPLOADER_NONCE, 0)}"


def empty_uploader() -> None:
    st.session_state[UPLOADER_NONCE] = st.session_state.get(UPLOADER_NONCE, 0) + 1


def pop_data_notice() -> tuple[str, str] | None:
    """The Data page's one-time notice ``(kind, text)``, removed as it is read."""
    return st.session_state.pop(DATA_NOTICE, None)


def set_data_notice(kind: str, text: str) -> None:
    st.session_state[DATA_NOTICE] = (kind, text)


def display():
    """The display context of this session (:class:`lusp.display.Display`): the Hb unit
    chosen in the sidebar and the session's language. Every page writes numbers and words
    through it."""
    from lusp.display import Display

    return Display(hb_unit=hb_unit(), lang=language())
