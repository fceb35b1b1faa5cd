"""Load an upload in a child process with memory, CPU-time, file-size and wall-clock limits.

A parser's native abort (calamine's ``memory allocation of … bytes failed``, exit 134), a
``MemoryError``, a runaway parse or a ``RecursionError`` must cost one attempt, never the
server that holds every clinician's session. :func:`load_cohort` and
:func:`inspect_columns` have the signatures of :mod:`lusp.load`'s (every keyword passed
through unchanged) but run the call in a fresh child process:

- a fresh interpreter (``python -m lusp.sandbox``, never ``fork`` of the multi-threaded
  Streamlit server); the call and its result travel pickled over its stdin and stdout, so
  nothing of the server's state (other sessions' cohorts) is in the child;
- limited with ``resource.setrlimit``: address space (:attr:`SandboxLimits.memory_bytes`),
  CPU seconds, the size of any file it writes (it writes none) and no core dump;
- waited for at most :attr:`SandboxLimits.wall_seconds`, then killed.

The child sends back the :class:`~lusp.cohort.Cohort` (or the :class:`CohortLoadError`'s
report) through a pipe. Any other end — a signal, a non-zero exit, a ``MemoryError``, an
exception the loader did not turn into a report, the timeout — becomes one
:class:`~lusp.validate.CohortLoadError` with one problem naming the file(s) and saying, in
one sentence, what was refused and why. Never a traceback, never the parent.

The pre-parse limits of :mod:`lusp.io.limits` run inside the child too; they refuse the
known shapes quickly and precisely, this module catches whatever gets past them.
"""
from __future__ import annotations

import logging
import os
import signal
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lusp.i18n import Text
from lusp.validate import CohortLoadError, Problem, ValidationReport

__all__ = ["DEFAULT_SANDBOX", "REFUSAL_CODES", "SandboxLimits", "refusal_of", "inspect_columns", "load_cohort", "run_in_sandbox", "source_names"]


@dataclass(frozen=True)
class SandboxLimits:
    """Resource limits of one load's child process."""

    #: Address space (``RLIMIT_AS``). The 100 000-patient registry loads in ~1.5 GB
    #: resident; Python, pandas and their thread pools reserve ~1 GB more of address space.
    memory_bytes: int = 6 * 2**30
    #: CPU seconds (``RLIMIT_CPU``; SIGXCPU ends the child).
    cpu_seconds: int = 240
    #: Wall-clock seconds before the child is killed (a load blocked on nothing but time).
    wall_seconds: float = 300.0
    #: Largest file the child may write (``RLIMIT_FSIZE``): 0, so not one byte of an upload
    #: can reach the disk from the child (its stdin/stdout pipes are not files).
    file_bytes: int = 0


DEFAULT_SANDBOX = SandboxLimits()
_log = logging.getLogger("lusp.sandbox")

#: The package's parent folder, put on the child's ``PYTHONPATH``.
_ROOT = str(Path(__file__).resolve().parents[1])


def source_names(sources) -> str:
    """The file name(s) of ``sources`` as the user knows them: "cohort.xlsx" or "a.csv, b.csv"."""
    from lusp.io.sources import as_source_list

    names = []
    for item in as_source_list(sources):
        if isinstance(item, tuple) and len(item) == 2:
            names.append(Path(str(item[0])).name or str(item[0]))
        else:
            names.append(Path(str(item)).name)
    return ", ".join(names) or Text("the upload")


