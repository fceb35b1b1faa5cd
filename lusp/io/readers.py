"""One reader per file shape: Excel workbook, zip of CSVs, CSV text.

Each reader turns an :class:`~lusp.io.sources.InputFile` into :class:`RawTable` records —
a header (the names exactly as written in the file) and a body whose columns are
positions, so duplicate or blank header names survive for the report — plus a problem for
anything that is not what its name says. No reader raises on bad input.
"""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

import pandas as pd
from pandas.api.types import is_numeric_dtype

from lusp.io import limits
from lusp.io.sources import InputFile
from lusp.i18n import Text
from lusp.validate import Problem

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls / .doc
#: A zip whose members add up to more than this is refused unread (a "zip bomb" would
#: otherwise exhaust the server's memory from a small upload).
MAX_UNZIPPED_BYTES = 2_000_000_000
#: Encodings tried in order for CSV text without a byte-order mark.
CSV_ENCODINGS = ("utf-8", "gb18030")


@dataclass(frozen=True)
class RawTable:
    """A sheet or CSV as read: header names as written, body columns by position.

    ``first_row`` is the number the user sees for ``body``'s first row (the Excel row, or
    the CSV line), so body row ``i`` is ``first_row + i``.
    """

    file: str
    sheet: str  # sheet name, or the CSV file's stem
    header: tuple[str, ...]
    body: pd.DataFrame
    first_row: int
    kind: str  # "excel" | "csv"


def _error(file: str, code: str, message: str, row: int | None = None, value: str = "") -> Problem:
    return Problem("error", file, "", row, "", value, message, code)


def column_letter(position: int) -> str:
    """Excel column letter of a 0-based position (0 → A, 27 → AB)."""
    letters = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def read_file(file: InputFile, text_columns=None) -> tuple[list[RawTable], list[Problem]]:
    """Read one input file of any accepted shape.

    ``text_columns(header_name) -> bool`` names CSV columns to keep as text (patient ids:
    ``001`` must not become ``1``).
    """
    name, head = file.name, file.head(65536)
    suffix = PurePosixPath(name).suffix.lower()
    if file.depth == 0:  # an archive member was charged as it was unpacked
        try:
            file.budget.charge(name, file.size)
        except limits.LimitExceeded as exc:
            return [], [exc.problem]
    if file.budget.refused is not None:
        return [], []  # the upload was refused already; that problem is reported once
    if not head.strip() and (len(head) < 65536 or not file.content().strip()):
        return [], [_error(name, "empty_file", Text("The file is empty. Choose the file that holds the cohort."))]
    if head.startswith(_OLE_MAGIC):
        if is_encrypted_office(file):
            return [], [_error(name, "encrypted_workbook", Text("This workbook is password-protected (encrypted), so it "
                               "cannot be read. Open it in Excel, remove the password (File → Info → Protect "
                               "Workbook → Encrypt with Password, clear it) and save it again as .xlsx."))]
        return [], [_error(name, "legacy_excel", Text("This is an old-style Excel file (.xls) or another Office "
                           "document. Open it in Excel and save it as an .xlsx workbook."))]
    if suffix == ".xpt":
        from lusp.io.transport import read_xpt

        return read_xpt(name, file.content())
    if suffix == ".gz":
        from lusp.io.transport import read_gzip

        return read_gzip(name, file.content(), text_columns)
    is_zip = head.startswith(_ZIP_MAGIC)
    if suffix in (".xlsx", ".xlsm"):
        if not is_zip:
            return [], [_error(name, "wrong_content", Text("The file is named .xlsx but is not an Excel workbook. "
                               "Open it in Excel and save it as .xlsx, or give it the right extension."))]
        return read_workbook(name, file.content(), budget=file.budget)
    if suffix == ".xls":
        return [], [_error(name, "legacy_excel", Text("Old-style .xls workbooks are not read. Open the file in "
                           "Excel and save it as an .xlsx workbook."))]
    if suffix == ".zip":
        if not is_zip:
            return [], [_error(name, "wrong_content", Text("The file is named .zip but is not a zip archive. "
                               "Create the archive again (one CSV per table inside)."))]
        return read_zip(name, file.content(), text_columns, budget=file.budget, depth=file.depth)
    if suffix in (".csv", ".tsv", ".txt", ".dat", ""):
        if is_zip:
            return [], [_error(name, "wrong_content", Text("The file is named .csv but is a zip archive or an Excel "
                               "workbook. Rename it to .xlsx or .zip, or export the sheet as CSV."))]
        return read_csv_file(file, text_columns)
    return [], [_error(name, "wrong_extension", Text("Files ending in {suffix} are not read. Use an Excel workbook "
                       "(.xlsx), a .zip of CSV files, or CSV files (.csv).", suffix=suffix), value=suffix)]


