"""The bundled SYNTHETIC demo cohort: a seeded generator that reproduces the source study.

The real patients of the source study (SPEC §1: 22 adults with haematological malignancies
given luspatercept off-label, March 2024 – February 2025) are not available. This module
makes 22 synthetic patients whose analysis under the default ``study`` criteria gives the
study's published figures, so the dashboard opens on something that looks and behaves like
the study, and the tests can check the analysis against known numbers.

Design: constructive, not fitted
--------------------------------
Nothing is tuned by trial and error. Each patient is given a *role* and the few values that
decide every published figure; the seeded random generator only touches values that cannot
change a figure (ages, weights, covariates, dates, measurement-day jitter, Hb noise between
the deciding values, adverse events, blast counts). Then:

1. **Roles** (:data:`ROSTER`): 9 TD patients who become transfusion independent
   (``td_ti``), 6 TD non-responders with the transient first-week spike (``td_spike``),
   1 TD non-responder without it (``td_flat``), 5 NTD responders (``ntd_resp``) and 1 NTD
   non-responder (``ntd_fail``): 22 / 16 TD / 6 NTD, 14 responders (9 TD + 5 NTD).
2. **Key values**: each patient's baseline Hb (the day-0 value: the last one of the
   baseline window) and peak Hb (the highest transfusion-unaffected value after day 0, on
   a designed day; every other unaffected value is kept below it). Nominal values from the
   roster get seeded jitter of at most ±1.5 g/L at 0.1 g/L resolution.
3. **Exact adjustment**: the residual between the jittered sums and the targets
   (Σ baseline = 1333.4 g/L → mean 60.61; Σ peak = 2116.6 g/L → mean 96.21) is spread in
   0.1 g/L steps over the TD-responders' baselines and over the nine peaks above 100 g/L,
   which no threshold depends on. The NTD non-responder's peak is then baseline + 4.0 and
   the ``td_flat`` patient's is baseline − 12.0, so the 20 early risers' rises sum to
   2116.6 − 1333.4 + 8.0 = 791.2 g/L: a mean of exactly 39.56 g/L.
4. **Trajectories** are built around the key values: piecewise-linear ramps with bounded
   noise for responders (no rise of more than 20 g/L within 21 days of a dose, so the
   dose-reduction rule is not triggered; after a dose held at Hb ≥ 115 g/L the Hb settles
   below 115 and dosing resumes), a saw-tooth of transfusion and decay for TD
   non-responders, and the spike itself (days 4–7, ≥ 12.5 g/L, falling below half by
   day 14, with no transfusion in the week before it).
5. **Transfusions** of the seven TD non-responders are chosen by exhaustive search over
   ±1 unit per patient so that their mean burden after day 0 is 4.1 U/28 d within
   ±0.05 (both as a mean of patients and pooled, for all 7 and for the 6 with a spike);
   their baseline units total 59, i.e. 4.21 U/28 d (the published 4.2 needs 58.8 units).
6. **Doses** are simulated by the study protocol: 1.0 mg/kg every 21 days, escalation by
   one step after 2 doses at a level when the criterion (TD: burden reduction ≥ 33 % since
   the level began; NTD: unaffected-Hb rise ≥ 10 g/L) is not met, up to 1.75 mg/kg, and a
   dose held when the pre-dose Hb is ≥ 115 g/L without a transfusion in the prior 21 days.
   Two deliberate deviations for the protocol review to find (:data:`DEVIATIONS`):
   DEMO-13 is escalated after a single dose; DEMO-14 gets one dose 14 days after the last.

What cannot be reproduced
-------------------------
* The published mean rise 39.56 g/L is not 96.21 − 60.61 = 35.60 g/L. The cohort gives
  ``mean_hb_rise_g_l`` = 35.60 (all 22) and ``mean_hb_rise_early_risers_g_l`` = 39.56 (the
  20 with an early rise): one reading under which the abstract is self-consistent.
* 4.2 U/28 d before for 7 patients needs 58.8 units in 8-week windows; 59 units give 4.21.

Public API: :func:`make_demo_cohort`, :func:`write_demo_workbook`, :data:`DEFAULT_SEED`,
:data:`TARGETS`.
"""
from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from lusp.cohort import TABLE_COLUMNS, Cohort, SourceInfo

#: The seed of the bundled ``data/demo_cohort.xlsx``.
DEFAULT_SEED = 20240304
#: The creation time written into the workbook, fixed so regeneration is byte-identical.
WORKBOOK_CREATED = dt.datetime(2025, 3, 1, 9, 0, 0)
GENERATOR_VERSION = "1"

# Roles (see the module docstring).
TD_TI = "td_ti"
TD_SPIKE = "td_spike"
TD_FLAT = "td_flat"
NTD_RESP = "ntd_resp"
NTD_FAIL = "ntd_fail"


@dataclass(frozen=True)
class DemoTargets:
    """The SPEC §1 figures the demo cohort reproduces under the default ``study`` criteria."""

    n_patients: int = 22
    n_td: int = 16
    n_ntd: int = 6
    n_responders: int = 14
    n_td_responders: int = 9
    n_ntd_responders: int = 5
    ntd_failure_rise_g_l: float = 4.0
    n_early_rise: int = 20
    mean_baseline_hb_g_l: float = 60.61
    mean_post_hb_g_l: float = 96.21
    n_post_hb_over_100: int = 9
    n_td_nonresponders: int = 7
    n_spike_td_nonresponders: int = 6
    td_nonresponder_burden_before_u28: float = 4.2
    td_nonresponder_burden_after_u28: float = 4.1
    burden_tolerance_u28: float = 0.05
    mean_hb_rise_early_risers_g_l: float = 39.56
    mean_hb_rise_g_l: float = 35.60  # = 96.21 − 60.61: what the cohort gives for all 22


