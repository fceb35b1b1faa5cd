"""Seeded fuzzing of the loader: mutate valid cohort files, check every outcome is clean.

Each mutation either loads, or raises ``CohortLoadError`` whose problems name the file and,
for cell-level problems, the table, row and column. Anything else (another exception, an
error problem with no file) is a failure.

    python scripts/fuzz_loader.py --n 10000 --seed 1
    python scripts/fuzz_loader.py --hostile --n 300   # hostile structures (issue 17)
"""
from __future__ import annotations

import argparse
import io
import random
import sys
import time
import zipfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pandas as pd  # noqa: E402

from lusp.load import load_cohort  # noqa: E402
from lusp.validate import CohortLoadError  # noqa: E402

_BASE = {
    "patients": pd.DataFrame({"patient_id": ["P1", "P2", "P3"], "diagnosis": ["MDS", "MF", "MDS"],
                              "age": [71, 65, 80], "sex": ["M", "F", "F"]}),
    "hb": pd.DataFrame({"patient_id": ["P1", "P1", "P2", "P2", "P3", "P3"], "day": [-10, 30, 0, 60, -3, 84],
                        "hb_g_l": [62, 80, 58, 101, 70, 88]}),
    "doses": pd.DataFrame({"patient_id": ["P1", "P2", "P3"], "day": [0, 0, 0], "dose_mg_kg": [1.0, 1.0, 1.25]}),
    "transfusions": pd.DataFrame({"patient_id": ["P1"], "day": [-20], "units": [2]}),
}
_CELL_VALUES = ["abc", "", " ", "1e308", "1e400", "-5", "0", "999999999999", "31/02/2024", "03/04/2024",
                "2024-13-01", "45000", "NaN", "inf", "9,5", "P9", "P1", "男", "\x00", "yes", "2024年3月5日",
                "12/25/2024", "25/12/2024", "-", "1.5", "∞", "😀"]
_MUTATIONS = ("cell", "cell", "cell", "blank_column", "rename_column", "drop_column", "duplicate_column",
              "drop_table", "duplicate_row", "truncate", "random_bytes", "encoding", "swap_extension",
              "shuffle_rows", "empty")


def _mutate_tables(rng: random.Random, kind: str) -> dict[str, pd.DataFrame]:
    tables = {k: v.copy() for k, v in _BASE.items()}
    name = rng.choice(list(tables))
    frame = tables[name].astype(object)
    col = rng.choice(list(frame.columns))
    if kind == "cell":
        for _ in range(rng.randint(1, 3)):
            frame.iat[rng.randrange(len(frame)), rng.randrange(frame.shape[1])] = rng.choice(_CELL_VALUES)
    elif kind == "blank_column":
        frame[col] = ""
    elif kind == "rename_column":
        frame = frame.rename(columns={col: rng.choice(["x", "Hb", "名字", "MRN", "date", "day", col.upper(), ""])})
    elif kind == "drop_column":
        frame = frame.drop(columns=col)
    elif kind == "duplicate_column":
        frame = pd.concat([frame, frame[[col]]], axis=1)
    elif kind == "drop_table":
        del tables[name]
        return tables
    elif kind == "duplicate_row":
        frame = pd.concat([frame, frame.iloc[[rng.randrange(len(frame))]]])
    elif kind == "shuffle_rows":
        frame = frame.sample(frac=1, random_state=rng.randrange(10**6))
    tables[name] = frame
    return tables


def _as_sources(rng: random.Random, tables: dict[str, pd.DataFrame]) -> list:
    form = rng.choice(("csv", "csv", "zip", "xlsx"))
    if form == "xlsx":
        buffer = io.BytesIO()
        with pd.ExcelWriter(buffer, engine="xlsxwriter") as writer:
            for name, frame in tables.items():
                frame.to_excel(writer, sheet_name=name, index=False)
        return [("cohort.xlsx", buffer.getvalue())]
    files = {f"{n}.csv": f.to_csv(index=False).encode("utf-8") for n, f in tables.items()}
    if form == "zip":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in files.items():
                archive.writestr(name, data)
        return [("cohort.zip", buffer.getvalue())]
    return list(files.items())


