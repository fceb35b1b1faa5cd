"""Limits checked before any parser runs: what an upload may declare and unpack to.

A few kilobytes can ask a parser for anything: a workbook with cells A1 and XFD1048576 makes
calamine allocate its whole 16 384 × 1 048 576 grid (512 GiB), a zip of a few megabytes
unpacks to gigabytes, zips nested a thousand deep exhaust the recursion. So before calamine
or pandas sees a byte, the readers ask this module:

- :func:`check_workbook` reads an .xlsx's zip directory and streams every member once,
  counting the bytes it really unpacks (not the sizes the directory claims) and, for each
  worksheet, its declared ``<dimension ref=…>`` and the extent its cell references reach;
  a workbook wider than :attr:`Limits.max_columns` or bigger than :attr:`Limits.max_cells`
  is refused unparsed.
- :class:`UploadBudget` is one budget for a whole upload (every file, every archive member,
  every nesting level): :meth:`UploadBudget.read_member` unpacks a zip member in chunks and
  stops the moment the upload's total passes :attr:`Limits.max_unpacked_bytes`; the nesting
  depth and the number of archive members are capped too.
- :func:`check_columns` caps the columns of a CSV header.

Each refusal is one :class:`~lusp.validate.Problem` (severity ``error``) whose message says
what the file declares and what the limit is, e.g. "This workbook declares 17 179 869 184
cells …; the limit is 10 000 000 cells". Nothing here raises on bad input, except
:class:`LimitExceeded` inside the budget, which the readers turn into that problem.

These limits are the first line; the second is :mod:`lusp.sandbox`, which runs the whole
load in a child process with memory, CPU-time and wall-clock limits.
"""
from __future__ import annotations

import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from lusp.i18n import Text
from lusp.validate import Problem

__all__ = ["DEFAULT_LIMITS", "LimitExceeded", "Limits", "SheetExtent", "UploadBudget", "check_columns",
           "check_csv", "check_workbook", "count_lines", "group_digits", "scan_sheet"]


@dataclass(frozen=True)
class Limits:
    """What one upload may declare or unpack to (the defaults are :data:`DEFAULT_LIMITS`)."""

    #: Cells of one workbook: the sum over its sheets of the rectangle calamine allocates
    #: (the declared dimension or the extent of the cell references, whichever is larger).
    #: 10 M cells is ~50 columns × 200 000 rows, above the 100 000-patient benchmark's
    #: largest sheet; calamine needs 32 bytes a cell, pandas ~100 more.
    max_cells: int = 10_000_000
    #: Cells of one CSV table (lines × columns): three times the Hb table of the
    #: 100 000-patient benchmark registry (6 M lines × 3 columns).
    max_csv_cells: int = 60_000_000
    #: Columns of one sheet or CSV. A cohort sheet has a few dozen; the loader's column
    #: matching grows with the square of the columns.
    max_columns: int = 1_000
    #: Bytes one upload may unpack to, over all its files, archive members and nesting
    #: levels together (a 50 MB CSV upload counts 50 MB).
    max_unpacked_bytes: int = 1_000_000_000
    #: Archive levels: a zip inside the upload is level 1, a zip inside that level 2 …
    max_depth: int = 3
    #: Members of all archives of one upload (workbook parts included).
    max_members: int = 2_000


DEFAULT_LIMITS = Limits()

_CHUNK = 1 << 20  # bytes unpacked at a time


def group_digits(n: int) -> str:
    """17179869184 → "17 179 869 184" (SPEC's plain-language numbers)."""
    return f"{n:,}".replace(",", " ")


def _megabytes(n: int) -> str:
    return f"{n / 1e6:,.0f} MB".replace(",", " ")


def _problem(file: str, code: str, message: str, value: str = "") -> Problem:
    return Problem("error", file, "", None, "", value, message, code)


class LimitExceeded(Exception):
    """Raised inside the readers when an upload passes a limit; ``problem`` says which."""

    def __init__(self, problem: Problem):
        super().__init__(problem.message)
        self.problem = problem


