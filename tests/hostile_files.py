"""Hostile uploads of issue 17, each built in a few milliseconds and a few kilobytes.

Every builder returns ``(file_name, bytes)``, the shape of a browser upload. The workbooks
are written by hand (zip + sheet XML) because no spreadsheet library would write them:
their point is what they *declare* or what calamine would allocate for them.

Also runnable: ``python tests/hostile_files.py OUTDIR`` writes every file there (used to
measure time and peak memory before and after the limits; see the issue-17 report).
"""
from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '{sheets}</Types>'
)
_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
         '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
         '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
         '</Relationships>')
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_NS_R = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'


def column_letters(index: int) -> str:
    """1 → A, 16384 → XFD."""
    out = ""
    while index:
        index, rest = divmod(index - 1, 26)
        out = chr(65 + rest) + out
    return out


def workbook_bytes(sheets: dict[str, str], *, compresslevel: int = 6) -> bytes:
    """An .xlsx whose sheets are the given ``<sheetData>`` inner XML (plus a dimension, if any).

    ``sheets`` maps a sheet name to the XML between ``<worksheet>`` and ``</worksheet>``.
    """
    buffer = io.BytesIO()
    names = list(sheets)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES.format(sheets="".join(
            f'<Override PartName="/xl/worksheets/sheet{i + 1}.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for i in range(len(names)))))
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook {_NS} {_NS_R}>'
                   "<sheets>" + "".join(f'<sheet name="{n}" sheetId="{i + 1}" r:id="rId{i + 1}"/>'
                                        for i, n in enumerate(names)) + "</sheets></workbook>")
        z.writestr("xl/_rels/workbook.xml.rels",
                   '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                   '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   + "".join(f'<Relationship Id="rId{i + 1}" Type="http://schemas.openxmlformats.org/officeDocument/'
                             f'2006/relationships/worksheet" Target="worksheets/sheet{i + 1}.xml"/>' for i in range(len(names)))
                   + "</Relationships>")
        for i, name in enumerate(names):
            z.writestr(f"xl/worksheets/sheet{i + 1}.xml",
                       f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet {_NS}>{sheets[name]}</worksheet>')
    return buffer.getvalue()


def _cell(ref: str, value: float) -> str:
    return f'<c r="{ref}"><v>{value}</v></c>'


def corner_cells_workbook() -> tuple[str, bytes]:
    """Cells A1 and XFD1048576: calamine allocates the whole 16 384 × 1 048 576 grid (512 GiB)."""
    xml = ('<dimension ref="A1:XFD1048576"/><sheetData>'
           f'<row r="1">{_cell("A1", 1)}</row><row r="1048576">{_cell("XFD1048576", 1)}</row></sheetData>')
    return "corner.xlsx", workbook_bytes({"patients": xml})


def corner_cells_no_dimension_workbook() -> tuple[str, bytes]:
    """The same two cells but no ``<dimension>``: the extent must come from the cell references."""
    xml = f'<sheetData><row r="1">{_cell("A1", 1)}</row><row r="1048576">{_cell("XFD1048576", 1)}</row></sheetData>'
    return "corner_nodim.xlsx", workbook_bytes({"patients": xml})


def sparse_workbook(rows: int = 40_000, columns: int = 1_000) -> tuple[str, bytes]:
    """A diagonal of a few cells spanning ``rows × columns`` (40 M cells by default)."""
    cells = "".join(f'<row r="{r}">{_cell(column_letters(c) + str(r), 1)}</row>'
                    for r, c in ((1, 1), (rows // 2, columns // 2), (rows, columns)))
    xml = f'<dimension ref="A1:{column_letters(columns)}{rows}"/><sheetData>{cells}</sheetData>'
    return "sparse.xlsx", workbook_bytes({"patients": xml})


def wide_workbook(columns: int = 16_000, rows: int = 3) -> tuple[str, bytes]:
    """``columns`` filled columns (16 000 by default), a header and ``rows - 1`` body rows."""
    body = []
    for r in range(1, rows + 1):
        cells = "".join(
            (f'<c r="{column_letters(c)}{r}" t="inlineStr"><is><t>col{c}</t></is></c>' if r == 1
             else _cell(f"{column_letters(c)}{r}", c)) for c in range(1, columns + 1))
        body.append(f'<row r="{r}">{cells}</row>')
    xml = f'<dimension ref="A1:{column_letters(columns)}{rows}"/><sheetData>{"".join(body)}</sheetData>'
    return "wide.xlsx", workbook_bytes({"patients": xml})


def huge_sheet_workbook(megabytes: int = 1_900) -> tuple[str, bytes]:
    """One sheet whose XML unpacks to ``megabytes`` MB of padding (a highly compressible member).

    The padding is an XML comment inside ``<sheetData>``, so the declared extent is tiny:
    only the unpacked size gives it away.
    """
    head = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet {_NS}>'
            f'<dimension ref="A1:B2"/><sheetData><!--').encode()
    tail = (f'--><row r="1">{_cell("A1", 1)}</row></sheetData></worksheet>').encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES.format(sheets=(
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>')))
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", f'<workbook {_NS} {_NS_R}><sheets><sheet name="patients" sheetId="1" r:id="rId1"/>'
                   "</sheets></workbook>")
        z.writestr("xl/_rels/workbook.xml.rels",
                   '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                   'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            member.write(head)
            block = b" " * (1 << 20)
            for _ in range(megabytes):
                member.write(block)
            member.write(tail)
    return "huge_sheet.xlsx", buffer.getvalue()


def zip_bomb(megabytes: int = 1_900, name: str = "bomb.zip") -> tuple[str, bytes]:
    """A zip holding one CSV of ``megabytes`` MB (a header, then blank lines): ~1000:1."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        with z.open("patients.csv", "w", force_zip64=True) as member:
            member.write(b"patient_id,age\n")
            block = b"\n" * (1 << 20)
            for _ in range(megabytes):
                member.write(block)
    return name, buffer.getvalue()


def nested_bombs(levels: int = 3, per_level: int = 3, megabytes: int = 600) -> tuple[str, bytes]:
    """Zips inside zips, each level holding ``per_level`` copies of the level below; the inner
    zip holds one ``megabytes`` MB CSV: every level alone stays under a per-archive cap, the
    whole upload unpacks to ``per_level ** (levels - 1) × megabytes`` MB (5.4 GB by default)."""
    name, data = zip_bomb(megabytes, "level1.zip")
    for level in range(2, levels + 1):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
            for copy in range(per_level):
                z.writestr(f"part{copy}_{name}", data)
        name, data = f"level{level}.zip", buffer.getvalue()
    return "nested_bombs.zip", data


def deep_zip(depth: int = 1_200) -> tuple[str, bytes]:
    """A zip nested ``depth`` deep around one small CSV (Python's recursion gives out first)."""
    data, name = b"patient_id,age\nP1,70\n", "patients.csv"
    for level in range(depth):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as z:
            z.writestr(name, data)
        data, name = buffer.getvalue(), f"d{level}.zip"
    return "deep.zip", data


ALL = {
    "corner": corner_cells_workbook,
    "corner_nodim": corner_cells_no_dimension_workbook,
    "sparse": sparse_workbook,
    "wide": wide_workbook,
    "huge_sheet": huge_sheet_workbook,
    "zip_bomb": zip_bomb,
    "nested_bombs": nested_bombs,
    "deep_zip": deep_zip,
}

if __name__ == "__main__":
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    for key, build in ALL.items():
        name, data = build()
        (out / name).write_bytes(data)
        print(f"{name}\t{len(data)}")