TARGETS = DemoTargets()

# Sums in tenths of g/L whose mean over 22 rounds to the published two decimals.
_SUM_BASELINE_TENTHS = 13334  # 1333.4 / 22 = 60.609… → 60.61
_SUM_PEAK_TENTHS = 21166  # 2116.6 / 22 = 96.209… → 96.21
_TD_FLAT_RISE_TENTHS = -120  # baseline measured 6 days after a transfusion; never regained
_NTD_FAIL_RISE_TENTHS = 40  # "the non-responder rose only 4 g/L"


@dataclass(frozen=True)
class RosterEntry:
    """One synthetic patient's fixed design (the seed varies everything else)."""

    patient_id: str
    diagnosis: str
    role: str
    sex: str
    age: int
    baseline_hb_g_l: float  # nominal, before jitter and adjustment
    key_g_l: float  # peak Hb (responders), spike height (td_spike); unused otherwise
    end_day: int  # last follow-up day (a 21-day dose-cycle day)
    units_baseline: int  # RBC units in days −56 … 0
    early_tx: tuple[tuple[int, int], ...]  # (day, units) after day 0 for td_ti patients
    slow: bool  # responds only after the first escalation (day 42)
    disease_status: str
    concurrent_chemo: bool | None
    prior_esa: bool | None
    myeloid: bool
    sf3b1: bool


def _r(pid, diagnosis, role, sex, age, b, key, end, units, early=(), slow=False,
       status="stable", chemo=False, esa=True, myeloid=True, sf3b1=False) -> RosterEntry:
    return RosterEntry(pid, diagnosis, role, sex, age, b, key, end, units, early, slow, status, chemo, esa,
                       myeloid, sf3b1)


#: The 22 patients. Peaks above 100 g/L: DEMO-01…06, 17…19 (nine). Responders with a peak
#: ≤ 100 g/L keep it ≤ 98.5 so the jitter cannot cross 100.
ROSTER: tuple[RosterEntry, ...] = (
    _r("DEMO-01", "MDS with SF3B1 mutation", TD_TI, "F", 74, 55.0, 116.0, 252, 6, sf3b1=True),
    _r("DEMO-02", "MDS with ring sideroblasts", TD_TI, "M", 79, 52.0, 121.0, 273, 8, sf3b1=True),
    _r("DEMO-03", "MDS/MPN with SF3B1 mutation and thrombocytosis", TD_TI, "M", 71, 57.0, 112.0, 231, 6,
       early=((12, 2),), sf3b1=True),
    _r("DEMO-04", "Primary myelofibrosis", TD_TI, "M", 66, 54.0, 108.0, 210, 5, early=((10, 2), (31, 2)),
       slow=True, esa=False),
    _r("DEMO-05", "Multiple myeloma", TD_TI, "F", 63, 58.0, 113.0, 252, 4, status="very good partial response",
       chemo=True, esa=False, myeloid=False),
    _r("DEMO-06", "MDS with low blasts", TD_TI, "F", 81, 51.0, 118.0, 294, 6),
    _r("DEMO-07", "Chronic myelomonocytic leukaemia (CMML-1)", TD_TI, "M", 72, 53.0, 96.0, 189, 7,
       early=((16, 2),)),
    _r("DEMO-08", "MDS with SF3B1 mutation", TD_TI, "F", 77, 56.0, 92.0, 210, 5, sf3b1=True),
    _r("DEMO-09", "Diffuse large B-cell lymphoma", TD_TI, "M", 58, 49.0, 97.0, 189, 6, early=((9, 2), (27, 2)),
       slow=True, status="complete remission", chemo=True, esa=False, myeloid=False),
    _r("DEMO-10", "Acute myeloid leukaemia, myelodysplasia-related", TD_SPIKE, "M", 69, 61.0, 18.0, 189, 9,
       status="complete remission", chemo=True, esa=False),
    _r("DEMO-11", "MDS with increased blasts (MDS-IB1)", TD_SPIKE, "M", 76, 59.0, 16.0, 168, 8),
    _r("DEMO-12", "Post-essential thrombocythaemia myelofibrosis", TD_SPIKE, "F", 70, 62.0, 18.0, 231, 9),
    _r("DEMO-13", "Multiple myeloma", TD_SPIKE, "M", 67, 60.0, 17.0, 210, 8, status="relapsed/refractory",
       chemo=True, esa=True, myeloid=False),
    _r("DEMO-14", "Chronic myelomonocytic leukaemia (CMML-2)", TD_SPIKE, "F", 73, 58.0, 14.5, 252, 9, chemo=True),
    _r("DEMO-15", "Acute myeloid leukaemia in remission", TD_SPIKE, "F", 64, 63.0, 17.5, 147, 8,
       status="complete remission", chemo=True, esa=False),
    _r("DEMO-16", "Primary myelofibrosis", TD_FLAT, "M", 75, 80.0, 0.0, 273, 8),
    _r("DEMO-17", "MDS with SF3B1 mutation", NTD_RESP, "F", 78, 70.0, 112.0, 231, 0, sf3b1=True),
    _r("DEMO-18", "Follicular lymphoma", NTD_RESP, "F", 61, 66.0, 107.0, 189, 0, status="partial remission",
       chemo=True, esa=False, myeloid=False),
    _r("DEMO-19", "Multiple myeloma", NTD_RESP, "M", 59, 72.0, 114.0, 210, 0, status="stable",
       chemo=True, esa=False, myeloid=False),
    _r("DEMO-20", "MDS with low blasts", NTD_RESP, "M", 83, 68.0, 86.0, 168, 0, slow=True),
    _r("DEMO-21", "Marginal zone lymphoma", NTD_RESP, "F", 69, 64.0, 95.0, 210, 0, slow=True,
       status="partial remission", chemo=False, esa=False, myeloid=False),
    _r("DEMO-22", "Post-polycythaemia vera myelofibrosis", NTD_FAIL, "M", 68, 76.0, 0.0, 231, 0, esa=False),
)