# ----------------------------------------------------------------------------- Excel


def read_workbook(name: str, data: bytes, budget: limits.UploadBudget | None = None) -> tuple[list[RawTable], list[Problem]]:
    """Every sheet of an .xlsx workbook (pandas' calamine engine), header = first non-empty row.

    The declared dimensions and unpacked sizes are checked first (:mod:`lusp.io.limits`):
    calamine allocates a sheet's whole rectangle, so a too-large one is never parsed.
    """
    refused = limits.check_workbook(name, data, budget)
    if refused:
        return [], refused
    try:
        sheets = pd.read_excel(io.BytesIO(data), sheet_name=None, header=None, engine="calamine")
    except Exception as exc:  # noqa: BLE001 — any failure of a damaged upload becomes a report
        return [], [_error(name, "unreadable_workbook", Text("The workbook cannot be read: it may be damaged, "
                           "password-protected or not really an .xlsx file. Open it in Excel and save it "
                           "again as .xlsx. ({error})", error=type(exc).__name__))]
    tables: list[RawTable] = []
    for sheet, grid in sheets.items():
        tables.append(_split_header(name, str(sheet), grid, kind="excel", first_row_of_grid=1))
    if not tables:
        return [], [_error(name, "empty_file", Text("The workbook has no sheets."))]
    return tables, []


def _split_header(file: str, sheet: str, grid: pd.DataFrame, *, kind: str, first_row_of_grid: int) -> RawTable:
    """Take the first non-empty row of ``grid`` as the header; drop columns empty throughout."""
    filled = grid.notna().to_numpy()
    non_empty_rows = filled.any(axis=1).nonzero()[0]
    if len(non_empty_rows) == 0:
        return RawTable(file, sheet, (), pd.DataFrame(index=pd.RangeIndex(0)), first_row_of_grid, kind)
    head = int(non_empty_rows[0])
    keep = filled[head:].any(axis=0).nonzero()[0]
    header = tuple(
        _header_text(grid.iat[head, j]) or f"(column {column_letter(j)})" for j in keep
    )
    body = grid.iloc[head + 1 :, keep]
    body.columns = range(len(keep))
    body = body.reset_index(drop=True)
    # A column of mixed cells (Excel) is object dtype; let pandas settle numeric ones.
    body = body.infer_objects()
    return RawTable(file, sheet, header, body, first_row_of_grid + head + 1, kind)


def _header_text(value) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


# ----------------------------------------------------------------------------- zip