@dataclass
class UploadBudget:
    """One unpacked-bytes budget, member count and depth limit for a whole upload.

    Create one per upload (``lusp.io.sources.read_sources`` does) and pass it down to every
    reader; nested archives share it, so a zip of zips cannot unpack more than the whole
    upload may.
    """

    limits: Limits = DEFAULT_LIMITS
    unpacked: int = 0
    members: int = 0
    _refused: Problem | None = field(default=None, repr=False)

    def charge(self, file: str, n: int, *, declared: bool = False) -> None:
        """Count ``n`` more unpacked bytes; :class:`LimitExceeded` once past the limit.

        ``declared``: ``n`` is the size a zip directory claims for a member not read yet."""
        self.unpacked += n
        if self.unpacked > self.limits.max_unpacked_bytes:
            where = (Text("{file} declares {size} unpacked", file=file, size=_megabytes(n)) if declared
                     else Text("reading stopped at {size}, in {file}", size=_megabytes(self.unpacked), file=file))
            raise self._refuse(_problem(
                file, "upload_too_large_unpacked",
                Text("This upload unpacks to more than {limit} ({where}); the limit for one upload is "
                     "{limit} of tables. Send the tables as separate, smaller files.",
                     limit=_megabytes(self.limits.max_unpacked_bytes), where=where),
                str(self.unpacked)))

    @property
    def refused(self) -> Problem | None:
        """The first limit this upload passed, or ``None``: once set, nothing more is read."""
        return self._refused

    def _refuse(self, problem: Problem) -> LimitExceeded:
        if self._refused is None:
            self._refused = problem
        return LimitExceeded(self._refused)

    def enter_archive(self, file: str, depth: int, n_members: int) -> None:
        """Check an archive at nesting ``depth`` (the upload itself is 0) holding ``n_members``."""
        if depth >= self.limits.max_depth:
            raise self._refuse(_problem(
                file, "archive_too_deep",
                Text("This archive is nested more than {limit} levels deep (a zip inside a zip …); "
                     "the limit is {limit}. Put the CSV files in one zip.", limit=self.limits.max_depth),
                str(depth + 1)))
        self.members += n_members
        if self.members > self.limits.max_members:
            raise self._refuse(_problem(
                file, "too_many_members",
                Text("This upload holds more than {limit} files inside its archives; "
                     "the limit is {limit}. Put one CSV per table in the zip.",
                     limit=group_digits(self.limits.max_members)),
                str(self.members)))

    def read_member(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo, label: str) -> bytes:
        """The member's bytes, unpacked in chunks and charged as they come (the size the zip
        directory declares is checked first, but never trusted)."""
        remaining = self.limits.max_unpacked_bytes - self.unpacked
        if info.file_size > remaining:
            self.charge(label, info.file_size, declared=True)  # raises, naming the declared size
        import io

        buffer = io.BytesIO()  # getvalue() hands its buffer over: the member is held once, not twice
        with archive.open(info) as stream:
            while chunk := stream.read(_CHUNK):
                self.charge(label, len(chunk))
                buffer.write(chunk)
        return buffer.getvalue()


# ----------------------------------------------------------------------------- workbooks

_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\b[^>]*?\bref="([A-Za-z]*)(\d*)(?::([A-Za-z]*)(\d*))?"')
_CELL_REF = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,4})(\d{1,8})"')
_ROW_REF = re.compile(rb'<(?:\w+:)?row\b[^>]*?\br="(\d{1,8})"')
_CELL_TAG = re.compile(rb"<(?:\w+:)?c[\s>/]")
_ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s>/]")
_OVERLAP = 256  # bytes kept between chunks so a tag cut in two is still seen


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ch - 64)
    return n


@dataclass
class SheetExtent:
    """What one worksheet declares and what its cell references reach."""

    declared_rows: int = 0
    declared_columns: int = 0
    max_row: int = 0
    max_column: int = 0
    n_rows: int = 0  # <row> elements
    n_cells: int = 0  # <c> elements

    @property
    def rows(self) -> int:
        return max(self.declared_rows, self.max_row, self.n_rows)

    @property
    def columns(self) -> int:
        return max(self.declared_columns, self.max_column)

    @property
    def cells(self) -> int:
        """The rectangle a parser allocates: rows × columns (at least the cells present)."""
        return max(self.rows * self.columns, self.n_cells)

    @property
    def declared_cells(self) -> int:
        return self.declared_rows * self.declared_columns


