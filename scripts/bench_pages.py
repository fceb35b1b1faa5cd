"""Server-side rerun time of each dashboard page, measured through ``AppTest``.

    .venv/bin/python scripts/bench_pages.py [--repeat 5] [--patients 1000]

For the bundled demo cohort and each page it prints: the first visit of the page in a
session (analysis cached, the page's figures built) and the median of ``--repeat`` plain
reruns (what a widget interaction that changes nothing on the page costs), then the cost of a
filter change on the Overview. For a synthetic registry of ``--patients`` patients
(``lusp.bench.make_registry``) it times the Patients page: first visit, rerun, and a switch to
the next patient. Target: a demo-cohort rerun under 150 ms. Times include AppTest's own
overhead (building the element tree), so the server's real figures are a little lower.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

PAGES = ["overview", "patients", "transfusions", "responses", "safety", "data"]
TARGET_MS = 150


def _timed(step) -> float:
    start = time.perf_counter()
    at = step()
    elapsed = (time.perf_counter() - start) * 1000
    if at.exception:
        raise SystemExit(f"the app raised: {at.exception[0].value}")
    return elapsed


def bench_demo(repeat: int) -> list[tuple[str, float, float]]:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    cold = _timed(at.run)
    print(f"demo cohort: first run of a session (imports, demo load, analysis): {cold:.0f} ms")
    rows = []
    for page in PAGES:
        at.switch_page(f"app_pages/{page}.py")
        first = _timed(at.run)
        reruns = [_timed(at.run) for _ in range(repeat)]
        rows.append((page, first, statistics.median(reruns)))
    at.switch_page("app_pages/overview.py")
    at.run()
    filter_change = _timed(lambda: at.radio(key="w_f_td").set_value("TD").run())
    print(f"{'page':<14}{'first visit ms':>16}{'rerun ms (median)':>20}")
    for page, first, rerun in rows:
        flag = "" if rerun < TARGET_MS else f"  (over the {TARGET_MS} ms target)"
        print(f"{page:<14}{first:>16.0f}{rerun:>20.0f}{flag}")
    print(f"Overview after a filter change (TD only; new subset + summary): {filter_change:.0f} ms")
    return rows


def bench_registry(n_patients: int, repeat: int) -> None:
    from lusp.bench import write_registry
    from lusp.load import load_cohort

    with tempfile.TemporaryDirectory() as tmp:
        paths = write_registry(Path(tmp), n_patients)
        cohort = load_cohort([str(p) for p in paths])
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.session_state["cohort"] = cohort
    at.session_state["cohort_token"] = f"bench:{n_patients}"
    cold = _timed(at.run)
    at.switch_page("app_pages/patients.py")
    first = _timed(at.run)
    reruns = [_timed(at.run) for _ in range(repeat)]
    switches = [_timed(lambda: at.button(key="w_next").click().run()) for _ in range(repeat)]
    print(f"\n{n_patients}-patient registry: first run (analysis) {cold:.0f} ms; Patients page first visit "
          f"{first:.0f} ms, rerun {statistics.median(reruns):.0f} ms, next patient {statistics.median(switches):.0f} ms "
          "(median)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--patients", type=int, default=1000)
    args = parser.parse_args(argv)
    bench_demo(args.repeat)
    bench_registry(args.patients, args.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
