"""Time and peak memory of loading each hostile file of issue 17, each in its own child.

    python scripts/hostile_bench.py [--raw] [--vmem-gb 8] [--timeout 150]

Writes the files of ``tests/hostile_files.py`` to a temporary folder and loads each with
``python -m lusp validate`` (the CLI, so through the sandbox and the limits) — or with
``--raw``, ``lusp.load.load_cohort`` called directly in a child with no sandbox (the state
before issue 17). Every child runs under ``ulimit -v`` so a 512 GB allocation fails at once
instead of swapping the machine, and under a wall-clock timeout. Prints one line per file:
exit status, seconds, peak resident memory (MB) and the last line the child printed.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.hostile_files import ALL  # noqa: E402

RAW = ("import sys; from lusp.load import load_cohort\n"
       "from lusp.validate import CohortLoadError\n"
       "try:\n    load_cohort(sys.argv[1]); print('loaded')\n"
       "except CohortLoadError as e:\n    print('refused:', e.report.errors[0].message[:160])\n")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", action="store_true", help="call load_cohort directly (no sandbox)")
    parser.add_argument("--vmem-gb", type=float, default=8.0)
    parser.add_argument("--timeout", type=float, default=150.0)
    parser.add_argument("only", nargs="*", help="names of hostile files to run (default: all)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        for key, build in ALL.items():
            if args.only and key not in args.only:
                continue
            name, data = build()
            path = Path(tmp) / name
            path.write_bytes(data)
            inner = ([sys.executable, "-c", RAW, str(path)] if args.raw
                     else [sys.executable, "-m", "lusp", "validate", str(path)])
            command = ["/usr/bin/time", "-f", "%M", "prlimit", f"--as={int(args.vmem_gb * 2**30)}", "--core=0", *inner]
            start = time.monotonic()
            try:
                done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=args.timeout)
                seconds = time.monotonic() - start
                lines = done.stderr.strip().splitlines()
                peak_mb = int(lines[-1]) / 1024 if lines and lines[-1].isdigit() else float("nan")
                said = (done.stdout.strip().splitlines() or [""])[-1] or (lines[-2] if len(lines) > 1 else "")
                status = done.returncode
            except subprocess.TimeoutExpired:
                seconds, peak_mb, said, status = args.timeout, float("nan"), "timed out (killed)", "timeout"
            print(f"{key:13s} {len(data):>10,d} B  exit {status!s:>7}  {seconds:7.1f} s  {peak_mb:8.0f} MB  {said[:150]}",
                  flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
