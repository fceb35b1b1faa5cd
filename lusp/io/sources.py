"""Sources → in-memory files: paths, directories and ``(file_name, bytes)`` uploads.

Uploads stay in memory (never written to disk). A size limit is checked before a path is
read, so an oversized file is refused without loading it.
"""
from __future__ import annotations

import io
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Union

from lusp.i18n import Text
from lusp.io.limits import UploadBudget
from lusp.validate import Problem

Source = Union[str, os.PathLike, tuple[str, bytes]]

#: Extensions read from a directory given as a source.
_DATA_SUFFIXES = (".xlsx", ".xlsm", ".csv", ".tsv", ".txt", ".zip", ".xpt", ".gz")


@dataclass(frozen=True)
class InputFile:
    """One file's name (as the user knows it) and its bytes — in memory for uploads, or a
    path on disk read only as far as needed (a registry CSV is parsed straight from disk
    instead of being held in memory twice)."""

    name: str
    data: bytes | None = None
    path: Path | None = None
    #: The unpacked-bytes budget of the whole upload (shared by every file and archive
    #: member of it) and this file's archive nesting level (0: the upload itself).
    budget: UploadBudget = field(default_factory=UploadBudget, compare=False, repr=False)
    depth: int = 0

    @property
    def size(self) -> int:
        return len(self.data) if self.data is not None else self.path.stat().st_size

    def head(self, n: int) -> bytes:
        """The first ``n`` bytes."""
        if self.data is not None:
            return self.data[:n]
        with open(self.path, "rb") as handle:
            return handle.read(n)

    def content(self) -> bytes:
        """Every byte of the file."""
        return self.data if self.data is not None else self.path.read_bytes()

    def source(self):
        """Something ``pandas.read_csv`` reads: a fresh in-memory buffer, or the path."""
        return io.BytesIO(self.data) if self.data is not None else str(self.path)


def _problem(file: str, code: str, message: str, value: str = "") -> Problem:
    return Problem("error", file, "", None, "", value, message, code)


def _too_large(name: str, size: int, max_bytes: int) -> Problem:
    return _problem(
        name,
        "file_too_large",
        Text("The file is {mb:.1f} MB, larger than the limit of {limit:.1f} MB. "
             "Remove unneeded sheets or columns, or split it into one CSV per table in a .zip.",
             mb=size / 1e6, limit=max_bytes / 1e6),
        str(size),
    )


def as_source_list(sources) -> list:
    """``sources`` as a list (a single path or upload pair is wrapped)."""
    if isinstance(sources, (str, os.PathLike)):
        return [sources]
    if isinstance(sources, tuple) and len(sources) == 2 and isinstance(sources[1], (bytes, bytearray, memoryview)):
        return [sources]
    return list(sources)


def read_sources(sources, max_bytes: int | None = None) -> tuple[list[InputFile], list[Problem]]:
    """Every source as an :class:`InputFile`, plus a problem for each unreadable one."""
    files: list[InputFile] = []
    problems: list[Problem] = []
    budget = UploadBudget()  # one for the whole upload (lusp.io.limits)
    items = as_source_list(sources)
    if not items:
        problems.append(_problem("", "no_files", Text("No file was given. Choose a workbook (.xlsx), a .zip of CSVs, or CSV files.")))
    for item in items:
        if isinstance(item, tuple) and len(item) == 2:
            name, data = str(item[0]), item[1]
            if not isinstance(data, (bytes, bytearray, memoryview)):
                problems.append(_problem(name, "unreadable_file", Text("The upload holds no file contents.")))
                continue
            data = bytes(data)
            if max_bytes is not None and len(data) > max_bytes:
                problems.append(_too_large(name, len(data), max_bytes))
                continue
            files.append(InputFile(Path(name).name or name, data, budget=budget))
            continue
        if not isinstance(item, (str, os.PathLike)):
            problems.append(_problem(str(item)[:80], "unreadable_file", Text("This is neither a file path nor an uploaded file.")))
            continue
        path = Path(item)
        if path.is_dir():
            inside = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in _DATA_SUFFIXES)
            if not inside:
                problems.append(_problem(path.name, "empty_folder", Text("The folder holds no .xlsx, .zip or .csv file.")))
            for member in inside:
                _read_path(member, max_bytes, files, problems, budget)
            continue
        _read_path(path, max_bytes, files, problems, budget)
    return files, problems


def _read_path(path: Path, max_bytes: int | None, files: list[InputFile], problems: list[Problem],
               budget: UploadBudget | None = None) -> None:
    try:
        size = path.stat().st_size
        if max_bytes is not None and size > max_bytes:
            problems.append(_too_large(path.name, size, max_bytes))
            return
        with open(path, "rb"):  # fail now, with a clear problem, if it cannot be opened
            pass
        files.append(InputFile(path.name, path=path, budget=budget or UploadBudget()))
    except FileNotFoundError:
        problems.append(_problem(path.name, "file_not_found", Text("There is no file {path}. Check the name and folder.", path=str(path))))
    except OSError as exc:
        problems.append(_problem(path.name, "unreadable_file", Text("The file cannot be opened ({error}).", error=str(exc.strerror or exc))))


def total_files(files: Iterable[InputFile]) -> tuple[str, ...]:
    return tuple(f.name for f in files)