def read_zip(name: str, data: bytes, text_columns=None, *, budget: limits.UploadBudget | None = None,
             depth: int = 0) -> tuple[list[RawTable], list[Problem]]:
    """Every CSV (or workbook) inside a zip archive; folders and system files skipped.

    Members are unpacked in chunks against the upload's one ``budget``; ``depth`` is this
    archive's nesting level (:mod:`lusp.io.limits` caps both).
    """
    budget = budget if budget is not None else limits.UploadBudget()
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [m for m in archive.infolist() if not m.is_dir()]
    # NotImplementedError: a directory entry claiming a newer zip version (the fuzzer's find).
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, ValueError, EOFError, OSError):
        return [], [_error(name, "bad_zip", Text("The zip archive is damaged or incomplete (perhaps the download "
                           "or copy was cut short). Create it again from the CSV files."))]
    tables: list[RawTable] = []
    problems: list[Problem] = []
    members = [m for m in members if not _is_system_member(m.filename)]
    if sum(m.file_size for m in members) > MAX_UNZIPPED_BYTES:
        return [], [_error(name, "zip_too_large", Text("The zip archive expands to more than "
                           "{gb:.0f} GB. Send the tables as separate, smaller files.", gb=MAX_UNZIPPED_BYTES / 1e9))]
    if not members:
        return [], [_error(name, "empty_file", Text("The zip archive holds no files. Put one CSV per table in it."))]
    try:
        budget.enter_archive(name, depth, len(members))
    except limits.LimitExceeded as exc:
        return [], [exc.problem]
    for member in members:
        inner = PurePosixPath(member.filename).name
        label = f"{name}/{inner}"
        try:
            content = budget.read_member(archive, member, label)
        except limits.LimitExceeded as exc:
            return [], [exc.problem]  # the whole upload is refused: nothing half-read is kept
        except Exception:  # noqa: BLE001 — CRC errors, truncation, unsupported compression
            problems.append(_error(label, "bad_zip", Text("This file inside the zip archive cannot be extracted "
                                   "(the archive is damaged or incomplete). Create the archive again.")))
            continue
        from lusp.io.sources import InputFile as _Inner

        found, found_problems = read_file(_Inner(label, content, budget=budget, depth=depth + 1), text_columns)
        if budget.refused is not None:  # a nested archive passed a limit: refuse the upload once
            return [], [budget.refused]
        tables.extend(found)
        problems.extend(found_problems)
    return tables, problems


def _is_system_member(path: str) -> bool:
    parts = PurePosixPath(path).parts
    return any(p.startswith("__MACOSX") or p.startswith(".") for p in parts) or parts[-1] in ("Thumbs.db", "desktop.ini")


# ----------------------------------------------------------------------------- CSV


def sniff_separator(first_line: str) -> str:
    """The separator used in the header line: the most frequent of ``,`` ``;`` tab."""
    counts = {sep: first_line.count(sep) for sep in (",", ";", "\t")}
    best = max(counts, key=lambda s: counts[s])
    return best if counts[best] > 0 else ","


_LINE_IN_ERROR = re.compile(r"line (\d+)")


#: The stream names of an encrypted (password-protected) OOXML package, in the OLE directory.
_ENCRYPTED_STREAMS = ("EncryptedPackage".encode("utf-16-le"), "EncryptionInfo".encode("utf-16-le"))


def is_encrypted_office(file: InputFile) -> bool:
    """True for an OLE compound file holding an encrypted OOXML package (a workbook saved
    with a password is an OLE file, not a zip, whatever its extension)."""
    data = file.content()
    return all(stream in data for stream in _ENCRYPTED_STREAMS)


def utf16_without_bom(head: bytes) -> str | None:
    """``"utf-16-le"`` / ``"utf-16-be"`` for UTF-16 text without a byte-order mark (every
    other byte NUL on one side, as ASCII-range text is), else ``None``."""
    sample = head[: len(head) - len(head) % 2]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]

    def printable(part: bytes) -> float:
        return sum(b >= 0x20 or b in (9, 10, 13) for b in part) / len(part)

    zeros_even, zeros_odd = even.count(0) / len(even), odd.count(0) / len(odd)
    if len(sample) >= 8 and zeros_odd > 0.6 and printable(even) > 0.95:
        return "utf-16-le"
    if len(sample) >= 8 and zeros_even > 0.6 and printable(odd) > 0.95:
        return "utf-16-be"
    return None


def _head_encoding(head: bytes) -> str | None:
    """The encoding the top of the file decodes in (BOM first, then UTF-8, then GB18030)."""
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    cut = head.rfind(b"\n")
    sample = head[: cut + 1] if 0 < cut < len(head) - 1 else head  # never split a character
    for encoding in CSV_ENCODINGS:
        try:
            sample.decode(encoding)
            return encoding
        except UnicodeDecodeError:
            continue
    return None