_EXPORT_MUTATIONS = ("export_cell", "export_cell", "export_drop_column", "export_rename_column", "export_bytes",
                     "export_options")
_EXPORT_VALUES = ["72↓", "165 H", "9.1*", "<5", "阴性", "mg/dL", "mmol/L", "g/dl", "mL", "U", "袋", "治疗量", "PLACEBO",
                  "XANOMELINE", "2024-05", "2024", "2024-03-05T08:15", "0", "-1", "HGB", "HCT", "血红蛋白", "", "mg",
                  "mg/kg", "支", "01-701-1015", "13800138000"]


def _export_frames(sources) -> dict[str, tuple[str, pd.DataFrame]]:
    """Each table of an export as text: key → (how it is written, frame)."""
    frames = {}
    for name, data in sources:
        if name.endswith(".xlsx"):
            for sheet, frame in pd.read_excel(io.BytesIO(data), sheet_name=None, dtype=str, engine="calamine").items():
                frames[f"{name}|{sheet}"] = ("xlsx", frame)
        elif name.endswith(".zip"):
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                for member in archive.namelist():
                    frames[f"{name}|{member}"] = ("zip", pd.read_csv(io.BytesIO(archive.read(member)), dtype=str))
        elif name.endswith(".csv"):
            frames[name] = ("csv", pd.read_csv(io.BytesIO(data), dtype=str))
    return frames


def _export_sources(frames) -> list:
    out, books, zips = [], {}, {}
    for key, (how, frame) in frames.items():
        if how == "csv":
            out.append((key, frame.to_csv(index=False).encode("utf-8")))
        else:
            name, inner = key.split("|", 1)
            (books if how == "xlsx" else zips).setdefault(name, {})[inner] = frame
    for name, sheets in books.items():
        buffer = io.BytesIO()
        with pd.ExcelWriter(buffer, engine="xlsxwriter") as writer:
            for sheet, frame in sheets.items():
                frame.to_excel(writer, sheet_name=sheet, index=False)
        out.append((name, buffer.getvalue()))
    for name, members in zips.items():
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for member, frame in members.items():
                archive.writestr(member, frame.to_csv(index=False).encode("utf-8"))
        out.append((name, buffer.getvalue()))
    return out


def make_export_case(rng: random.Random) -> tuple[str, list, dict]:
    """One mutated real export (Chinese HIS, English LIS, SDTM zip / .csv.gz / .xpt, ADaM)."""
    from tests import export_shapes as X

    kind = rng.choice(_EXPORT_MUTATIONS)
    shape = rng.choice(sorted(X.SHAPES))
    build, units = X.SHAPES[shape]
    sources, options = build(rng.choice(units), None)
    options = dict(options)
    if kind == "export_options" or rng.random() < 0.2:
        options = {"hb_unit": rng.choice([None, "g/L", "g/dL", "mmol/L"]),
                   "rbc_ml_per_unit": rng.choice([None, 200.0, 250.0]),
                   "study_drugs": rng.choice([(), ("XANOMELINE",), ("地西他滨",)])}
    if kind == "export_bytes" or shape in ("SDTM .xpt", "SDTM .csv.gz"):
        i = rng.randrange(len(sources))
        name, data = sources[i]
        cut = rng.choice(("truncate", "flip", "keep"))
        if cut == "truncate":
            data = data[: rng.randrange(1, max(len(data), 2))]
        elif cut == "flip":
            pos = rng.randrange(len(data))
            data = data[:pos] + bytes([rng.randrange(256)]) + data[pos + 1:]
        sources = sources[:i] + [(name, data)] + sources[i + 1:]
        return f"export_bytes:{shape}", sources, options
    frames = _export_frames(sources)
    key = rng.choice(sorted(frames))
    how, frame = frames[key]
    frame = frame.astype(object)
    col = rng.choice(list(frame.columns))
    if kind == "export_cell" and len(frame):
        for _ in range(rng.randint(1, 3)):
            frame.iat[rng.randrange(len(frame)), rng.randrange(frame.shape[1])] = rng.choice(_EXPORT_VALUES + _CELL_VALUES)
    elif kind == "export_drop_column":
        frame = frame.drop(columns=col)
    elif kind == "export_rename_column":
        frame = frame.rename(columns={col: rng.choice(["x", "Result", "单位", "STUDYID", "DOMAIN", "Units", "数量", ""])})
    frames[key] = (how, frame)
    return f"{kind}:{shape}", _export_sources(frames), options