#: Deliberate protocol deviations: patient → (kind, dose index). ``early_escalation``: the
#: dose at that index is escalated although only one dose was given at the level;
#: ``short_interval``: that dose is given 14 days after the previous one.
DEVIATIONS: dict[str, tuple[str, int]] = {
    "DEMO-13": ("early_escalation", 1),
    "DEMO-14": ("short_interval", 3),
}
#: Patients with a clinical event: (category, term, day offset from the end of follow-up).
CLINICAL_EVENTS: dict[str, tuple[str, str, int]] = {
    "DEMO-11": ("transformation", "Transformation to acute myeloid leukaemia", -18),
    "DEMO-13": ("progression", "Disease progression (rising serum M-protein)", -25),
}

DOSE_LEVELS_MG_KG = (1.0, 1.25, 1.5, 1.75)
DOSE_INTERVAL_DAYS = 21
BASELINE_WINDOW_DAYS = 56
TX_EXCLUSION_DAYS = 14
HOLD_HB_G_L = 115.0
#: Hb rise per 21 days a responder's ramp may have: keeps ramp + noise ≤ 20 g/L (the
#: dose-reduction rule) between any dose and the following 21 days.
MAX_RAMP_PER_CYCLE_G_L = 14.0
#: Lab-like Hb noise (about 2 % CV), clipped so ramp + noise stays ≤ 20 g/L per cycle.
NOISE_SD_G_L = 1.5
NOISE_CLIP_G_L = 2.5

ADVERSE_EVENTS: tuple[tuple[str, int, int], ...] = (
    # term, lowest and highest CTCAE grade seen with luspatercept in this population
    ("Fatigue", 1, 2),
    ("Asthenia", 1, 2),
    ("Diarrhoea", 1, 2),
    ("Nausea", 1, 1),
    ("Dizziness", 1, 2),
    ("Headache", 1, 2),
    ("Back pain", 1, 2),
    ("Arthralgia", 1, 2),
    ("Bone pain", 1, 2),
    ("Hypertension", 2, 3),
    ("Peripheral oedema", 1, 2),
    ("Dyspnoea", 1, 2),
    ("Injection-site reaction", 1, 1),
    ("Upper respiratory tract infection", 1, 3),
)


# --------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------


def make_demo_cohort(seed: int = DEFAULT_SEED) -> Cohort:
    """The synthetic demo cohort as canonical tables.

    Parameters
    ----------
    seed : int
        Seeds everything that does not decide a published figure. Every seed reproduces
        the figures of :data:`TARGETS`; :data:`DEFAULT_SEED` makes ``data/demo_cohort.xlsx``.

    Returns
    -------
    Cohort
        ``patients, hb, transfusions, doses, events, labs`` in canonical columns and dtypes
        (study days; ``first_dose_date`` per patient), ``source.synthetic`` true.
    """
    tables = _generate(int(seed))
    frames = {name: _canonical(name, rows) for name, rows in tables.items()}
    return Cohort(
        **frames,
        source=SourceInfo(name=f"demo cohort (synthetic, seed {seed})", shape="in memory", synthetic=True),
    )


