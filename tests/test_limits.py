"""Issue 17 item 1 (pre-parse limits): every hostile file of the issue, built here in a few
kilobytes, is refused before calamine or pandas parses it, with a message that says what the
file declares and what the limit is — in ``load_cohort`` (in-process) and through the CLI.

Fence posts: a sheet exactly at the cell / column limit passes the check, one more is
refused; the unpacked budget counts across files, archive members and nesting levels;
nesting exactly at the depth limit is read, one more level is refused.
"""
from __future__ import annotations

import io
import zipfile

import pytest

from lusp.io import limits
from lusp.io.limits import Limits, UploadBudget, check_workbook, scan_sheet
from lusp.load import load_cohort
from lusp.validate import CohortLoadError
from tests import hostile_files as hostile


def refusal(sources) -> "limits.Problem":
    with pytest.raises(CohortLoadError) as caught:
        load_cohort(sources)
    errors = caught.value.report.errors
    assert len(errors) == 1, [p.message for p in errors]
    return errors[0]


def test_the_server_killing_workbook_is_refused_unparsed():
    name, data = hostile.corner_cells_workbook()
    assert len(data) < 10_000
    problem = refusal([(name, data)])
    assert problem.code == "too_many_cells" and problem.file == "corner.xlsx"
    assert problem.message.startswith("This workbook declares 17 179 869 184 cells (1 048 576 rows × 16 384 columns "
                                      "in its sheet 'patients'); the limit is 10 000 000 cells.")


def test_the_same_cells_without_a_dimension_are_found_from_the_cell_references():
    problem = refusal([hostile.corner_cells_no_dimension_workbook()])
    assert problem.code == "too_many_cells" and "spans 17 179 869 184 cells" in problem.message


def test_a_sparse_40_million_cell_workbook_is_refused():
    problem = refusal([hostile.sparse_workbook()])
    assert problem.code == "too_many_cells" and "40 000 000 cells (40 000 rows × 1 000 columns" in problem.message


def test_a_16000_column_workbook_is_refused():
    name, data = hostile.wide_workbook()
    problem = refusal([(name, data)])
    assert problem.code == "too_many_columns"
    assert "sheet 'patients' declares 16 000 columns; the limit is 1 000 columns per sheet" in problem.message


def _sheet(rows: int, columns: int) -> dict[str, str]:
    ref = f"{hostile.column_letters(columns)}{rows}"
    return {"patients": f'<dimension ref="A1:{ref}"/><sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData>'}


@pytest.mark.parametrize("rows, columns, refused", [
    (10_000, 1_000, False),  # exactly 10 000 000 cells, exactly 1 000 columns
    (10_001, 1_000, True),   # one row more: 10 001 000 cells
    (100, 1_001, True),      # one column more
])
def test_cell_and_column_fence_posts(rows, columns, refused):
    data = hostile.workbook_bytes(_sheet(rows, columns))
    problems = check_workbook("w.xlsx", data)
    assert bool(problems) == refused
    if refused:
        assert problems[0].code == ("too_many_columns" if columns > 1_000 else "too_many_cells")


def test_cells_are_summed_over_the_sheets():
    sheets = {f"s{i}": _sheet(4_000, 1_000)["patients"] for i in range(3)}  # 3 × 4 M = 12 M
    (problem,) = check_workbook("w.xlsx", hostile.workbook_bytes(sheets))
    assert problem.code == "too_many_cells" and "12 000 000 cells" in problem.message


def test_a_tag_cut_between_chunks_is_counted_once():
    body = b"<sheetData>" + b'<row r="1"><c r="B7"><v>1</v></c></row>' * 40_000 + b"</sheetData>"
    extent = scan_sheet(io.BytesIO(body))
    assert (extent.n_rows, extent.n_cells, extent.max_row, extent.max_column) == (40_000, 40_000, 7, 2)


def test_a_sheet_that_unpacks_past_the_budget_is_stopped_while_streaming():
    name, data = hostile.huge_sheet_workbook(megabytes=30)  # its zip directory claims the true size
    budget = UploadBudget(Limits(max_unpacked_bytes=20_000_000))
    (problem,) = check_workbook(name, data, budget)
    assert problem.code == "upload_too_large_unpacked" and "20 MB" in problem.message
    assert budget.unpacked <= 20_000_000 + 31_000_000  # the declared size was refused before reading


def _lying_zip(real_mb: int, claimed: int) -> bytes:
    """A zip whose central directory claims ``claimed`` bytes for a ``real_mb`` MB member."""
    _, data = hostile.zip_bomb(real_mb, "x.zip")
    archive = bytearray(data)
    cd = data.rfind(b"PK\x01\x02")
    archive[cd + 24:cd + 28] = claimed.to_bytes(4, "little")  # "uncompressed size"
    return bytes(archive)