def scan_sheet(stream, on_chunk=None) -> SheetExtent:
    """Stream one worksheet's XML (a binary file object): its declared dimension and the
    furthest cell it names, chunk by chunk; ``on_chunk(n)`` is called with each chunk's size
    (to charge an :class:`UploadBudget`)."""
    extent = SheetExtent()
    carry = b""
    dimension_seen = False
    while True:
        chunk = stream.read(_CHUNK)
        if not chunk:
            break
        if on_chunk is not None:
            on_chunk(len(chunk))
        text = carry + chunk
        if not dimension_seen:
            found = _DIMENSION.search(text)
            if found:
                dimension_seen = True
                c1, r1, c2, r2 = (g or b"" for g in found.groups())
                c2, r2 = (c2 or c1), (r2 or r1)
                if c2 and r2:
                    extent.declared_columns = _column_number(c2)
                    extent.declared_rows = int(r2)
        # Distinct references only: a sheet repeats a handful of column letters a million times.
        columns = set(_CELL_REF.findall(text))
        if columns:
            letters = max((c for c, _ in columns), key=lambda c: (len(c), c))
            extent.max_column = max(extent.max_column, _column_number(letters))
            extent.max_row = max(extent.max_row, max(int(r) for _, r in columns))
        rows = _ROW_REF.findall(text)
        if rows:
            extent.max_row = max(extent.max_row, int(max(rows, key=lambda r: (len(r), r))))
        # Tags wholly inside the carried tail were counted last time; one cut in two was not.
        extent.n_cells += len(_CELL_TAG.findall(text)) - len(_CELL_TAG.findall(carry))
        extent.n_rows += len(_ROW_TAG.findall(text)) - len(_ROW_TAG.findall(carry))
        carry = text[-_OVERLAP:]
    return extent


def _is_worksheet(name: str) -> bool:
    path = PurePosixPath(name)
    return path.suffix.lower() == ".xml" and "worksheets" in path.parts[:-1]


def check_workbook(name: str, data: bytes, budget: UploadBudget | None = None) -> list[Problem]:
    """Problems that stop an .xlsx before calamine reads it (empty when it may be read).

    Streams every member once: the bytes unpacked count against ``budget`` (a fresh one
    when ``None``), and each worksheet's declared dimension and cell extent are compared
    with :attr:`Limits.max_columns` and :attr:`Limits.max_cells` (summed over the sheets).
    A workbook that is not a readable zip is left to the reader, which reports it.
    """
    import io

    budget = budget if budget is not None else UploadBudget()
    limits = budget.limits
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [m for m in archive.infolist() if not m.is_dir()]
    # NotImplementedError: a directory entry claiming a newer zip version ("zip file version
    # 18.4"), which ZipFile raises while reading the directory (found by the fuzzer).
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, zlib.error, ValueError, EOFError, OSError):
        return []
    try:
        budget.enter_archive(name, 0, len(members))
        total_cells = 0
        for info in members:
            label = f"{name} ({info.filename})"
            if info.file_size > limits.max_unpacked_bytes - budget.unpacked:
                budget.charge(label, info.file_size, declared=True)  # the declared size alone is too much
            try:
                with archive.open(info) as stream:
                    if _is_worksheet(info.filename):
                        extent = scan_sheet(stream, lambda n: budget.charge(label, n))
                    else:
                        while chunk := stream.read(_CHUNK):
                            budget.charge(label, len(chunk))
                        continue
            except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, EOFError, OSError, ValueError):
                continue  # damaged (a corrupt deflate stream: zlib.error) or encrypted member: the reader says so
            where = _sheet_label(archive, info.filename, budget)
            total_cells += extent.cells
            if total_cells > limits.max_cells:
                numbers = dict(cells=group_digits(total_cells), rows=group_digits(extent.rows),
                               columns=group_digits(extent.columns), where=where, limit=group_digits(limits.max_cells))
                if extent.declared_cells >= extent.rows * extent.columns:
                    message = Text("This workbook declares {cells} cells ({rows} rows × {columns} columns in its "
                                   "{where}); the limit is {limit} cells. A cell far below or "
                                   "right of the data (press Ctrl+End in Excel to find it) makes the sheet this large: "
                                   "delete the empty rows and columns, or send the tables as CSV files in a .zip.",
                                   **numbers)
                else:
                    message = Text("This workbook spans {cells} cells ({rows} rows × {columns} columns in its "
                                   "{where}); the limit is {limit} cells. A cell far below or "
                                   "right of the data (press Ctrl+End in Excel to find it) makes the sheet this large: "
                                   "delete the empty rows and columns, or send the tables as CSV files in a .zip.",
                                   **numbers)
                return [_problem(name, "too_many_cells", message, str(total_cells))]
            if extent.columns > limits.max_columns:
                numbers = dict(where=where, columns=group_digits(extent.columns), limit=group_digits(limits.max_columns))
                if extent.declared_columns >= extent.max_column:
                    message = Text("This workbook's {where} declares {columns} columns; the limit is "
                                   "{limit} columns per sheet. Delete the columns you do not "
                                   "need (a cohort sheet has a few dozen) and save the workbook again.", **numbers)
                else:
                    message = Text("This workbook's {where} reaches {columns} columns; the limit is "
                                   "{limit} columns per sheet. Delete the columns you do not "
                                   "need (a cohort sheet has a few dozen) and save the workbook again.", **numbers)
                return [_problem(name, "too_many_columns", message, str(extent.columns))]
    except LimitExceeded as exc:
        return [exc.problem]
    return []