def make_case(rng: random.Random) -> tuple[str, list]:
    """One mutated input: ``(mutation kind, sources)``."""
    kind = rng.choice(_MUTATIONS)
    if kind in ("truncate", "random_bytes", "encoding", "swap_extension", "empty"):
        sources = _as_sources(rng, _BASE)
        name, data = sources[0]
        if kind == "truncate":
            data = data[: rng.randrange(1, max(len(data), 2))]
        elif kind == "random_bytes":
            data = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 400)))
        elif kind == "encoding":
            text = data.decode("utf-8", errors="ignore") if not name.endswith((".xlsx", ".zip")) else "患者编号,诊断\nP1,骨髓增生异常综合征\n"
            data = text.encode(rng.choice(("utf-16", "latin-1", "gb18030", "cp1252", "utf-32")), errors="ignore")
            name = "patients.csv"
        elif kind == "swap_extension":
            name = rng.choice(("cohort.xlsx", "cohort.zip", "cohort.csv", "cohort.pdf", "cohort.xls"))
        elif kind == "empty":
            data = rng.choice((b"", b"\n\n", b" ", b"\xef\xbb\xbf"))
        return kind, [(name, data)] + sources[1:]
    return kind, _as_sources(rng, _mutate_tables(rng, kind))


def check(sources, **options) -> str:
    """``"loaded"`` or ``"rejected"``; raises AssertionError on an unclean outcome."""
    try:
        load_cohort(sources, **options)
        return "loaded"
    except CohortLoadError as exc:
        for problem in exc.report.errors:
            assert problem.message, problem
            assert problem.file or problem.code in ("missing_table", "bad_mapping"), problem
            if problem.row is not None and problem.code != "malformed_csv":  # a whole line: no one column
                assert problem.table and problem.column, problem
        return "rejected"


def run(n: int, seed: int = 0, *, exports: float = 0.0) -> Counter:
    """Run ``n`` seeded mutations (a share ``exports`` of them on the real-export shapes);
    the counter holds outcomes per mutation kind."""
    rng = random.Random(seed)
    counts: Counter = Counter()
    for _ in range(n):
        options: dict = {}
        if rng.random() < exports:
            kind, sources, options = make_export_case(rng)
        else:
            kind, sources = make_case(rng)
        try:
            outcome = check(sources, **{k: v for k, v in options.items() if v not in (None, ())})
        except AssertionError:
            raise
        except Exception as exc:  # noqa: BLE001 — this is what the fuzzer hunts
            raise AssertionError(f"{kind}: uncaught {type(exc).__name__}: {exc}") from exc
        counts[(kind, outcome)] += 1
    return counts


# ----------------------------------------------------------------------------- hostile structures
# (issue 17; kept apart from the mutations above.) Small files whose *structure* is hostile: a
# workbook declaring or reaching a huge grid, too many columns, zips nested too deep or holding
# too many members. Each must be refused by a pre-parse limit (lusp.io.limits) with its code
# when it passes a limit, and otherwise load or be rejected with a report — never crash, never
# reach a parser that would allocate the grid (a native abort would end this process).

_HOSTILE = ("dimension", "far_cell", "wide_csv", "nested", "many_members")


def _hostile_workbook(rng: random.Random, kind: str) -> tuple[tuple[str, bytes], str | None]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.hostile_files import column_letters, workbook_bytes

    from lusp.io.limits import DEFAULT_LIMITS as lim

    rows = rng.choice((2, 50, 9_999, 10_000, 10_001, 1_048_576))
    columns = rng.choice((2, 26, 999, 1_000, 1_001, 16_384))
    ref = f"{column_letters(columns)}{rows}"
    cells = '<row r="1"><c r="A1" t="inlineStr"><is><t>patient_id</t></is></c></row><row r="2"><c r="A2"><v>1</v></c></row>'
    if kind == "dimension":
        xml = f'<dimension ref="A1:{ref}"/><sheetData>{cells}</sheetData>'
    else:  # far_cell: no dimension, one cell far away
        xml = f'<sheetData>{cells}<row r="{rows}"><c r="{ref}"><v>1</v></c></row></sheetData>'
    expected = ("too_many_cells" if rows * columns > lim.max_cells
                else "too_many_columns" if columns > lim.max_columns else None)
    return ("hostile.xlsx", workbook_bytes({"patients": xml})), expected