#: The only globals a child's answer may name: the types a loaded Cohort, a report and the
#: column inspection are made of (the loader canonicalises every column to these dtypes).
#: The child parsed hostile bytes, so its answer is unpickled as if it were hostile too: a
#: ``__reduce__`` naming ``os.system``, ``pyarrow.lib.OSFile`` or any other callable is refused.
SAFE_GLOBALS = frozenset({
    ("builtins", "slice"), ("builtins", "set"), ("builtins", "frozenset"), ("builtins", "complex"),
    ("builtins", "range"), ("builtins", "bytearray"), ("collections", "OrderedDict"),
    ("datetime", "date"), ("datetime", "datetime"), ("datetime", "timedelta"),
    ("lusp.cohort", "Cohort"), ("lusp.cohort", "SourceInfo"), ("lusp.load", "TableColumns"),
    ("lusp.io.choices", "ExportChoices"), ("lusp.i18n", "_rebuild_text"),
    ("lusp.validate", "Problem"), ("lusp.validate", "ValidationReport"),
    ("numpy", "dtype"), ("numpy", "ndarray"),
    ("numpy._core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "scalar"),
    ("numpy.core.multiarray", "_reconstruct"), ("numpy.core.multiarray", "scalar"),
    ("numpy._core.numeric", "_frombuffer"), ("numpy.core.numeric", "_frombuffer"),
    ("pandas", "DataFrame"), ("pandas", "Series"), ("pandas", "Index"), ("pandas", "RangeIndex"),
    ("pandas", "NA"), ("pandas", "NaT"), ("pandas", "Timestamp"), ("pandas", "Categorical"),
    ("pandas", "BooleanDtype"), ("pandas", "Int64Dtype"), ("pandas", "Float64Dtype"), ("pandas", "StringDtype"),
    ("pandas", "CategoricalDtype"), ("pandas", "DatetimeTZDtype"),
    ("pandas.arrays", "ArrowStringArray"), ("pandas.arrays", "BooleanArray"), ("pandas.arrays", "DatetimeArray"),
    ("pandas.arrays", "FloatingArray"), ("pandas.arrays", "IntegerArray"), ("pandas.arrays", "StringArray"),
    ("pandas._libs.arrays", "__pyx_unpickle_NDArrayBacked"), ("pandas._libs.internals", "_unpickle_block"),
    ("pandas._libs.tslibs.timestamps", "_unpickle_timestamp"), ("pandas._libs.tslibs.nattype", "__nat_unpickle"),
    ("pandas.core.indexes.base", "_new_Index"), ("pandas.core.internals.managers", "BlockManager"),
    ("pyarrow.lib", "_restore_array"), ("pyarrow.lib", "py_buffer"), ("pyarrow.lib", "type_for_alias"),
})


class _SafeUnpickler:
    """``pickle.loads`` that resolves only :data:`SAFE_GLOBALS` (anything else raises)."""

    @staticmethod
    def loads(data: bytes):
        import io
        import pickle

        class Restricted(pickle.Unpickler):
            def find_class(self, module: str, name: str):
                if (module, name) not in SAFE_GLOBALS:
                    raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a load result")
                return super().find_class(module, name)

        return Restricted(io.BytesIO(data)).load()


def _limit_self(limits: SandboxLimits) -> None:
    import resource

    for which, value in ((resource.RLIMIT_AS, limits.memory_bytes), (resource.RLIMIT_CPU, limits.cpu_seconds),
                         (resource.RLIMIT_FSIZE, limits.file_bytes), (resource.RLIMIT_CORE, 0)):
        soft, hard = resource.getrlimit(which)
        value = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(which, (value, hard))


def _child_main() -> None:
    """In the child (``python -m lusp.sandbox``): set the limits, read the call from stdin,
    run it, write ``(kind, payload)`` pickled to the original stdout."""
    import importlib
    import pickle
    import sys

    result_out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # whatever a library prints goes to stderr, never into the result
    target, sources, kwargs, limits = pickle.load(sys.stdin.buffer)
    _limit_self(limits)
    try:
        module, _, attr = target.partition(":")
        result = getattr(importlib.import_module(module), attr)(sources, **kwargs)
        message = ("ok", result)
    except CohortLoadError as exc:
        message = ("report", exc.report)
    except MemoryError:
        message = ("memory", None)
    except RecursionError:
        message = ("recursion", None)
    except Exception as exc:  # noqa: BLE001 — becomes one refusal in the parent
        message = ("crash", type(exc).__name__)
    try:
        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    except MemoryError:
        data = pickle.dumps(("memory", None))
    result_out.write(data)
    result_out.close()


#: Problem codes of an upload refused whole, by a pre-parse limit or by the sandbox.
REFUSAL_CODES = frozenset({"load_timeout", "load_too_deep", "load_crashed", "load_out_of_memory",
                           "too_many_cells", "too_many_columns", "upload_too_large_unpacked", "archive_too_deep",
                           "too_many_members"})


def refusal_of(report: ValidationReport) -> Problem | None:
    """The problem that refused the whole upload (a limit or the sandbox), or ``None``."""
    errors = report.errors
    if len(errors) == 1 and errors[0].code in REFUSAL_CODES:
        return errors[0]
    return None


def _refusal(files: str, code: str, reason: str) -> CohortLoadError:
    problem = Problem("error", files, "", None, "", "", reason, code)
    return CohortLoadError(ValidationReport((problem,)))


def _gb(n: int) -> str:
    return f"{n / 2**30:g} GB"


def run_in_sandbox(function: str, sources, kwargs: dict[str, Any] | None = None,
                   limits: SandboxLimits = DEFAULT_SANDBOX):
    """``lusp.load.<function>(sources, **kwargs)`` run in a limited child; its result.

    Raises
    ------
    CohortLoadError
        The loader's own report, or one problem saying the load was refused (memory,
        time, a crash of the reader) — the parent is never affected.
    """
    import pickle
    import subprocess
    import sys

    files = source_names(sources)
    target = function if ":" in function else f"lusp.load:{function}"
    payload = pickle.dumps((target, sources, dict(kwargs or {}), limits), protocol=pickle.HIGHEST_PROTOCOL)
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", PYTHONPATH=os.pathsep.join(p for p in (_ROOT, os.environ.get("PYTHONPATH")) if p),
               # one thread per pool: fewer thread stacks and arenas reserved in the address space
               OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1", RAYON_NUM_THREADS="1")
    child = subprocess.Popen([sys.executable, "-m", "lusp.sandbox"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, env=env, start_new_session=True)
    try:
        out, _ = child.communicate(payload, timeout=limits.wall_seconds)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        message = ("timeout", None)
    else:
        try:
            message = _SafeUnpickler.loads(out) if child.returncode == 0 and out else None
        except Exception:  # noqa: BLE001 — a truncated or disallowed result is a dead child
            message = None
    if message is None or message[0] not in ("ok", "report"):
        # exit status only: the child's stderr (a traceback, a parser's message) may echo cell values
        _log.warning("sandboxed %s ended: exit %s, %s", target, child.returncode, message[0] if message else "no result")
    kind, payload = message if message is not None else ("died", None)
    if kind == "ok":
        return payload
    if kind == "report":
        raise CohortLoadError(payload)
    if kind == "timeout":
        raise _refusal(files, "load_timeout", Text("Reading {files} was stopped after {seconds:g} seconds, the "
                       "limit for one upload: the file is too large or too complex to check here. Send the tables as "
                       "CSV files in a .zip, or remove unneeded sheets and columns.", files=files,
                       seconds=limits.wall_seconds))
    if kind == "recursion":
        raise _refusal(files, "load_too_deep", Text("{files} was refused: it is nested too deeply to read (an archive or "
                       "structure inside itself many times). Send the tables as CSV files in one .zip.", files=files))
    if kind == "crash":
        raise _refusal(files, "load_crashed", Text("{files} could not be read: the reader stopped with an internal error "
                       "({error}). Open the file in Excel, save it again as .xlsx or CSV, and upload that.", files=files,
                       error=payload))
    # "memory", or the child died: a native abort (SIGABRT), SIGXCPU, SIGKILL, SIGSEGV …
    code = child.returncode
    if kind == "memory" or code in (-signal.SIGABRT, -signal.SIGKILL, -signal.SIGSEGV, -signal.SIGBUS):
        raise _refusal(files, "load_out_of_memory", Text("{files} was refused: reading it needed more than the "
                       "{memory} of memory one upload may use, so it was stopped (the other sessions "
                       "were not affected). Remove empty rows and columns, or send the tables as CSV files in a .zip.",
                       files=files, memory=_gb(limits.memory_bytes)))
    if code == -signal.SIGXCPU:
        raise _refusal(files, "load_timeout", Text("{files} was refused: checking it took more than "
                       "{seconds} seconds of computing time, the limit for one upload. Send the tables "
                       "as CSV files in a .zip, or remove unneeded sheets and columns.", files=files,
                       seconds=limits.cpu_seconds))
    if code == -signal.SIGXFSZ:
        raise _refusal(files, "load_crashed", Text("{files} was refused: reading it tried to write a file, which an "
                       "upload may never do.", files=files))
    raise _refusal(files, "load_crashed", Text("{files} could not be read: the reader stopped unexpectedly "
                   "(exit {code}). Open the file in Excel, save it again as .xlsx or CSV, and upload that.", files=files,
                   code=code))


def load_cohort(sources, **kwargs):
    """:func:`lusp.load.load_cohort` in a sandboxed child (same arguments, same result)."""
    return run_in_sandbox("load_cohort", sources, kwargs)


def inspect_columns(sources, **kwargs):
    """:func:`lusp.load.inspect_columns` in a sandboxed child (same arguments, same result)."""
    return run_in_sandbox("inspect_columns", sources, kwargs)


def propose_choices(sources, **kwargs):
    """:func:`lusp.load.propose_choices` (the Data page's export settings; it reads and
    recognises the files) in a sandboxed child (same arguments, same result)."""
    return run_in_sandbox("propose_choices", sources, kwargs)




if __name__ == "__main__":
    _child_main()