_SHEET = re.compile(rb'<(?:\w+:)?sheet\b[^>]*?\bname="([^"]*)"[^>]*?\br:id="([^"]*)"')
_REL = re.compile(rb'<Relationship\b[^>]*?\bId="([^"]*)"[^>]*?\bTarget="([^"]*)"|'
                  rb'<Relationship\b[^>]*?\bTarget="([^"]*)"[^>]*?\bId="([^"]*)"')


def _sheet_label(archive: zipfile.ZipFile, part: str, budget: UploadBudget) -> str:
    """"sheet 'patients'" for the worksheet part (from workbook.xml and its relationships),
    or "sheet part sheet1.xml" when the workbook does not say."""
    fallback = Text("sheet part {part}", part=PurePosixPath(part).name)
    try:
        small = {i.filename: i for i in archive.infolist() if i.file_size < 4_000_000}
        workbook = archive.read(small["xl/workbook.xml"])
        rels = archive.read(small["xl/_rels/workbook.xml.rels"])
    except (KeyError, zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, EOFError, OSError, ValueError):
        return fallback
    targets = {}
    for m in _REL.finditer(rels):
        rid, target = (m.group(1), m.group(2)) if m.group(1) is not None else (m.group(4), m.group(3))
        targets[rid] = PurePosixPath(target.decode("utf-8", "replace")).name
    for m in _SHEET.finditer(workbook):
        if targets.get(m.group(2)) == PurePosixPath(part).name:
            import html

            return Text("sheet '{sheet}'", sheet=html.unescape(m.group(1).decode('utf-8', 'replace')))
    return fallback


def count_lines(file) -> int:
    """Lines of an :class:`~lusp.io.sources.InputFile` (its bytes, or its path streamed)."""
    if file.data is not None:
        return file.data.count(b"\n") + (0 if file.data.endswith(b"\n") else 1)
    n, last = 0, b"\n"
    with open(file.path, "rb") as handle:
        while chunk := handle.read(_CHUNK * 8):
            n += chunk.count(b"\n")
            last = chunk[-1:]
    return n + (0 if last == b"\n" else 1)


def check_csv(file, n_columns: int, limits: Limits = DEFAULT_LIMITS) -> list[Problem]:
    """A problem when a CSV has more than :attr:`Limits.max_columns` columns or more than
    :attr:`Limits.max_csv_cells` cells (lines × columns, counted before pandas parses it)."""
    problems = check_columns(file.name, n_columns, limits)
    if problems:
        return problems
    lines = count_lines(file)
    if lines * n_columns > limits.max_csv_cells:
        return [_problem(file.name, "too_many_cells",
                         Text("This file has {lines} lines × {columns} columns = "
                              "{cells} cells; the limit is {limit} "
                              "cells per table. Remove empty lines, or split the table by year into several files.",
                              lines=group_digits(lines), columns=group_digits(n_columns),
                              cells=group_digits(lines * n_columns), limit=group_digits(limits.max_csv_cells)),
                         str(lines * n_columns))]
    return []


def check_columns(name: str, n_columns: int, limits: Limits = DEFAULT_LIMITS) -> list[Problem]:
    """A problem when a CSV header has more than :attr:`Limits.max_columns` columns."""
    if n_columns <= limits.max_columns:
        return []
    return [_problem(name, "too_many_columns",
                     Text("This file has {columns} columns; the limit is "
                          "{limit} columns per table. Keep the columns you need "
                          "(a cohort table has a few dozen) and export it again.", columns=group_digits(n_columns),
                          limit=group_digits(limits.max_columns)), str(n_columns))]
