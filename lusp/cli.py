"""The command line: ``python -m lusp <command> …``.

One function per subcommand (``_cmd_<name>(args) -> int``), registered in
:func:`build_parser`. Every command that reads a cohort goes through
:func:`load_cohort_or_exit`, so bad input behaves the same everywhere: each problem is
printed on stderr as ``table:row:column: message`` and the exit status is 2, never a
traceback.

Adding a subcommand: write ``_cmd_<name>(args)``, then add one ``_add_<name>(subparsers)``
function and one line in the ``ADD_SUBCOMMANDS`` tuple below.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Callable, TextIO

from lusp.i18n import N_, SOURCE_LANGUAGE, _, current_language, ngettext, pgettext, say

#: The file shapes ``validate`` names (``SourceInfo.shape`` is the machine code).
SHAPE_NAMES = {"workbook": N_("workbook"), "zip": N_("zip of CSV files"), "csv-files": N_("CSV files"),
               "visits": N_("visits sheet")}

#: Exit statuses. 2 is also what argparse uses for a mistyped command line.
EXIT_OK = 0
EXIT_UNEXPECTED = 1
EXIT_BAD_INPUT = 2

DESCRIPTION = """\
Luspatercept Cohort Explorer — command line.

Check a cohort file, write an empty template to fill in, and (with the analysis
commands) compute each patient's response. A cohort file is an Excel workbook with one
sheet per table (patients, hb, transfusions, doses, events, labs), a .zip of CSV files,
several CSV files, or a single "visits" sheet with one row per patient and date.
"""

EPILOG = """\
examples:
  python -m lusp template --out my_cohort.xlsx       an empty workbook to fill in
  python -m lusp template --visits --out visits.xlsx a single visits sheet instead
  python -m lusp validate my_cohort.xlsx             is my file readable? what is wrong?
  python -m lusp validate patients.csv hb.csv doses.csv