def make_hostile_case(rng: random.Random) -> tuple[str, list, str | None]:
    """One hostile input: ``(kind, sources, the refusal code it must get or None)``."""
    from lusp.io.limits import DEFAULT_LIMITS as lim

    kind = rng.choice(_HOSTILE)
    if kind in ("dimension", "far_cell"):
        source, expected = _hostile_workbook(rng, kind)
        return kind, [source], expected
    if kind == "wide_csv":
        n = rng.choice((3, 999, 1_000, 1_001, 5_000))
        header = ",".join(["patient_id", "day", "hb_g_l"] + [f"x{i}" for i in range(n - 3)])
        return kind, [("hb.csv", (header + "\nP1,0,80" + "," * (n - 3) + "\n").encode())], (
            "too_many_columns" if n > lim.max_columns else None)
    base = _as_sources(random.Random(rng.random()), _BASE)
    if kind == "nested":
        depth = rng.randint(1, 6)  # the upload zip is level 0
        data, name = None, None
        for level in range(depth):
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                if data is None:
                    for inner, content in base if base[0][0].endswith(".csv") else [("cohort.xlsx", base[0][1])]:
                        archive.writestr(inner, content)
                else:
                    archive.writestr(name, data)
            data, name = buffer.getvalue(), f"level{level}.zip"
        return kind, [("nested.zip", data)], "archive_too_deep" if depth > lim.max_depth else None
    n = rng.choice((5, lim.max_members - 1, lim.max_members + 1))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for i in range(n):
            archive.writestr(f"extra{i}.csv", "patient_id\nP1\n")
    return kind, [("many.zip", buffer.getvalue())], "too_many_members" if n > lim.max_members else None


def run_hostile(n: int, seed: int = 0) -> Counter:
    """Run ``n`` seeded hostile structures; the counter holds outcomes per kind."""
    rng = random.Random(seed)
    counts: Counter = Counter()
    for _ in range(n):
        kind, sources, expected = make_hostile_case(rng)
        try:
            load_cohort(sources)
            outcome, codes = "loaded", set()
        except CohortLoadError as exc:
            codes = {p.code for p in exc.report.errors}
            check_problems = [p for p in exc.report.errors if not p.file and p.code not in ("missing_table", "bad_mapping")]
            assert not check_problems, f"{kind}: a problem names no file: {check_problems[0]}"
            outcome = "refused" if codes & _LIMIT_CODES else "rejected"
        except Exception as exc:  # noqa: BLE001 — this is what the fuzzer hunts
            raise AssertionError(f"{kind}: uncaught {type(exc).__name__}: {exc}") from exc
        if expected is not None:
            assert expected in codes, f"{kind}: expected {expected}, got {codes or outcome}"
        else:
            assert not codes & _LIMIT_CODES, f"{kind}: refused by a limit it does not pass: {codes}"
        counts[(kind, outcome)] += 1
    return counts


_LIMIT_CODES = frozenset({"too_many_cells", "too_many_columns", "upload_too_large_unpacked", "archive_too_deep",
                          "too_many_members"})


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=2000, help="number of mutations")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--hostile", action="store_true", help="hostile structures (issue 17) instead of mutations")
    parser.add_argument("--exports", type=float, default=0.3,
                        help="share of mutations made on the real-export shapes (HIS, LIS, SDTM, ADaM)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    counts = run_hostile(args.n, args.seed) if args.hostile else run(args.n, args.seed, exports=args.exports)
    seconds = time.perf_counter() - start
    for (kind, outcome), count in sorted(counts.items()):
        print(f"{kind:<44}{outcome:<10}{count:>7}")
    loaded = sum(c for (k, o), c in counts.items() if o == "loaded")
    print(f"{args.n} {'hostile structures' if args.hostile else 'mutations'} in {seconds:.1f} s: {loaded} loaded, "
          f"{args.n - loaded} rejected or refused with a report, 0 crashes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