def write_demo_workbook(path: str | Path, seed: int = DEFAULT_SEED) -> Path:
    """Write the demo cohort as a standard workbook; the same seed gives identical bytes.

    Sheets: ``about`` (says SYNTHETIC, how it was made, the seed, what is reproduced), then
    ``patients, hb, transfusions, doses, events, labs`` in the columns the loader reads.
    """
    import xlsxwriter
    import xlsxwriter.exceptions

    path = Path(path)
    cohort = make_demo_cohort(seed)
    workbook = xlsxwriter.Workbook(str(path))
    # xlsxwriter stamps the creation time into docProps/core.xml; a fixed one (and its fixed
    # 1980 zip timestamps) makes the file reproducible byte for byte.
    workbook.set_properties({
        "title": "Luspatercept Cohort Explorer: SYNTHETIC demo cohort",
        "subject": "Synthetic patients, not real data",
        "author": "lusp.demo",
        "comments": f"Generated by lusp.demo.write_demo_workbook(seed={seed})",
        "created": WORKBOOK_CREATED,
    })
    bold = workbook.add_format({"bold": True})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    date_fmt = workbook.add_format({"num_format": "yyyy-mm-dd"})
    number_fmt = workbook.add_format({"num_format": "0.0"})

    about = workbook.add_worksheet("about")
    about.set_column(0, 0, 28)
    about.set_column(1, 1, 110, wrap)
    for row, (key, value) in enumerate(about_rows(seed)):
        about.write_string(row, 0, key, bold)
        about.write_string(row, 1, value)

    for name in ("patients", "hb", "transfusions", "doses", "events", "labs"):
        frame = _workbook_frame(cohort, name)
        sheet = workbook.add_worksheet(name)
        sheet.freeze_panes(1, 0)
        for col, column in enumerate(frame.columns):
            sheet.write_string(0, col, column, bold)
            sheet.set_column(col, col, max(10, len(column) + 2))
            values = frame[column].tolist()
            for row, value in enumerate(values, start=1):
                if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
                    continue
                if isinstance(value, (bool, np.bool_)):
                    sheet.write_boolean(row, col, bool(value))
                elif isinstance(value, pd.Timestamp):
                    sheet.write_datetime(row, col, value.to_pydatetime(), date_fmt)
                elif isinstance(value, (int, np.integer)):
                    sheet.write_number(row, col, int(value))
                elif isinstance(value, (float, np.floating)):
                    sheet.write_number(row, col, float(value), number_fmt if column.endswith("_g_l") else None)
                else:
                    sheet.write_string(row, col, str(value))
    try:
        workbook.close()
    except xlsxwriter.exceptions.FileCreateError as exc:  # not an OSError subclass
        raise OSError(*exc.args[0].args) if exc.args and isinstance(exc.args[0], OSError) else OSError(str(exc)) from exc
    return path


def about_rows(seed: int = DEFAULT_SEED) -> list[tuple[str, str]]:
    """The ``about`` sheet: what this file is, how it was made, what it reproduces."""
    t = TARGETS
    return [
        ("SYNTHETIC DATA", "SYNTHETIC demo cohort: these are NOT real patients. Generated by a program to "
                           "reproduce the published figures of a single-centre study; do not use for clinical decisions."),
        ("generator", f"lusp.demo.make_demo_cohort (version {GENERATOR_VERSION}), seeded and documented in lusp/demo.py "
                      "and data/README.md"),
        ("seed", str(seed)),
        ("regenerate", f"python -m lusp demo --seed {seed} --out data/demo_cohort.xlsx (byte-for-byte identical)"),
        ("how it was generated",
         "Each patient has a designed role (TD responder, TD non-responder with or without a transient first-week "
         "Hb spike, NTD responder or non-responder) and designed baseline and peak Hb; the seed varies only values that "
         "do not decide a figure (ages, weights, covariates, dates, lab-day jitter, Hb noise, adverse events, blasts). "
         "Doses follow the study protocol (1.0 -> 1.25 -> 1.5 -> 1.75 mg/kg every 21 days) with two deliberate deviations "
         "(DEMO-13 escalated after one dose; DEMO-14 one interval of 14 days)."),
        ("time", "Study days (day 0 = first luspatercept dose); patients.first_dose_date gives the calendar date "
                 "(March 2024 - February 2025)."),
        ("reproduced (default criteria 'study')",
         f"{t.n_patients} patients, {t.n_td} TD, {t.n_ntd} NTD; {t.n_responders} responders "
         f"({t.n_td_responders}/{t.n_td} TD by transfusion independence, {t.n_ntd_responders}/{t.n_ntd} NTD, the NTD "
         f"non-responder rising {t.ntd_failure_rise_g_l:.0f} g/L); {t.n_early_rise} with an Hb rise in days 1-14; mean Hb "
         f"{t.mean_baseline_hb_g_l:.2f} -> {t.mean_post_hb_g_l:.2f} g/L (post = peak); {t.n_post_hb_over_100} with post Hb > 100 "
         f"g/L; {t.n_td_nonresponders} TD non-responders, {t.n_spike_td_nonresponders} with the transient spike, burden "
         f"4.21 -> 4.10 U/28 d; mean rise of the {t.n_early_rise} early risers {t.mean_hb_rise_early_risers_g_l:.2f} g/L."),
        ("not reproduced, and why",
         "The published mean rise 39.56 g/L is not the difference of the means (96.21 - 60.61 = 35.60 g/L): the mean "
         "rise over all 22 is 35.60, over the 20 early risers 39.56. A burden of exactly 4.2 U/28 d before treatment for "
         "7 patients needs 58.8 units in the 8-week windows; whole units give 59 (4.21)."),
    ]


# --------------------------------------------------------------------------------------
# Generation
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Keys:
    """The deciding values of one patient, in tenths of g/L (exact integer arithmetic)."""

    baseline_tenths: int
    peak_tenths: int
    spike_tenths: int  # td_spike only


