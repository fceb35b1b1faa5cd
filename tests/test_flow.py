"""Patient flow (lusp.flow, lusp.figures.flow): counts against lusp.analysis.summarize and
against a cohort worked by hand, and the figure's boxes carrying those counts."""
from __future__ import annotations

import html
import re

import pytest

from lusp.analysis import analyze, summarize
from lusp.demo import make_demo_cohort
from lusp.figures.flow import flow_figure
from lusp.flow import patient_flow
from tests.cohort_factory import make_cohort


@pytest.fixture(scope="module")
def demo():
    return analyze(make_demo_cohort())


@pytest.fixture(scope="module")
def mixed():
    """Six patients, worked by hand (study set: TI = 56 transfusion-free days):

    - A  NTD, Hb 60 → 90 on day 30: evaluable, responder (rise 30 ≥ 10).
    - B  NTD, no dose at all: untreated, left at the first step.
    - C  TD (2 U on day −20), follow-up 0 days: not evaluable, "no follow-up after day 0".
    - D  TD, follow-up 30 days (< 56): not evaluable, "follow-up 30 days < 56 …".
    - E  TD, follow-up 20 days: not evaluable, same group of reason as D.
    - F  TD, 2 U on day −20, Hb until day 120, no transfusion after: TI, responder.

    Flow: 6 in the file → 5 treated (B) → 2 evaluable; not evaluable 3 = follow-up < 56
    days (D, E) 2 + no follow-up (C) 1 → TD 4 (1 evaluable), NTD 1 (1 evaluable) →
    responders TD 1 of 4, NTD 1 of 1.
    """
    cohort = make_cohort(
        patients=["A", "B", ("C", {"last_followup_day": 0}), ("D", {"last_followup_day": 30}),
                  ("E", {"last_followup_day": 20}), ("F", {"last_followup_day": 120})],
        hb=[("A", -7, 60), ("A", 30, 90), ("B", -3, 70), ("B", 30, 72), ("C", -3, 70), ("D", -3, 60), ("E", -3, 60),
            ("F", -3, 60), ("F", 60, 85), ("F", 120, 90)],
        transfusions=[("C", -20, 2), ("D", -20, 2), ("E", -20, 2), ("F", -20, 2)],
        doses=[("A", 0, 1.0), ("C", 0, 1.0), ("D", 0, 1.0), ("E", 0, 1.0), ("F", 0, 1.0), ("F", 21, 1.0)],
    )
    return analyze(cohort)


def test_flow_counts_equal_the_summary(demo):
    s = summarize(demo)
    f = patient_flow(demo)
    assert f.n_start == f.n_treated == s["n_patients"] == 22
    assert f.n_evaluable == s["n_evaluable"] and f.n_not_evaluable == s["n_not_evaluable"]
    assert (f.n_td, f.n_ntd) == (s["n_td"], s["n_ntd"]) == (16, 6)
    assert (f.n_td_responders, f.n_ntd_responders) == (s["n_td_responders"], s["n_ntd_responders"]) == (9, 5)
    assert f.n_responders == s["n_responders"]
    for key in ("td", "ntd"):
        ours, theirs = f.rates[key], s["response_rate"][key]
        assert (ours["k"], ours["n"]) == (theirs["k"], theirs["n"])
        assert ours["ci_low"] == pytest.approx(theirs["ci_low"]) and ours["ci_high"] == pytest.approx(theirs["ci_high"])


def test_flow_of_the_hand_worked_cohort(mixed):
    f = patient_flow(mixed, filters="all patients")
    assert (f.n_start, f.n_untreated, f.n_treated, f.n_evaluable) == (6, 1, 5, 2)
    assert f.exclusions == (("follow-up < 56 days without transfusion independence", 2),
                            ("no follow-up after day 0", 1))
    assert (f.n_td, f.n_td_evaluable, f.n_ntd, f.n_ntd_evaluable) == (4, 1, 1, 1)
    assert (f.n_td_responders, f.n_ntd_responders) == (1, 1)
    assert f.rates["td"]["k"] == 1 and f.rates["td"]["n"] == 4
    # Without the untreated patient the flow's responders equal the summary's (ITT).
    treated = mixed.subset(["A", "C", "D", "E", "F"])
    s = summarize(treated)
    g = patient_flow(treated, filters="treated only")
    assert (g.n_td_responders, g.n_ntd_responders, g.n_td, g.n_ntd) == (
        s["n_td_responders"], s["n_ntd_responders"], s["n_td"], s["n_ntd"])
    assert g.n_evaluable == s["n_evaluable"] == 2 and g.n_not_evaluable == s["n_not_evaluable"] == 3
    assert g.start_label == "Patients selected by the filters"
    assert any("treated only" in line for line in g.lines())


def _box_texts(fig) -> dict[str, str]:
    return {a.name: html.unescape(re.sub(r"<[^>]+>", " ", a.text)).replace("\u00a0", " ")
            for a in fig.layout.annotations if a.name}


def test_figure_boxes_show_every_count(mixed):
    f = patient_flow(mixed)
    fig = flow_figure(f)
    texts = _box_texts(fig)
    names = {s.name for s in fig.layout.shapes if s.name}
    assert {"stage: start", "stage: treated", "stage: evaluable", "stage: td", "stage: ntd",
            "stage: td responders", "stage: ntd responders", "exclusion: untreated",
            "exclusion: not evaluable"} <= names
    assert "n = 6" in texts["stage: start"] and "Patients in the file" in texts["stage: start"]
    assert "n = 5" in texts["stage: treated"]
    assert "n = 2" in texts["stage: evaluable"]
    assert "(n = 1)" in texts["exclusion: untreated"]
    ex = texts["exclusion: not evaluable"]
    assert "&lt; 56" in fig.layout.annotations[[a.name for a in fig.layout.annotations].index("exclusion: not evaluable")].text
    assert "(n = 3)" in ex and "follow-up < 56 days without transfusion" in ex and "no follow-up after day 0 (n = 1)" in ex
    assert "n = 1" in texts["stage: td"] and "+ 3 not evaluable (ITT n = 4)" in texts["stage: td"]
    # 1 of 4 = 25.0 %, Clopper–Pearson 0.6–80.6 %.
    assert "ITT 1 of 4 = 25.0 % (95 % CI 0.6–80.6 %)" in texts["stage: td responders"]
    assert "ITT 1 of 1 = 100.0 %" in texts["stage: ntd responders"]


def test_many_reasons_are_capped_and_empty_selection_draws(demo):
    from lusp.figures import flow as flow_module
    from lusp.flow import PatientFlow

    reasons = tuple((f"reason {i}", 1) for i in range(9))
    f = PatientFlow(n_start=9, filters="all patients", n_untreated=0, n_treated=9, exclusions=reasons, n_evaluable=0,
                    n_td=9, n_ntd=0, n_td_unknown=0, n_td_evaluable=0, n_ntd_evaluable=0, n_td_responders=0,
                    n_ntd_responders=0)
    text = _box_texts(flow_figure(f))["exclusion: not evaluable"]
    assert text.count("•") == flow_module.MAX_REASONS and "other reasons (n = 4)" in text
    empty = patient_flow(demo.subset([]))
    assert (empty.n_start, empty.n_treated, empty.n_td) == (0, 0, 0)
    assert "no patients" not in _box_texts(flow_figure(empty))["stage: td responders"]