def read_csv_file(file: InputFile, text_columns=None) -> tuple[list[RawTable], list[Problem]]:
    """A CSV file: encoding and separator detected, ``;`` files read with decimal commas.

    Columns whose values are all numbers come back numeric straight from pandas' C parser
    (the fast path for registries); the rest stay text and are parsed by the loader. Only
    the top of the file is decoded here; pandas decodes the rest while parsing, and a file
    that turns out not to be UTF-8 further down is read again as GB18030.
    """
    name = file.name
    head = file.head(65536)
    utf16 = utf16_without_bom(head) if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")) else None
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")) and utf16 is None:
        return [], [_error(name, "binary_file", Text("This is not a text (CSV) file: it holds binary data. Export "
                           "the sheet from Excel with 'Save as → CSV UTF-8'."))]
    encoding = utf16 or _head_encoding(head)
    bad_encoding = [_error(name, "bad_encoding", Text("The file's text encoding is not UTF-8 or GB18030. Save it "
                           "again from Excel as 'CSV UTF-8'."))]
    if encoding is None:
        return [], bad_encoding
    stem = PurePosixPath(name).stem
    lines = head.decode(encoding, errors="ignore").lstrip("\ufeff").splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip(" ,;\t\"")), None)
    if first is None:
        return [], [_error(name, "empty_file", Text("The file is empty. Choose the file that holds the cohort."))]
    sep = sniff_separator(lines[first])
    too_wide = limits.check_csv(file, lines[first].count(sep) + 1, file.budget.limits)  # before pandas reads it
    if too_wide:
        return [], too_wide
    decimal = "," if sep == ";" else "."
    header: tuple[str, ...] = ()
    tried = [encoding] + [e for e in CSV_ENCODINGS if e != encoding and encoding in CSV_ENCODINGS]
    body = None
    for encoding in tried:
        try:
            header_frame = pd.read_csv(file.source(), encoding=encoding, sep=sep, header=None, skiprows=first,
                                       nrows=1, dtype=str, keep_default_na=False, skip_blank_lines=False)
            header = tuple(str(h).strip() or f"(column {column_letter(j)})" for j, h in enumerate(header_frame.iloc[0]))
            body = pd.read_csv(
                file.source(),
                encoding=encoding,
                sep=sep,
                decimal=decimal,
                header=first,  # that line is replaced by positional names: duplicates survive
                names=range(len(header)),
                skip_blank_lines=False,
            )
            # Ids such as 001 must stay text; re-read only a text column that came back as
            # numbers (forcing text on every read costs registries twice the parse time).
            for j, h in enumerate(header):
                if text_columns is not None and text_columns(h) and is_numeric_dtype(body[j]):
                    body[j] = pd.read_csv(file.source(), encoding=encoding, sep=sep, header=first,
                                          names=range(len(header)), usecols=[j], dtype={j: "str"},
                                          skip_blank_lines=False)[j]
            break
        except UnicodeDecodeError:
            continue
        except pd.errors.EmptyDataError:
            if not header:
                return [], [_error(name, "empty_file", Text("The file holds no readable text. Choose the file that holds the cohort."))]
            body = pd.DataFrame({j: pd.Series(dtype="str") for j in range(len(header))})
            break
        except (pd.errors.ParserError, ValueError, IndexError) as exc:
            match = _LINE_IN_ERROR.search(str(exc))
            row = int(match.group(1)) if match else None
            return [], [_error(name, "malformed_csv", Text("The CSV cannot be split into columns: a line has more "
                               "values than the header has names (a stray separator, or a comma inside a value "
                               "without quotes). Fix that line or export the sheet again."), row=row)]
    if body is None:
        return [], bad_encoding
    # the header is line ``first + 1`` (1-based) and the body starts on the next line
    return [RawTable(name, stem, header, body, first + 2, "csv")], []
