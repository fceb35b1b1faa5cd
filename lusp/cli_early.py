"""The ``early`` and ``trials`` subcommands (issue 14), registered in :mod:`lusp.cli`.

``python -m lusp early PATH [--review-day N] [--criteria …]`` prints the early-sign 2 × 2 tables
as JSON: one object per sign keyed by its name (``spike_vs_failure``, …), each with ``group``,
``tp``, ``fp``, ``fn``, ``tn`` and ``sensitivity``/``specificity``/``ppv``/``npv`` → ``{est, lo,
hi}`` (positive = the sign present; outcome positive = failure; exact 95 % intervals; null when a
rate has no denominator). ``--details`` adds labels, counts per rate and exclusions.

``python -m lusp trials PATH`` prints one JSON object per trial and arm with ``trial``,
``endpoint``, ``cohort_k``, ``cohort_n``, ``published_k``, ``published_n``, ``arm``;
``--details`` adds the rates, exact CIs, citation and analysis.
"""
from __future__ import annotations

import argparse
import json
import sys

from lusp.cli import EXIT_BAD_INPUT, _analyze_from_args, _write_text, add_analysis_arguments, add_cohort_arguments
from lusp.i18n import _

#: The keys the issue specifies, in order.
SIGN_KEYS = ("group", "tp", "fp", "fn", "tn")
RATE_KEYS = ("sensitivity", "specificity", "ppv", "npv")
TRIAL_KEYS = ("trial", "endpoint", "cohort_k", "cohort_n", "published_k", "published_n", "arm")


def _dump(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, allow_nan=False) + "\n"


def cmd_early(args: argparse.Namespace) -> int:
    from lusp import early

    if args.review_day is not None and args.review_day < 1:
        print("early:::--review-day: " + _("{day} is not a study day after the first dose (use 1 or later)").format(
            day=args.review_day), file=sys.stderr)
        return EXIT_BAD_INPUT
    results = _analyze_from_args(args, "early")
    day = early.default_review_day(results) if args.review_day is None else args.review_day
    signs = early.early_signs(results, day)
    out = {}
    for name, sign in signs.items():
        full = sign.to_dict()
        entry = {key: full[key] for key in SIGN_KEYS}
        for key in RATE_KEYS:
            rate = full[key]
            entry[key] = dict(rate) if args.details else {k: rate[k] for k in ("est", "lo", "hi")}
        if args.details:
            entry.update(label=sign.label, n=sign.n, n_excluded=sign.n_excluded, n_not_evaluable=sign.n_not_evaluable)
        out[name] = entry
    print(_("note: review day {day} ({protocol} protocol); {caveat}").format(
        day=day, protocol=results.protocol or "study", caveat=_(early.SMALL_N_CAVEAT)), file=sys.stderr)  # i18n: lookup
    return _write_text(_dump(out), args.out, "early")


def add_early(subparsers) -> None:
    parser = subparsers.add_parser(
        "early",
        help="early signs at the review day against the eventual outcome (2 × 2 tables, JSON)",
        description="For each early sign (transient first-week spike, Hb rise at the review day, burden reduction "
        "at the review day, the criteria set's early rise) its 2 × 2 table against failure among the evaluable "
        "patients it applies to, with sensitivity, specificity, PPV and NPV and exact 95 %% intervals.",
    )
    add_cohort_arguments(parser)
    parser.add_argument("--review-day", type=int, metavar="N", default=None,
                        help="study day of the review (default: the protocol's first escalation review, day 42 "
                        "under the study protocol)")
    parser.add_argument("--details", action="store_true", help="add labels, counts per rate and exclusions")
    parser.add_argument("--out", metavar="FILE", help="write the JSON to FILE (default: the screen)")
    add_analysis_arguments(parser)
    parser.set_defaults(func=cmd_early)


def cmd_trials(args: argparse.Namespace) -> int:
    from lusp import trials

    results = _analyze_from_args(args, "trials")
    rows = trials.trials_json(results)
    out = rows if args.details else [{key: row[key] for key in TRIAL_KEYS} for row in rows]
    print(_("note: {text}").format(text=_(trials.DIFFERENT_POPULATIONS)), file=sys.stderr)  # i18n: lookup
    return _write_text(_dump(out), args.out, "trials")


def add_trials(subparsers) -> None:
    parser = subparsers.add_parser(
        "trials",
        help="the pivotal trials' published rates beside the same endpoints on this cohort (JSON)",
        description="MEDALIST, COMMANDS, BELIEVE and BEYOND: the published primary-endpoint k/N of the luspatercept "
        "and control arms beside the same endpoint computed on this cohort's TD or NTD patients.",
    )
    add_cohort_arguments(parser)
    parser.add_argument("--details", action="store_true", help="add rates, exact CIs, citation and analysis")
    parser.add_argument("--out", metavar="FILE", help="write the JSON to FILE (default: the screen)")
    add_analysis_arguments(parser)
    parser.set_defaults(func=cmd_trials)