def _key_values(rng: np.random.Generator) -> dict[str, _Keys]:
    """Jittered key values, then the exact adjustment of the two sums (module docstring)."""
    jitter = {e.patient_id: rng.integers(-15, 16, size=3) for e in ROSTER}
    base = {e.patient_id: int(round(e.baseline_hb_g_l * 10)) + int(jitter[e.patient_id][0]) for e in ROSTER}
    adjustable_b = [e.patient_id for e in ROSTER if e.role == TD_TI]
    _spread(base, adjustable_b, _SUM_BASELINE_TENTHS - sum(base.values()))

    spike: dict[str, int] = {}
    peak: dict[str, int] = {}
    for e in ROSTER:
        pid, j = e.patient_id, jitter[e.patient_id]
        if e.role == TD_SPIKE:
            # 12.5 … 19.5 g/L: clearly a spike (≥ 10) and not a > 20 g/L dose-reduction rise.
            spike[pid] = int(np.clip(round(e.key_g_l * 10) + j[2] // 2, 125, 195))
            peak[pid] = base[pid] + spike[pid]
        elif e.role == TD_FLAT:
            peak[pid] = base[pid] + _TD_FLAT_RISE_TENTHS
        elif e.role == NTD_FAIL:
            peak[pid] = base[pid] + _NTD_FAIL_RISE_TENTHS
        else:
            peak[pid] = int(round(e.key_g_l * 10)) + int(j[1])
    over_100 = [e.patient_id for e in ROSTER if e.role in (TD_TI, NTD_RESP) and e.key_g_l > 100]
    _spread(peak, over_100, _SUM_PEAK_TENTHS - sum(peak.values()))
    for e in ROSTER:
        pid = e.patient_id
        if e.role in (TD_TI, NTD_RESP):
            above = pid in over_100
            if above and not 1005 <= peak[pid] <= 1250 or not above and peak[pid] > 990:
                raise AssertionError(f"{pid}: designed peak {peak[pid] / 10} g/L left its class")
            if e.role == NTD_RESP and peak[pid] - base[pid] < 150:
                raise AssertionError(f"{pid}: NTD responder rise too small")
    return {pid: _Keys(base[pid], peak[pid], spike.get(pid, 0)) for pid in base}


def _spread(values: dict[str, int], ids: list[str], total_tenths: int) -> None:
    """Add ``total_tenths`` to ``values[ids]`` as evenly as 0.1 g/L steps allow."""
    q, r = divmod(total_tenths, len(ids))
    for i, pid in enumerate(ids):
        values[pid] += q + (1 if i < r else 0)


def _noise(rng: np.random.Generator, n: int) -> np.ndarray:
    return np.clip(rng.normal(0.0, NOISE_SD_G_L, n), -NOISE_CLIP_G_L, NOISE_CLIP_G_L)


def _post_days(rng: np.random.Generator, end_day: int, *, day4: bool) -> list[int]:
    """Lab-like Hb days after day 0: weekly to day 56, then every 21 days (dose days)."""
    days = [4] if day4 else []
    days += [7, 14 + int(rng.integers(-1, 2)), 21, 28 + int(rng.integers(-1, 2)), 35 + int(rng.integers(-1, 2)),
             42, 49 + int(rng.integers(-1, 2)), 56 + int(rng.integers(-1, 1))]
    days += list(range(63, end_day + 1, DOSE_INTERVAL_DAYS))
    return sorted(set(d for d in days if d <= end_day))


def _baseline_days(rng: np.random.Generator) -> list[int]:
    return [-42 + int(rng.integers(-3, 4)), -28 + int(rng.integers(-2, 3)), -14 + int(rng.integers(-2, 2)), 0]


def _baseline_transfusions(rng: np.random.Generator, units: int, last_day: int) -> list[tuple[int, int]]:
    """Episodes of 2–3 units about every 2 weeks in days −56 … ``last_day``."""
    if units <= 0:
        return []
    n = max(1, units // 2)
    threes = units - 2 * n
    while threes < 0:
        n -= 1
        threes = units - 2 * n
    first = -52 + int(rng.integers(0, 3))
    days = np.linspace(first, last_day, n).round().astype(int) if n > 1 else np.array([last_day])
    sizes = [2] * n
    for i in rng.permutation(n)[:threes]:
        sizes[i] += 1
    return list(zip(days.tolist(), sizes))


def _affected(day: int, tx: list[tuple[int, int]]) -> bool:
    return any(1 <= day - t <= TX_EXCLUSION_DAYS for t, _ in tx)


def _boost(day: int, tx: list[tuple[int, int]], per_unit_g_l: float = 8.0, decay_days: float = 9.0) -> float:
    """Hb added by earlier transfusions (about 8 g/L a unit, fading over ~2–3 weeks)."""
    return sum(per_unit_g_l * u * np.exp(-(day - t) / decay_days) for t, u in tx if t < day)


def _ramp(days: list[int], b: float, p: float, peak_day: int, lag_day: int, lag_rise: float) -> np.ndarray:
    """Piecewise-linear response: b at day 0, b + lag_rise at lag_day, p at peak_day."""
    knots_x = [0, lag_day, peak_day] if lag_day else [0, peak_day]
    knots_y = [b, b + lag_rise, p] if lag_day else [b, p]
    return np.interp(days, knots_x, knots_y)


def _responder_hb(rng, e: RosterEntry, keys: _Keys, tx_all, post_days) -> tuple[list[int], list[float]]:
    """Responders: a ramp to the designed peak on a dose-cycle day, then a plateau below it."""
    b, p = keys.baseline_tenths / 10, keys.peak_tenths / 10
    lag_day, lag_rise = (42, 6.0) if e.slow else (0, 0.0)
    # The slowest ramp the dose-reduction rule allows, on a 21-day dose-cycle day.
    climb = p - b - lag_rise
    min_span = climb * DOSE_INTERVAL_DAYS / MAX_RAMP_PER_CYCLE_G_L
    peak_day = next(d for d in range(63, e.end_day + 1, DOSE_INTERVAL_DAYS) if d - lag_day >= min_span)
    if peak_day > e.end_day - 42:
        raise AssertionError(f"{e.patient_id}: peak day {peak_day} too close to the end")
    values = _ramp(post_days, b, p, peak_day, lag_day, lag_rise) + _noise(rng, len(post_days))
    plateau = np.array(post_days) > peak_day
    # After a dose held for Hb ≥ 115 g/L the Hb settles just below it and dosing resumes.
    top = min(p, HOLD_HB_G_L - 1.0)
    values[plateau] = top - rng.uniform(1.5, 7.0, plateau.sum())
    values += np.array([_boost(d, tx_all) for d in post_days])
    out = []
    for d, v in zip(post_days, values):
        if d == peak_day:
            v = p
        else:
            v = min(v, p - 0.4 - abs(float(_noise(rng, 1)[0])) * 0.3)
        if e.slow and d < 42:
            v = min(v, b + 7.5)  # below the escalation criterion until the level changes
        if d == 7:
            v = max(v, b + 1.0 + abs(float(_noise(rng, 1)[0])))  # the early rise (days 1–14)
        out.append(v)
    return post_days, out


def _generate(seed: int) -> dict[str, list[dict]]:
    rng = np.random.default_rng(seed)
    keys = _key_values(rng)
    tx_after = _td_nonresponder_units(rng)
    tables: dict[str, list[dict]] = {t: [] for t in ("patients", "hb", "transfusions", "doses", "events", "labs")}
    study_start, study_end = dt.date(2024, 3, 4), dt.date(2025, 2, 28)

    for e in ROSTER:
        pid, k = e.patient_id, keys[e.patient_id]
        b = k.baseline_tenths / 10
        p = k.peak_tenths / 10
        # ---- transfusions ------------------------------------------------------------
        if e.role == TD_FLAT:
            # The baseline Hb is measured 6 days after 3 units: higher than anything after.
            tx_base = [(-48, 2), (-27, 3), (-6, 3)]
        elif e.role == TD_SPIKE:
            tx_base = _baseline_transfusions(rng, e.units_baseline, -int(rng.integers(9, 14)))
        elif e.role == TD_TI:
            # Last one 2–3 weeks before day 0, so the day-0 Hb is the nadir before the next.
            tx_base = _baseline_transfusions(rng, e.units_baseline, -int(rng.integers(14, 21)))
        else:
            tx_base = []
        if e.role in (TD_SPIKE, TD_FLAT):
            # DEMO-13's early escalation must not also meet the criterion: 3 units first.
            tx_post = _saw_tooth_schedule(rng, tx_after[pid], e.end_day, first=int(rng.integers(15, 19)),
                                          three_first=DEVIATIONS.get(pid, ("",))[0] == "early_escalation")
        else:
            tx_post = list(e.early_tx)
        tx_all = tx_base + tx_post

        # ---- Hb ------------------------------------------------------------------------
        base_days = _baseline_days(rng)
        post_days = _post_days(rng, e.end_day, day4=(e.role == TD_SPIKE and rng.random() < 0.7))
        # The Hb a patient falls back to between transfusions (or stays at, if NTD).
        floor = p - 10.0 if e.role == TD_FLAT else b - 4.0
        hb: dict[int, float] = {}
        for d in base_days[:-1]:
            hb[d] = min(floor + 2 + _boost(d, tx_base) + float(_noise(rng, 1)[0]), 95.0)
        for t, _ in tx_base:
            if t < 0 and t not in hb and t >= -BASELINE_WINDOW_DAYS:
                hb[t] = min(floor + _boost(t, tx_base) + float(_noise(rng, 1)[0]), 62.0)  # pre-transfusion Hb
        hb[0] = b
        if e.role in (TD_TI, NTD_RESP):
            for t, _ in tx_post:
                if t not in post_days:
                    post_days = sorted(post_days + [t])
            days, values = _responder_hb(rng, e, k, tx_all, post_days)
            hb.update(zip(days, values))
        elif e.role == NTD_FAIL:
            # A slow drift around baseline (never reaching + 10 g/L), peaking once at + 4.
            peak_day = 84 + DOSE_INTERVAL_DAYS * int(rng.integers(0, 2))
            phase = rng.uniform(0, 2 * np.pi)
            for d in post_days:
                drift = b - 1.0 + 2.5 * np.sin(2 * np.pi * d / 120 + phase) + float(_noise(rng, 1)[0])
                if d <= 14:
                    v = min(drift, b - 0.5)  # no early rise
                elif d == peak_day:
                    v = p
                else:
                    v = min(drift, p - 0.5)
                hb[d] = v
        else:  # TD non-responders: the saw-tooth of transfusion and decay
            days = sorted(set(post_days) | {t for t, _ in tx_post})
            for d in days:
                v = floor + _boost(d, tx_all) + float(_noise(rng, 1)[0])
                if not _affected(d, tx_all):
                    v = min(v, p - 1.0 - rng.uniform(0, 1.5))
                hb[d] = min(v, 92.0)
            if e.role == TD_SPIKE:
                s = k.spike_tenths / 10
                hb[7] = b + s  # the transient first-week peak
                if 4 in hb:
                    hb[4] = b + s * rng.uniform(0.45, 0.75)
                d14 = min(d for d in days if d >= 13)
                hb[d14] = b - rng.uniform(0.0, 3.0)  # fallen back by more than half by week 2
            else:
                hb[7] = b - rng.uniform(4.0, 7.0)  # still transfusion-raised, falling
                d14 = min(d for d in days if d >= 13)
                hb[d14] = p  # the highest transfusion-unaffected value after day 0
        for d in list(hb):
            hb[d] = round(float(hb[d]), 1)
        hb[0] = b

        # ---- doses ---------------------------------------------------------------------
        doses = _simulate_doses(pid, e, hb, tx_all, b, e.units_baseline)

        # ---- patient row -----------------------------------------------------------------
        latest_start = study_end - dt.timedelta(days=e.end_day)
        span = max((latest_start - study_start).days, 0)
        first_dose = study_start + dt.timedelta(days=int(rng.integers(0, min(span, 200) + 1)))
        first_dose -= dt.timedelta(days=max(first_dose.weekday() - 4, 0))  # a weekday clinic
        weight = round(float(rng.normal(64.0 if e.sex == "F" else 77.0, 9.0)), 1)
        rs_pct = None
        if e.myeloid:
            rs_pct = float(rng.integers(25, 61)) if e.sf3b1 else float(rng.integers(0, 11))
        epo_center = 60.0 if e.role in (TD_TI, NTD_RESP) else 220.0
        tables["patients"].append({
            "patient_id": pid,
            "diagnosis": e.diagnosis,
            "age": float(e.age + int(rng.integers(-2, 3))),
            "sex": e.sex,
            "weight_kg": weight,
            "first_dose_date": pd.Timestamp(first_dose),
            "last_followup_day": e.end_day,
            "disease_status": e.disease_status,
            "concurrent_chemo": e.concurrent_chemo,
            "prior_esa": e.prior_esa,
            "baseline_epo_u_l": round(float(epo_center * np.exp(rng.normal(0, 0.6))), 0),
            "ring_sideroblasts_pct": rs_pct,
            "sf3b1_mutated": e.sf3b1 if e.myeloid else None,
        })
        for d in sorted(hb):
            tables["hb"].append({"patient_id": pid, "day": d, "hb_g_l": hb[d]})
        for t, u in sorted(tx_all):
            tables["transfusions"].append({"patient_id": pid, "day": t, "units": float(u), "product": "RBC"})
        for d, x in doses:
            tables["doses"].append({"patient_id": pid, "day": d, "dose_mg_kg": x, "dose_mg": round(x * weight, 1)})
        tables["events"] += _events(rng, e)
        tables["labs"] += _labs(rng, e)
    return tables


def _saw_tooth_schedule(rng, units: int, end_day: int, first: int, three_first: bool = False) -> list[tuple[int, int]]:
    """Post-day-0 transfusions of a TD non-responder: 2–3 units every ~2–3 weeks to the end.

    Never on a 21-day dose day, so a dose's pre-dose Hb is never the transfusion's own.
    """
    n = int(round(units / 2.4))
    n = min(max(n, -(-units // 3)), units // 2)
    days = np.linspace(first, end_day - 3, n).round().astype(int)
    days = [d + 1 if d % DOSE_INTERVAL_DAYS == 0 else d for d in days.tolist()]
    sizes = [2] * n
    for i in rng.permutation(n)[: units - 2 * n]:
        sizes[i] += 1
    if three_first and 3 in sizes:
        sizes.remove(3)
        sizes.insert(0, 3)
    return list(zip(days, sizes))


def _td_nonresponder_units(rng) -> dict[str, int]:
    """Units after day 0 for the 7 TD non-responders: mean burden 4.1 U/28 d (module docstring).

    Every candidate within ±1 unit of 4.1 U/28 d per patient is tried; the chosen one keeps
    the mean of patients, the pooled burden, and the same two for the 6 with a spike, all
    within ±0.05 of 4.1, and is the closest to 4.1 on the mean of the 7.
    """
    target = TARGETS.td_nonresponder_burden_after_u28
    ids = [e.patient_id for e in ROSTER if e.role in (TD_SPIKE, TD_FLAT)]
    ends = np.array([e.end_day for e in ROSTER if e.role in (TD_SPIKE, TD_FLAT)], dtype=float)
    spike = np.array([e.role == TD_SPIKE for e in ROSTER if e.role in (TD_SPIKE, TD_FLAT)])
    nominal = np.round(target * ends / 28).astype(int)
    best, best_err = None, np.inf
    for delta in itertools.product((-1, 0, 1), repeat=len(ids)):
        units = nominal + np.array(delta)
        per_patient = units * 28 / ends
        checks = [per_patient.mean(), units.sum() * 28 / ends.sum(), per_patient[spike].mean(),
                  units[spike].sum() * 28 / ends[spike].sum()]
        worst = max(abs(c - target) for c in checks)
        if worst <= TARGETS.burden_tolerance_u28 / 2 and abs(checks[0] - target) < best_err:
            best, best_err = units, abs(checks[0] - target)
    if best is None:
        raise AssertionError("no whole-unit schedule gives 4.1 U/28 d")
    return dict(zip(ids, best.tolist()))


def _simulate_doses(pid, e: RosterEntry, hb: dict[int, float], tx, baseline_hb, units_baseline) -> list[tuple[int, float]]:
    """Doses by the study protocol (escalation, hold rule) plus the deliberate deviations."""
    hb_days = np.array(sorted(hb))
    hb_values = np.array([hb[d] for d in hb_days])
    affected = np.array([_affected(int(d), tx) for d in hb_days])
    burden_before = units_baseline * 28 / BASELINE_WINDOW_DAYS
    deviation = DEVIATIONS.get(pid)
    doses: list[tuple[int, float]] = []
    level, at_level, level_start = 0, 0, 0
    day = 0
    while day <= e.end_day - DOSE_INTERVAL_DAYS:
        index = len(doses)
        pre = hb_values[hb_days <= day][-1]
        recent_tx = any(day - 21 <= t <= day - 1 for t, _ in tx)
        if index > 0 and round(pre, 1) >= HOLD_HB_G_L and not recent_tx:
            day += DOSE_INTERVAL_DAYS  # hold: the pre-dose Hb is high without a transfusion
            continue
        escalate = False
        if index > 0 and level < len(DOSE_LEVELS_MG_KG) - 1 and at_level >= 2:
            if burden_before > 0:
                units = sum(u for t, u in tx if level_start <= t <= day - 1)
                now = units * 28 / (day - level_start)
                met = (burden_before - now) / burden_before * 100 >= 33.0
            else:
                window = (hb_days >= level_start) & (hb_days <= day - 1) & ~affected
                met = round(hb_values[window].max() - baseline_hb, 1) >= 10.0
            escalate = not met
        if deviation == ("early_escalation", index):
            escalate = True
        if escalate:
            level, at_level, level_start = level + 1, 0, day
        doses.append((day, DOSE_LEVELS_MG_KG[level]))
        at_level += 1
        if deviation == ("short_interval", index + 1):
            day += 14
        else:
            day += DOSE_INTERVAL_DAYS
    return doses


def _events(rng, e: RosterEntry) -> list[dict]:
    rows = []
    for i in rng.choice(len(ADVERSE_EVENTS), size=int(rng.integers(0, 4)), replace=False):
        term, lo, hi = ADVERSE_EVENTS[int(i)]
        rows.append({"patient_id": e.patient_id, "day": int(rng.integers(2, e.end_day - 7)),
                     "category": "adverse_event", "term": term, "grade": int(rng.integers(lo, hi + 1)),
                     "related": "yes" if rng.random() < 0.5 else "no"})
    if e.patient_id in CLINICAL_EVENTS:
        category, term, offset = CLINICAL_EVENTS[e.patient_id]
        rows.append({"patient_id": e.patient_id, "day": e.end_day + offset, "category": category, "term": term,
                     "grade": None, "related": "no"})
    return sorted(rows, key=lambda r: r["day"])


def _labs(rng, e: RosterEntry) -> list[dict]:
    """Bone-marrow blasts (%) for myeloid diseases: screening, then about every 12 weeks."""
    if not e.myeloid:
        return []
    level = {"leukaemia, my": 3.0, "in remission": 2.5, "IB1": 7.0, "CMML-2": 11.0, "CMML-1": 3.0}
    start = next((v for k, v in level.items() if k in e.diagnosis), 1.5)
    event = CLINICAL_EVENTS.get(e.patient_id)
    transformed_day = e.end_day + event[2] if event and event[0] == "transformation" else None
    days = [-14 + int(rng.integers(-3, 3)), 84 + int(rng.integers(-3, 4)), 168 + int(rng.integers(-3, 4))]
    rows = []
    for day in days:
        if day > e.end_day - 7 or (transformed_day is not None and day >= transformed_day):
            continue
        value = start * float(np.exp(rng.normal(0, 0.2)))
        if transformed_day is not None and day > 0:
            value = 12.0 + float(rng.uniform(0, 2))  # rising towards transformation
        rows.append({"patient_id": e.patient_id, "day": day, "test": "blasts", "value": round(value, 1), "unit": "%"})
    if transformed_day is not None:
        # The marrow that diagnosed the transformation to AML (≥ 20 % blasts).
        rows.append({"patient_id": e.patient_id, "day": transformed_day, "test": "blasts",
                     "value": round(22.0 + float(rng.uniform(0, 6)), 1), "unit": "%"})
    return rows


def _canonical(name: str, rows: list[dict]) -> pd.DataFrame:
    """Rows → a frame with the canonical columns and dtypes of ``name``, sorted."""
    columns = TABLE_COLUMNS[name]
    frame = pd.DataFrame(rows, columns=[c for c in columns if c != "date"] if name != "patients" else list(columns))
    out = {}
    for column, dtype in columns.items():
        if column in frame:
            values = frame[column]
            if dtype == "boolean":
                values = values.map(lambda v: pd.NA if v is None else bool(v))
            out[column] = values.astype(dtype)
        else:
            out[column] = pd.Series([pd.NaT] * len(frame), dtype=dtype)
    result = pd.DataFrame(out)
    keys = ["patient_id", "day"] if "day" in result else ["patient_id"]
    return result.sort_values(keys, kind="stable").reset_index(drop=True)


def _workbook_frame(cohort: Cohort, name: str) -> pd.DataFrame:
    """The columns written to a sheet: study days, no empty ``date`` column."""
    frame = cohort.table(name)
    return frame[[c for c in frame.columns if c != "date"]]