def test_a_member_that_lies_about_its_size_never_unpacks_more_than_it_claims():
    # The declared size is checked against the budget first; a member that claims less than
    # it holds is cut off at its claim by zipfile and fails its CRC: never more bytes.
    data = _lying_zip(40, claimed=100)
    budget = UploadBudget(Limits(max_unpacked_bytes=10_000_000))
    archive = zipfile.ZipFile(io.BytesIO(data))
    with pytest.raises(zipfile.BadZipFile):
        budget.read_member(archive, archive.infolist()[0], "x.zip/patients.csv")
    assert budget.unpacked <= 100
    problem = refusal([("x.zip", data)])  # and the loader reports it as a damaged archive
    assert problem.code == "bad_zip" and problem.file == "x.zip/patients.csv"


def test_a_zip_bomb_under_the_old_per_archive_cap_is_refused():
    name, data = hostile.zip_bomb(1_100)  # 1.1 GB of blank lines in a 1 MB zip
    assert len(data) < 2_000_000
    problem = refusal([(name, data)])
    assert problem.code == "upload_too_large_unpacked" and problem.file == "bomb.zip/patients.csv"
    assert "the limit for one upload is 1 000 MB" in problem.message


def test_nested_bombs_share_one_budget():
    # 3 × 3 inner zips of 150 MB each: no archive holds more than 450 MB, the upload 1 350 MB
    name, data = hostile.nested_bombs(levels=3, per_level=3, megabytes=150)
    problem = refusal([(name, data)])
    assert problem.code == "upload_too_large_unpacked"
    assert problem.file.count(".zip/") == 3  # stopped inside the third level


def test_a_zip_nested_1200_deep_is_refused_at_the_depth_limit():
    problem = refusal([hostile.deep_zip(1_200)])
    assert problem.code == "archive_too_deep" and "nested more than 3 levels deep" in problem.message


@pytest.mark.parametrize("depth, refused", [(3, False), (4, True)])
def test_depth_fence_post(depth, refused):
    # a visits CSV wrapped in ``depth`` zips: depth 3 is a zip in a zip in a zip
    data, name = b"patient_id,day,hb_g_l,dose_mg_kg\nP1,0,80,1.0\nP1,21,95,\n", "visits.csv"
    for level in range(depth):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as z:
            z.writestr(name, data)
        data, name = buffer.getvalue(), f"level{level}.zip"
    try:
        cohort = load_cohort([("upload.zip", data)])
    except CohortLoadError as exc:
        codes = {p.code for p in exc.report.errors}
        assert ("archive_too_deep" in codes) == refused, codes
    else:
        assert not refused and cohort.n_patients == 1


def test_too_many_members_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for i in range(2_001):
            z.writestr(f"t{i}.csv", "patient_id\nP1\n")
    problem = refusal([("many.zip", buffer.getvalue())])
    assert problem.code == "too_many_members" and "2 000" in problem.message


def test_a_csv_with_too_many_columns_or_lines_is_refused_before_pandas():
    wide = (",".join(f"c{i}" for i in range(1_001)) + "\n").encode()
    assert refusal([("patients.csv", wide)]).code == "too_many_columns"
    at_limit = (",".join(f"c{i}" for i in range(1_000)) + "\n").encode()
    assert limits.check_csv(limits_file("a.csv", at_limit), 1_000) == []
    tall = b"patient_id,day,hb_g_l\n" + b"\n" * 20_000_001  # 20 000 002 lines × 3 = 60 000 006 cells
    problem = refusal([("hb.csv", tall)])
    assert problem.code == "too_many_cells" and "60 000 006 cells; the limit is 60 000 000" in problem.message


def limits_file(name: str, data: bytes):
    from lusp.io.sources import InputFile

    return InputFile(name, data)


def test_the_cli_refuses_with_the_same_message_and_no_traceback(tmp_path, capsys):
    from lusp.cli import main

    name, data = hostile.corner_cells_workbook()
    path = tmp_path / name
    path.write_bytes(data)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "This workbook declares 17 179 869 184 cells" in err and "Traceback" not in err


def test_ordinary_files_are_not_refused():
    from tests.test_load_shapes import shapes

    for sources in shapes().values():
        assert load_cohort(sources).n_patients == 3


@pytest.mark.parametrize("name, code", [("w.xlsx", "unreadable_workbook"), ("w.zip", "bad_zip")])
def test_a_directory_claiming_a_newer_zip_version_is_a_report_not_a_crash(name, code):
    """Found by the fuzzer: ZipFile raises NotImplementedError ("zip file version 18.4") while
    reading a directory entry that claims extract version 18.4; the upload is reported as
    unreadable, never an uncaught error."""
    import io
    import struct
    import zipfile

    from lusp.load import load_cohort
    from lusp.validate import CohortLoadError

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    data = bytearray(buffer.getvalue())
    entry = data.find(b"PK\x01\x02")
    data[entry + 6:entry + 8] = struct.pack("<H", 184)
    with pytest.raises(CohortLoadError) as raised:
        load_cohort([(name, bytes(data))])
    assert [p.code for p in raised.value.report] == [code]