exit status: 0 = file read (warnings may be printed), 2 = the file has errors (each one is
printed as  table:row:column: message  so you can find and fix it), 1 = unexpected
failure of the program itself.
"""

COHORT_PATHS_HELP = (
    "your cohort file(s): one .xlsx workbook, one .zip of CSVs, several .csv files, or one "
    "visits sheet (.csv or .xlsx)"
)


# --------------------------------------------------------------------------------------
# Shared helpers for every command that reads a cohort
# --------------------------------------------------------------------------------------


def add_cohort_arguments(parser: argparse.ArgumentParser, *, hb_unit_flag: bool = True) -> None:
    """Add the positional cohort ``paths``, ``--mapping`` and the real-export choices
    (``--hb-unit`` / ``--file-hb-unit``, ``--rbc-ml-per-unit``, ``--drug``, ``--hb-test``) to
    ``parser``. ``hb_unit_flag=False`` leaves ``--hb-unit`` to a command that uses it for
    display (``deck``); ``--file-hb-unit`` is always there."""
    parser.add_argument("paths", nargs="+", metavar="PATH", help=COHORT_PATHS_HELP)
    parser.add_argument(
        "--mapping",
        metavar="JSON",
        help="a column-mapping file saved from the Data page, for columns the program "
        "cannot recognise by name",
    )
    flags = ("--hb-unit", "--file-hb-unit") if hb_unit_flag else ("--file-hb-unit",)
    parser.add_argument(*flags, choices=("g/L", "g/dL", "mmol/L"), dest="file_hb_unit",
                        help="the unit of Hb values that declare none in the file (asked when every value is below 25)")
    parser.add_argument("--rbc-ml-per-unit", type=float, metavar="ML", dest="rbc_ml_per_unit",
                        help="mL of red cells in one unit, for blood-bank logs in mL (e.g. 200 in China)")
    parser.add_argument("--drug", action="append", default=[], metavar="NAME", dest="study_drugs",
                        help="a drug name that counts as luspatercept (repeatable; e.g. a trial code)")
    parser.add_argument("--hb-test", action="append", default=[], metavar="NAME", dest="hb_tests",
                        help="a lab test name or code that is Hb (repeatable), besides HGB, Hb, 血红蛋白 …")


def print_problems(problems, stream: TextIO) -> None:
    """Print problems as ``table:row:column: message``; warnings say ``warning:`` first.

    A problem with the whole file (no table yet) shows the file name in the table field,
    so the line still says where to look.
    """
    for problem in problems:
        table = problem.table or say(problem.file)
        row = "" if problem.row is None else str(problem.row)
        if problem.severity == "warning":
            message = _("warning: {message}").format(message=problem.said())
        else:
            message = problem.said()
        print(f"{table}:{row}:{problem.column}: {message}", file=stream)


def load_cohort_or_exit(args: argparse.Namespace, *, show_warnings: bool = True):
    """Load the cohort named by ``args.paths`` (and ``args.mapping``) or exit with status 2.

    On a :class:`~lusp.validate.CohortLoadError` every problem (errors, then warnings) is
    printed on stderr and the program exits with status 2. On success the warnings are
    printed on stderr (unless ``show_warnings`` is false) and the cohort is returned.
    """
    from lusp.load import mapping_from_json
    from lusp.sandbox import load_cohort  # the app's limits: a child with memory, CPU and time caps
    from lusp.validate import CohortLoadError

    mapping = None
    if getattr(args, "mapping", None):
        try:
            mapping = mapping_from_json(Path(args.mapping).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            from lusp.validate import message_of

            print(f"mapping:::{args.mapping}: {message_of(exc)}", file=sys.stderr)
            raise SystemExit(EXIT_BAD_INPUT)
    try:
        cohort = load_cohort([str(p) for p in args.paths], mapping=mapping,
                             hb_unit=getattr(args, "file_hb_unit", None),
                             rbc_ml_per_unit=getattr(args, "rbc_ml_per_unit", None),
                             study_drugs=getattr(args, "study_drugs", ()) or (),
                             hb_tests=getattr(args, "hb_tests", ()) or ())
    except CohortLoadError as exc:
        print_problems(exc.report.problems, sys.stderr)
        n = len(exc.report.errors)
        print(ngettext("{n} error: the cohort was not loaded.", "{n} errors: the cohort was not loaded.", n).format(n=n),
              file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT)
    if show_warnings:
        print_problems(cohort.report.warnings, sys.stderr)
    return cohort


def describe_cohort(cohort) -> str:
    """A short plain-language description of what was read (for ``validate``)."""
    source = cohort.source
    files = ", ".join(source.files)
    if source.shape:
        shape = source.shape  # English names the machine shape, as it always did; another language its words
        if current_language() != SOURCE_LANGUAGE and shape in SHAPE_NAMES:
            shape = _(SHAPE_NAMES[shape])  # i18n: lookup
        lines = [_("Read {name} ({shape}): {files}").format(name=say(source.name), shape=shape, files=files)]
    else:
        lines = [_("Read {name} (unknown shape): {files}").format(name=say(source.name), files=files)]
    if source.synthetic:
        lines.append(_("This is a SYNTHETIC cohort (not real patients)."))
    for name in ("patients", "hb", "transfusions", "doses", "events", "labs"):
        frame = cohort.table(name)
        lines.append(f"  {name:<13}" + ngettext("{n:>9} row", "{n:>9} rows", len(frame)).format(n=len(frame)))
    if source.hb_unit_detected != "g/L":
        lines.append(_("Hb unit in the file: {unit} (converted to g/L)").format(unit=source.hb_unit_detected))
    else:
        lines.append(_("Hb unit in the file: {unit}").format(unit=source.hb_unit_detected))
    if getattr(source, "read_as", ()):
        lines.append(_("Read as: {shapes}").format(shapes=pgettext("list separator", "; ").join(
            say(s) for s in source.read_as)))
    for note in getattr(source, "read_notes", ()):
        lines.append(f"  {say(note)}")
    if source.uses_dates and source.date_range:
        lines.append(_("Calendar dates were converted to study days (day 0 = first dose) from {first} to {last}.")
                     .format(first=source.date_range[0], last=source.date_range[1]))
    elif source.uses_dates:
        lines.append(_("Calendar dates were converted to study days (day 0 = first dose)."))
    else:
        lines.append(_("Times were given as study days (day 0 = first dose)."))
    if source.dropped_identifier_columns:
        lines.append(_("Identifier columns dropped: {columns}").format(columns=", ".join(source.dropped_identifier_columns)))
    if source.unmapped_columns:
        lines.append(_("Columns not recognised: {columns}").format(columns=", ".join(source.unmapped_columns)))
    covariates = [c for c in cohort.patients.columns if c not in _canonical_patient_columns()]
    if covariates:
        lines.append(_("Extra patient columns kept as covariates: {columns}").format(columns=", ".join(covariates)))
    n_warn = len(cohort.report.warnings)
    lines.append(ngettext("{n} warning; no errors.", "{n} warnings; no errors.", n_warn).format(n=n_warn))
    return "\n".join(lines)


def _canonical_patient_columns() -> set[str]:
    from lusp.cohort import TABLE_COLUMNS

    return set(TABLE_COLUMNS["patients"])


# --------------------------------------------------------------------------------------
# Subcommands: one _cmd_<name>(args) -> exit status, one _add_<name>(subparsers)
# --------------------------------------------------------------------------------------


def _cmd_validate(args: argparse.Namespace) -> int:
    cohort = load_cohort_or_exit(args)
    print(describe_cohort(cohort))
    return EXIT_OK


def _add_validate(subparsers) -> None:
    parser = subparsers.add_parser(
        "validate",
        help="check a cohort file and list every problem in it",
        description="Read a cohort file and list every problem found, each as "
        "table:row:column: message (rows numbered as in Excel or the CSV file). "
        "Errors stop the file from loading; warnings do not. When the file loads, a short "
        "description of what was read is printed.",
    )
    add_cohort_arguments(parser)
    parser.set_defaults(func=_cmd_validate)


def _cmd_template(args: argparse.Namespace) -> int:
    from lusp.template import write_template, write_visits_template

    out = Path(args.out)
    if out.suffix.lower() not in (".xlsx", ".csv") or (out.suffix.lower() == ".csv" and not args.visits):
        if args.visits:
            print(f"template:::{out}: " + _("the template is an Excel file; give a name ending in .xlsx "
                                            "(or .csv for the visits sheet)"), file=sys.stderr)
        else:
            print(f"template:::{out}: " + _("the template is an Excel file; give a name ending in .xlsx"),
                  file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        if args.visits:
            write_visits_template(out)
        else:
            write_template(out)
    except OSError as exc:
        print(f"template:::{out}: " + _("cannot write the file ({error})").format(error=exc.strerror or exc),
              file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.visits:
        print(_("Wrote the visits-sheet template to {out}. Fill it in, then check it with: "
                "python -m lusp validate {out}").format(out=out))
    else:
        print(_("Wrote the workbook template to {out}. Fill it in, then check it with: "
                "python -m lusp validate {out}").format(out=out))
    return EXIT_OK


def _add_template(subparsers) -> None:
    parser = subparsers.add_parser(
        "template",
        help="write an empty cohort workbook (or visits sheet) to fill in",
        description="Write an empty Excel workbook with one sheet per table, the column "
        "headers, one example row each and an instructions sheet (English and Chinese). "
        "With --visits, write a single visits sheet instead (one row per patient and date).",
    )
    parser.add_argument("--out", required=True, metavar="FILE", help="where to write it (.xlsx)")
    parser.add_argument(
        "--visits", action="store_true", help="a single visits sheet instead of a workbook"
    )
    parser.set_defaults(func=_cmd_template)


def _cmd_demo(args: argparse.Namespace) -> int:
    from lusp.demo import DEFAULT_SEED, write_demo_workbook

    out = Path(args.out)
    if out.suffix.lower() != ".xlsx":
        print(f"demo:::{out}: " + _("the demo cohort is an Excel workbook; give a name ending in .xlsx"), file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        write_demo_workbook(out, seed=args.seed)
    except OSError as exc:
        print(f"demo:::{out}: " + _("cannot write the file ({error})").format(error=exc.strerror or exc),
              file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.seed == DEFAULT_SEED:
        print(_("Wrote the SYNTHETIC demo cohort (seed {seed}) (the bundled data/demo_cohort.xlsx, byte for byte) "
                "to {out}.").format(seed=args.seed, out=out))
    else:
        print(_("Wrote the SYNTHETIC demo cohort (seed {seed}) to {out}.").format(seed=args.seed, out=out))
    return EXIT_OK


def _add_demo(subparsers) -> None:
    from lusp.demo import DEFAULT_SEED

    parser = subparsers.add_parser(
        "demo",
        help="regenerate the SYNTHETIC demo cohort workbook",
        description="Write the synthetic demo cohort (22 made-up patients calibrated to reproduce "
        "the source study's figures; see data/README.md). The same seed always gives the same "
        f"bytes; the default seed {DEFAULT_SEED} gives the bundled data/demo_cohort.xlsx.",
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    parser.add_argument("--out", default="data/demo_cohort.xlsx", metavar="FILE",
                        help="where to write it (.xlsx; default data/demo_cohort.xlsx)")
    parser.set_defaults(func=_cmd_demo)


def _cmd_deck(args: argparse.Namespace) -> int:
    import time

    from lusp.analysis import analyze
    from lusp.export.deck import build_deck
    from lusp.export.images import ImageExportError
    from lusp.i18n import _, ngettext

    out = Path(args.out)
    if out.suffix.lower() != ".pptx":
        print(f"deck:::{out}: " + _("the deck is a PowerPoint file; give a name ending in .pptx"), file=sys.stderr)
        return EXIT_BAD_INPUT
    cohort = load_cohort_or_exit(args)
    started = time.perf_counter()
    try:
        results = analyze(cohort, criteria=args.criteria)
        data = build_deck(results, hb_unit=args.hb_unit)
    except ImageExportError as exc:
        print(f"deck:::{out}: {exc}", file=sys.stderr)
        return EXIT_UNEXPECTED
    if not _write_bytes(data, out, "deck"):
        return EXIT_BAD_INPUT
    seconds = time.perf_counter() - started
    print(ngettext("Wrote the slide deck ({n} patient, criteria {criteria}) to {out} in {seconds:.1f} s.",
                   "Wrote the slide deck ({n} patients, criteria {criteria}) to {out} in {seconds:.1f} s.",
                   len(results.table)).format(n=len(results.table), criteria=args.criteria, out=out, seconds=seconds))
    return EXIT_OK


def _add_deck(subparsers) -> None:
    from lusp.criteria import CRITERIA

    parser = subparsers.add_parser(
        "deck",
        help="build the meeting slide deck (.pptx) of a cohort",
        description="Analyse a cohort and write the meeting slide deck: title, headline numbers, "
        "response rates with exact 95 %% CIs, transfusion burden, waterfall, swimmer, the transient-"
        "spike patients, subgroups, the per-patient table, safety, and the methods with every "
        "parameter (the results paragraph is in the speaker notes). Works offline; charts are "
        "rendered with Debian's chromium (Plotly) and vl-convert (Altair).",
    )
    add_cohort_arguments(parser, hb_unit_flag=False)  # --hb-unit is the slides' unit here
    parser.add_argument("--out", required=True, metavar="FILE", help="where to write the deck (.pptx)")
    parser.add_argument("--criteria", choices=list(CRITERIA), default=next(iter(CRITERIA)),
                        help="response criteria set (default: %(default)s)")
    parser.add_argument("--hb-unit", choices=("g/L", "g/dL"), default="g/L", dest="hb_unit",
                        help="Hb unit on the slides (default: %(default)s)")
    parser.set_defaults(func=_cmd_deck)


def _cmd_compare(args: argparse.Namespace) -> int:
    from lusp.concordance import compare
    from lusp.criteria import get_criteria
    from lusp.params import with_values

    try:
        names = [n.strip() for n in args.criteria.split(",") if n.strip()] if args.criteria else None
        params: dict = {}
        for item in args.set or ():
            key, _eq, raw = item.partition("=")
            name, _dot, field = key.partition(".")
            if not (name and field and raw):
                raise ValueError(_("--set {item!r}: write it as SET.PARAMETER=VALUE, e.g. iwg2018.observation_days=112")
                                 .format(item=item))
            chosen = get_criteria(name)
            current = params.get(name) or chosen.default_params()
            default = getattr(current, field, None)
            value = type(default)(raw) if isinstance(default, (int, float)) and not isinstance(default, bool) else raw
            params[name] = with_values(current, **{field: value})
    except ValueError as exc:
        print(f"compare:::{exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    cohort = load_cohort_or_exit(args)
    try:
        result = compare(cohort, names, params)
    except ValueError as exc:
        print(f"compare:::{exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.format == "csv":
        from lusp.export.tables import write_csv

        text = write_csv(result.wide.assign(changed=result.wide["changed"].map({True: "true", False: "false"})))
    elif args.format == "json":
        import json

        def records(frame):
            return json.loads(frame.to_json(orient="records", force_ascii=False))

        text = json.dumps({"criteria": list(result.criteria), "rates": records(result.rates),
                           "agreement": records(result.agreement), "patients": records(result.wide)},
                          ensure_ascii=False, indent=2) + "\n"
    else:
        text = result.text() + "\n"
    if args.out:
        try:
            Path(args.out).write_text(text, encoding="utf-8")
        except OSError as exc:
            print(f"compare:::{args.out}: " + _("cannot write the file ({error})").format(error=exc.strerror or exc),
                  file=sys.stderr)
            return EXIT_BAD_INPUT
    else:
        sys.stdout.write(text)
    return EXIT_OK


def _add_compare(subparsers) -> None:
    parser = subparsers.add_parser(
        "compare",
        help="classify every patient under every criteria set, side by side",
        description="Classify each patient under every response-criteria set (study, IWG 2006, IWG 2018) "
        "and show them side by side: each set's response rate with its exact 95 %% CI, the agreement "
        "between sets, and the patients whose classification changes with each set's reason sentence.",
    )
    add_cohort_arguments(parser)
    parser.add_argument("--criteria", metavar="SETS", help="comma-separated sets to compare (default: all)")
    parser.add_argument("--set", action="append", metavar="SET.PARAMETER=VALUE",
                        help="change one parameter of one set, e.g. iwg2018.observation_days=112 (repeatable)")
    parser.add_argument("--format", choices=("text", "csv", "json"), default="text",
                        help="text report (default), the per-patient table as CSV, or everything as JSON")
    parser.add_argument("--out", metavar="FILE", help="write to FILE instead of the screen")
    parser.set_defaults(func=_cmd_compare)


# --------------------------------------------------------------------------------------
# analyze / summary: every parameter of every criteria set and protocol is an option,
# generated from the params metadata (lusp.params.describe), so a new set brings its own.
# --------------------------------------------------------------------------------------


def _param_option_table() -> dict[str, dict]:
    """``{"--ti-days": {"dest", "type", "choices", "owners": {(kind, set name): field}, …}}``."""
    from lusp.criteria import CRITERIA
    from lusp.params import describe
    from lusp.protocol import PROTOCOLS

    options: dict[str, dict] = {}
    sources = [("criteria", n, c.Params) for n, c in CRITERIA.items()]
    sources += [("protocol", n, p.Params) for n, p in PROTOCOLS.items()]
    for kind, name, params_cls in sources:
        for d in describe(params_cls()):
            entry = options.setdefault(d["cli"], {"dest": "param_" + d["cli"].lstrip("-").replace("-", "_"),
                                                   "value": d["value"], "choices": set(), "owners": {}, "help": []})
            entry["owners"][(kind, name)] = d["name"]
            if d["choices"]:
                entry["choices"].update(d["choices"])
            unit = f" ({d['unit']})" if d["unit"] else ""
            entry["help"].append(f"{name}: {d['label']}{unit}, default {d['default']}")
    return options


def _parse_param(text: str, like):
    """``text`` converted to the type of the default ``like`` (tuples: comma-separated)."""
    if isinstance(like, bool):
        return text.strip().lower() in ("1", "true", "yes", "on")
    if isinstance(like, int):
        return int(text)
    if isinstance(like, float):
        return float(text)
    if isinstance(like, tuple):
        return tuple(float(v) for v in text.split(",") if v.strip())
    return text


def add_analysis_arguments(parser: argparse.ArgumentParser) -> None:
    """``--criteria``, ``--protocol`` and one option per parameter of every set/protocol."""
    from lusp.criteria import CRITERIA
    from lusp.protocol import PROTOCOLS

    parser.add_argument("--criteria", choices=list(CRITERIA), default="study",
                        help="response criteria set (default: %(default)s)")
    parser.add_argument("--protocol", choices=[*PROTOCOLS, "none"], default="study",
                        help="dose protocol to review the doses against (default: %(default)s)")
    group = parser.add_argument_group("parameters (each applies to the sets named in its help)")
    for cli, entry in _param_option_table().items():
        metavar = "CHOICE" if entry["choices"] else ("A,B,…" if isinstance(entry["value"], tuple) else "N")
        group.add_argument(cli, dest=entry["dest"], metavar=metavar, default=None,
                           help="; ".join(entry["help"]).replace("%", "%%"))


def params_from_args(args: argparse.Namespace) -> tuple:
    """``(criteria params, protocol params)`` from the options given; ``ValueError`` if bad."""
    from lusp.criteria import get_criteria
    from lusp.params import with_values
    from lusp.protocol import get_protocol

    criteria_set = get_criteria(args.criteria)
    protocol = None if args.protocol == "none" else get_protocol(args.protocol)
    values: dict[str, dict] = {"criteria": {}, "protocol": {}}
    for cli, entry in _param_option_table().items():
        raw = getattr(args, entry["dest"], None)
        if raw is None:
            continue
        field = entry["owners"].get(("criteria", criteria_set.name))
        kind = "criteria"
        if field is None and protocol is not None:
            field, kind = entry["owners"].get(("protocol", protocol.name)), "protocol"
        if field is None:
            if protocol:
                raise ValueError(_("{option} does not apply to criteria set {criteria!r} or protocol {protocol!r}")
                                 .format(option=cli, criteria=criteria_set.name, protocol=protocol.name))
            raise ValueError(_("{option} does not apply to criteria set {criteria!r}")
                             .format(option=cli, criteria=criteria_set.name))
        try:
            values[kind][field] = _parse_param(raw, entry["value"])
        except ValueError:
            raise ValueError(_("{option}: {value!r} is not a valid value").format(option=cli, value=raw)) from None
    params = with_values(criteria_set.Params(), **values["criteria"])
    protocol_params = with_values(protocol.Params(), **values["protocol"]) if protocol else None
    return params, protocol_params


def _analyze_from_args(args: argparse.Namespace, command: str):
    """Check the options, load the cohort (exit 2 on bad input) and analyse it."""
    from lusp.analysis import analyze

    try:
        params, protocol_params = params_from_args(args)
    except ValueError as exc:
        print(f"{command}:::{exc}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT)
    cohort = load_cohort_or_exit(args)
    protocol = None if args.protocol == "none" else args.protocol
    return analyze(cohort, criteria=args.criteria, params=params, protocol=protocol, protocol_params=protocol_params)


def results_csv(table) -> str:
    """SPEC §4 CSV: booleans ``true``/``false``, a value that cannot be computed empty."""
    import numpy as np
    import pandas as pd

    out = table.copy()
    for column in out.columns:
        if out[column].dtype == "boolean":
            values = out[column]
            out[column] = np.where(values.isna(), "", np.where(values.fillna(False), "true", "false"))
    from lusp.export.tables import write_csv  # formula cells neutralised, as in every CSV

    return write_csv(out, lineterminator="\n", float_format="%.6g", na_rep="")


def _write_bytes(data: bytes, out: Path, command: str) -> bool:
    """Write a document the command built; False (with the problem on stderr) when it cannot."""
    try:
        out.write_bytes(data)
    except OSError as exc:
        print(f"{command}:::{out}: " + _("cannot write the file ({error})").format(error=exc.strerror or exc),
              file=sys.stderr)
        return False
    return True


def _write_text(text: str, out: str | None, command: str) -> int:
    if out:
        try:
            Path(out).write_text(text, encoding="utf-8")
        except OSError as exc:
            print(f"{command}:::{out}: " + _("cannot write the file ({error})").format(error=exc.strerror or exc),
                  file=sys.stderr)
            return EXIT_BAD_INPUT
    else:
        sys.stdout.write(text)
    return EXIT_OK


def _cmd_analyze(args: argparse.Namespace) -> int:
    results = _analyze_from_args(args, "analyze")
    return _write_text(results_csv(results.table), args.out, "analyze")


def _add_analyze(subparsers) -> None:
    parser = subparsers.add_parser(
        "analyze",
        help="the per-patient result table (CSV) of a cohort",
        description="Classify every patient (TD/NTD, baseline and peak Hb, transfusion burden, "
        "transfusion independence, responder, transient spike, dose-protocol findings, and a "
        "one-sentence reason) and write one CSV row per patient. Booleans are true/false; a value "
        "that cannot be computed is left empty.",
    )
    add_cohort_arguments(parser)
    parser.add_argument("--out", metavar="FILE", help="write the CSV to FILE (default: the screen)")
    add_analysis_arguments(parser)
    parser.set_defaults(func=_cmd_analyze)


def _cmd_summary(args: argparse.Namespace) -> int:
    import json

    from lusp.analysis import summarize

    results = _analyze_from_args(args, "summary")
    text = json.dumps(summarize(results), ensure_ascii=False, indent=2, allow_nan=False) + "\n"
    return _write_text(text, args.out, "summary")


def _add_summary(subparsers) -> None:
    parser = subparsers.add_parser(
        "summary",
        help="the cohort summary (JSON): counts, response rates with exact 95 %% CIs, Hb, burden",
        description="Print the cohort summary as JSON: patients, TD/NTD, responders, response rates "
        "(overall/TD/NTD) with exact Clopper-Pearson 95 %% intervals, mean baseline and post-treatment "
        "Hb, early rises, transient spikes among TD non-responders and their transfusion burden, and "
        "every parameter in force.",
    )
    add_cohort_arguments(parser)
    parser.add_argument("--out", metavar="FILE", help="write the JSON to FILE (default: the screen)")
    add_analysis_arguments(parser)
    parser.set_defaults(func=_cmd_summary)


def _add_early(subparsers) -> None:
    from lusp.cli_early import add_early  # imported late: lusp.cli_early imports this module

    add_early(subparsers)


def _add_trials(subparsers) -> None:
    from lusp.cli_early import add_trials

    add_trials(subparsers)


def _cmd_report(args: argparse.Namespace) -> int:
    import time

    from lusp.export.images import ImageExportError
    from lusp.export.report_docx import build_report, check_language
    from lusp.i18n import _, ngettext

    out = Path(args.out)
    if out.suffix.lower() != ".docx":
        print(f"report:::{out}: " + _("the report is a Word file; give a name ending in .docx"), file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        check_language(args.lang)
    except ValueError as exc:
        print(f"report:::--lang: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    results = _analyze_from_args(args, "report")
    started = time.perf_counter()
    try:
        data = build_report(results, hb_unit=args.hb_unit, lang=args.lang,
                            table1_by=None if args.table1_by == "none" else args.table1_by,
                            table1_pvalues=args.pvalues, figures=not args.no_figures)
    except ImageExportError as exc:
        print(f"report:::{out}: {exc}", file=sys.stderr)
        return EXIT_UNEXPECTED
    if not _write_bytes(data, out, "report"):
        return EXIT_BAD_INPUT
    print(ngettext("Wrote the Word report ({n} patient, criteria {criteria}) to {out} in {seconds:.1f} s.",
                   "Wrote the Word report ({n} patients, criteria {criteria}) to {out} in {seconds:.1f} s.",
                   len(results.table)).format(n=len(results.table), criteria=args.criteria, out=out,
                                              seconds=time.perf_counter() - started))
    return EXIT_OK


def _add_report(subparsers) -> None:
    parser = subparsers.add_parser(
        "report",
        help="write the Word report (.docx): methods, Table 1, patient flow, results, figures, per-patient table",
        description="Analyse a cohort and write an editable Word report: title, the methods paragraph with "
        "every parameter in force, Table 1 (baseline characteristics), the patient flow, the results "
        "paragraph with exact 95 %% CIs and a response-rate table, the key figures at print resolution with "
        "numbered captions, and the per-patient table. Works offline.",
    )
    add_cohort_arguments(parser, hb_unit_flag=False)  # --hb-unit is the report's unit here
    parser.add_argument("--out", required=True, metavar="FILE", help="where to write the report (.docx)")
    parser.add_argument("--hb-unit", choices=("g/L", "g/dL"), default="g/L", dest="hb_unit",
                        help="Hb unit in the report (default: %(default)s)")
    parser.add_argument("--table1-by", choices=("td", "responder", "outcome", "none"), default="td", dest="table1_by",
                        help="Table 1 columns: TD/NTD, responder/non-responder, outcome class, or overall only "
                        "(default: %(default)s)")
    parser.add_argument("--pvalues", action="store_true", help="add p-values (tests named) to Table 1")
    parser.add_argument("--no-figures", action="store_true", dest="no_figures",
                        help="leave the charts out (text and tables only; no browser needed)")
    add_analysis_arguments(parser)
    parser.set_defaults(func=_cmd_report)


def _cmd_patient(args: argparse.Namespace) -> int:
    from lusp.export.images import ImageExportError
    from lusp.export.patient_summary import patient_summary_image
    from lusp.i18n import _

    out = Path(args.out or f"patient_{args.patient_id}.png")
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in ("png", "pdf"):
        print(f"patient:::{out}: " + _("the patient summary is a PNG or a PDF; give a name ending in .png or .pdf"),
              file=sys.stderr)
        return EXIT_BAD_INPUT
    results = _analyze_from_args(args, "patient")
    ids = results.table["patient_id"].astype(str).tolist()
    if args.patient_id not in ids:
        shown = ", ".join(ids[:8]) + (" … " + ngettext("({n} patient)", "({n} patients)", len(ids)).format(n=len(ids))
                                      if len(ids) > 8 else "")
        print(f"patient:::{args.patient_id}: " + _("no patient with this ID in the file; its IDs are {ids}").format(ids=shown),
              file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        data = patient_summary_image(results, args.patient_id, fmt, hb_unit=args.hb_unit)
    except ImageExportError as exc:
        print(f"patient:::{out}: {exc}", file=sys.stderr)
        return EXIT_UNEXPECTED
    if not _write_bytes(data, out, "patient"):
        return EXIT_BAD_INPUT
    print(_("Wrote the one-page summary of patient {patient} to {out}.").format(patient=args.patient_id, out=out))
    return EXIT_OK


def _add_patient(subparsers) -> None:
    parser = subparsers.add_parser(
        "patient",
        help="write one patient's one-page case summary (PNG or PDF)",
        description="Analyse a cohort and write a one-page summary of one patient for a case discussion: the "
        "Hb trajectory, the reason sentence, the transfusion burden before and after, the dose course and "
        "protocol findings, and the covariates (A4 landscape). The calendar date of the first dose is left off.",
    )
    add_cohort_arguments(parser, hb_unit_flag=False)  # --hb-unit is the page's unit here
    parser.add_argument("patient_id", metavar="ID", help="the patient's study ID, as in the file")
    parser.add_argument("--out", metavar="FILE", help="where to write it (.png or .pdf; default patient_ID.png)")
    parser.add_argument("--hb-unit", choices=("g/L", "g/dL"), default="g/L", dest="hb_unit",
                        help="Hb unit on the page (default: %(default)s)")
    add_analysis_arguments(parser)
    parser.set_defaults(func=_cmd_patient)


#: Each entry adds one subcommand. Add yours here (order = order in --help).
ADD_SUBCOMMANDS: tuple[Callable, ...] = (
    _add_validate,
    _add_template,
    _add_demo,
    _add_deck,
    _add_compare,
    _add_analyze,
    _add_summary,
    _add_early,
    _add_trials,
    _add_report,
    _add_patient,
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand of :data:`ADD_SUBCOMMANDS`."""
    parser = argparse.ArgumentParser(
        prog="python -m lusp",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for add in ADD_SUBCOMMANDS:
        add(subparsers)
    for sub in subparsers.choices.values():
        add_language_argument(sub)
    return parser


def add_language_argument(parser: argparse.ArgumentParser) -> None:
    """``--lang en|zh`` on a command: the language of every word it writes (messages on
    stderr, texts, slides, documents). Machine output — CSV column names, JSON keys — stays
    as it is."""
    from lusp.i18n import LANGUAGE_NAMES, LANGUAGES

    if any("--lang" in action.option_strings for action in parser._actions):
        return
    parser.add_argument("--lang", choices=LANGUAGES, default="en", metavar="LANG",
                        help="language of the words written: " + ", ".join(
                            f"{code} ({name})" for code, name in LANGUAGE_NAMES.items()) + " (default: %(default)s)")


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_BAD_INPUT
    from lusp.i18n import use_language

    try:
        with use_language(getattr(args, "lang", None)):
            return args.func(args)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 — last line of defence: never a traceback
        if os.environ.get("LUSP_DEBUG"):
            raise
        with use_language(getattr(args, "lang", None)):
            print(_("internal error: {kind}: {error}. This is a bug in the program, not "
                    "in your file; set LUSP_DEBUG=1 to see the details and please report it.").format(
                        kind=type(exc).__name__, error=exc), file=sys.stderr)
        return EXIT_UNEXPECTED
