"""Cells and sheets from real files (issue 3): merged cells, hidden rows and columns, thousands of empty
formatted rows, a stray value far below the data, unreadable files among good ones, a header-only file.
Each case is a small file generated here from the clean 13-city case C01."""

from __future__ import annotations

import json
import shutil

import openpyxl
import pytest
from conftest import CASES
from openpyxl.styles import PatternFill

from jsscore.cli import run

C01 = CASES / "C01_wps_dimension_a1.xlsx"  # row 1 = field keys, rows 2–14 = the 13 cities; D = city_it_staff


def _edit(tmp_path, name, fn):
    wb = openpyxl.load_workbook(C01)
    fn(wb.active)
    p = tmp_path / name
    wb.save(p)
    return p


def _json(tmp_path, *args):
    out = tmp_path / "r.json"
    rc = run(["score", *map(str, args), "-o", str(tmp_path / "r.xlsx"), "--json", str(out), "--force", "-q"])
    return rc, (json.loads(out.read_text(encoding="utf-8")) if out.exists() else None)


def _rezip(src, dst, part: str, edit):
    """A copy of the package ``src`` at ``dst`` with the members whose name starts with ``part`` passed
    through ``edit(bytes) -> bytes`` (to write what openpyxl cannot: error results, other XML spellings)."""
    import zipfile

    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            zout.writestr(item, edit(data) if item.filename.startswith(part) else data)
    return dst


def test_merged_cell_is_named_as_merged(tmp_path, capsys):
    # D3 (无锡 staff) and D4 (常州 staff) merged: D4 reads blank; the message says why, not just "blank"
    p = _edit(tmp_path, "merged.xlsx", lambda ws: ws.merge_cells("D3:D4"))
    assert run(["score", str(p), "-o", str(tmp_path / "o.xlsx")]) == 1
    err = capsys.readouterr().err
    assert "D4" in err and "合并单元格 D3:D4" in err and "常州市" in err
    assert not (tmp_path / "o.xlsx").exists()


def test_hidden_row_and_column_are_warned(tmp_path):
    def hide(ws):
        ws.row_dimensions[13].hidden = True  # 盐城市's row (rows 2..14 in the rubric's city order)
    rc, doc = _json(tmp_path, _edit(tmp_path, "hidrow.xlsx", hide))
    assert rc == 0
    hidden = [i for i in doc["issues"] if i["code"] == "hidden_data"]
    assert [(i["city"], i["cell"]) for i in hidden] == [("盐城市", "填报!A13")]
    assert "第 13 行" in hidden[0]["message"]
    assert len(doc["cities"]) == 13  # still read and scored


def test_hidden_city_column_in_the_template_is_warned(tmp_path):
    src = tmp_path / "s.xlsx"
    shutil.copy(CASES.parent.parent / "sample_data" / "jiangsu_2026_sample.xlsx", src)
    wb = openpyxl.load_workbook(src)
    wb["填报表"].column_dimensions["R"].hidden = True  # the 13th city column (F..R): 宿迁市
    wb.save(src)
    rc, doc = _json(tmp_path, src)
    assert rc == 0
    assert [(i["city"], i["message"]) for i in doc["issues"] if i["code"] == "hidden_data"] == [
        ("宿迁市", "宿迁市的数据所在的 R 列被隐藏，仍已读取")]


def test_hidden_field_row_in_the_template_is_warned(tmp_path):
    # the template lists the fields down the rows; a field's row hidden hides every city's figure
    src = tmp_path / "s.xlsx"
    shutil.copy(CASES.parent.parent / "sample_data" / "jiangsu_2026_sample.xlsx", src)
    wb = openpyxl.load_workbook(src)
    ws = wb["填报表"]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "digital_cert")
    ws.row_dimensions[row].hidden = True
    wb.save(src)
    rc, doc = _json(tmp_path, src)
    assert rc == 0
    assert [(i["field"], i["city"], i["message"]) for i in doc["issues"] if i["code"] == "hidden_data"] == [
        ("digital_cert", "", f"填报项目“数字证书已有应用”所在的第 {row} 行被隐藏，仍已读取")]


def test_hidden_field_column_is_warned(tmp_path):
    def hide(ws):
        ws.column_dimensions["D"].hidden = True  # city_it_staff, for every city
    rc, doc = _json(tmp_path, _edit(tmp_path, "hidcol.xlsx", hide))
    assert rc == 0
    hidden = [i for i in doc["issues"] if i["code"] == "hidden_data"]
    assert [(i["field"], i["message"]) for i in hidden] == [
        ("city_it_staff", "填报项目“市级信息化人员编制数”所在的 D 列被隐藏，仍已读取")]


def test_excel_error_cells_are_named_as_errors(tmp_path, capsys):
    # D3 (无锡 staff) holds the error value itself; D4 (常州 staff) a formula whose cached result is an
    # error, as Excel saves =1/0. Both read as the error shown, not as blank or "not calculated".
    def put(ws):
        ws["D3"] = "#N/A"  # openpyxl writes a known error code as an error cell (t="e")
        ws["D4"] = "=1/0"
    p = _edit(tmp_path, "err.xlsx", put)

    def cached_error(data):
        assert b'<c r="D3" t="e"><v>#N/A</v></c>' in data
        assert b'<c r="D4"><f>1/0</f><v /></c>' in data
        return data.replace(b'<c r="D4"><f>1/0</f><v /></c>', b'<c r="D4" t="e"><f>1/0</f><v>#DIV/0!</v></c>')
    fixed = _rezip(p, tmp_path / "err2.xlsx", "xl/worksheets/", cached_error)
    assert run(["score", str(fixed), "-o", str(tmp_path / "o.xlsx")]) == 1
    err = capsys.readouterr().err
    assert "填报!D3" in err and "单元格显示错误值 #N/A" in err
    assert "填报!D4" in err and "单元格显示错误值 #DIV/0!" in err
    assert "没有保存计算结果" not in err and "未填写" not in err
    assert not (tmp_path / "o.xlsx").exists()


def test_thousands_of_empty_formatted_rows_are_ignored(tmp_path):
    fill = PatternFill("solid", fgColor="FFFF00")

    def pad(ws):
        for r in range(15, 5015):
            for c in range(1, 63, 5):
                ws.cell(r, c).fill = fill
    rc, doc = _json(tmp_path, _edit(tmp_path, "pad.xlsx", pad))
    assert rc == 0
    assert len(doc["cities"]) == 13 and doc["issues"] == []


def test_stray_value_far_below_the_data(tmp_path):
    # a lone value in the last row of the sheet: a name with no figures is not a return; 13 cities score
    rc, doc = _json(tmp_path, _edit(tmp_path, "stray.xlsx", lambda ws: ws.cell(1048576, 1, "x")))
    assert rc == 0
    assert len(doc["cities"]) == 13


def test_unreadable_files_among_good_ones(tmp_path, capsys):
    folder = tmp_path / "returns"
    folder.mkdir()
    shutil.copy(C01, folder / "all.xlsx")
    (folder / "broken.xlsx").write_bytes(b"not a workbook")
    (folder / "report.xlsx").write_bytes(b"%PDF-1.4\n")
    # score: both unreadable files named at once, exit 2, nothing written
    assert run(["score", str(folder), "-o", str(tmp_path / "o.xlsx")]) == 2
    err = capsys.readouterr().err
    assert "broken.xlsx" in err and "report.xlsx" in err and "其中 2 个文件无法读取" in err
    assert not (tmp_path / "o.xlsx").exists()
    # validate: the rest is still checked and the correction workbook written; exit 2 for the unreadable
    fb = tmp_path / "fb.xlsx"
    assert run(["validate", str(folder), "-o", str(fb)]) == 2
    wb = openpyxl.load_workbook(fb)
    assert "（全表）" in wb.sheetnames


def test_score_lists_an_unreadable_file_with_the_other_problems(tmp_path, capsys):
    # a folder with one unreadable file and one good return whose D3 (无锡 staff) is text: score names
    # both problems at once (like validate), writes nothing and exits 2 for the unreadable file
    folder = tmp_path / "returns"
    folder.mkdir()
    wb = openpyxl.load_workbook(C01)
    wb.active["D3"] = "很多"
    wb.save(folder / "all.xlsx")
    (folder / "report.xlsx").write_bytes(b"%PDF-1.4\n")
    assert run(["score", str(folder), "-o", str(tmp_path / "o.xlsx")]) == 2
    err = capsys.readouterr().err
    assert "发现 2 处错误（其中 1 个文件无法读取；" in err
    assert "report.xlsx 实际是 PDF 文件" in err and "填报!D3" in err and "很多" in err
    assert not (tmp_path / "o.xlsx").exists()


def test_header_only_file_is_a_data_error(tmp_path, capsys):
    p = tmp_path / "empty.csv"
    p.write_text("city,region,leading_group\n", encoding="utf-8")
    assert run(["score", str(p), "-o", str(tmp_path / "o.xlsx")]) == 1
    assert "没有任何设区市的数据" in capsys.readouterr().err


@pytest.mark.parametrize("sep", [",", "，", "、"])
def test_cities_separators(tmp_path, sep):
    out = tmp_path / "t.xlsx"
    assert run(["template", "--cities", f"南京{sep}苏州", "-o", str(out)]) == 0
    ws = openpyxl.load_workbook(out)["填报表"]
    assert [ws.cell(3, c).value for c in (6, 7)] == ["南京市", "苏州市"]


def test_a_name_outside_the_city_table_is_scored_with_a_warning(tmp_path):
    # RUBRIC.md: a name outside the table is accepted with an explicit region. 南京市's name typed as 南景
    # (region 苏南 still in B2) is scored under that name, with one warning naming the cell and the
    # listed names it is closest to; 南京市 itself is then "not returned".
    rc, doc = _json(tmp_path, _edit(tmp_path, "typo.xlsx", lambda ws: ws.__setitem__("A2", "南景")))
    assert rc == 0
    un = [i for i in doc["issues"] if i["code"] == "unlisted_city"]
    assert [(i["city"], i["cell"], i["severity"]) for i in un] == [("南景", "填报!A2", "warning")]
    # 南景 is one character from 南京 and from 南通 alike (南京 is the homophone, but that takes pinyin)
    assert un[0]["message"].startswith("“南景”（苏南，typo.xlsx 填报!A2，是否应为 南京市或南通市？）不是江苏省 13 个设区市之一")
    assert {c["city"]: c["region"] for c in doc["cities"]}["南景"] == "苏南"
    assert any(i["code"] == "city_not_returned" and i["city"] == "南京市" for i in doc["issues"])


def test_many_unlisted_units_make_one_warning(tmp_path):
    # 12 test units (a stress or national run) give one warning listing the first 10, not 12 lines
    def add(ws):
        for k in range(12):
            ws.append([f"测试单位{k + 1:02d}", "苏北", *[c.value for c in ws[2]][2:]])
    rc, doc = _json(tmp_path, _edit(tmp_path, "many.xlsx", add))
    assert rc == 0 and len(doc["cities"]) == 25
    un = [i for i in doc["issues"] if i["code"] == "unlisted_city"]
    assert len(un) == 1 and un[0]["city"] == "" and un[0]["cell"] == ""
    msg = un[0]["message"]
    assert "“测试单位10”（苏北，many.xlsx 填报!A24）" in msg and "测试单位11" not in msg
    assert "等 12 个名称不是江苏省 13 个设区市之一" in msg and "是否应为" not in msg


@pytest.mark.parametrize("name", ["offset_pct.xls", "offset_pct.ods"])
def test_percent_cells_of_xls_and_ods_are_known(tmp_path, name):
    # C01 moved to C3 (two blank rows and columns before it), every upload rate a 0.0% cell except
    # 无锡市's medical rate (BB5), a plain 0.891; saved as .xls and .ods by LibreOffice. calamine gives
    # values only: the percent formats come from the file, so exactly the one plain number is warned
    # about, at its own cell – as for the same workbook in .xlsx.
    rc, doc = _json(tmp_path, CASES / name)
    assert rc == 0
    assert [(i["code"], i["city"], i["cell"], i["value"]) for i in doc["issues"]] == [
        ("pct_guessed", "无锡市", "填报!BB5", "0.891")]
    assert "已按 89.1% 读取" in doc["issues"][0]["message"]


def test_each_unlisted_name_gets_its_own_suggestion(tmp_path):
    # two typos and a name like no city: each suggestion stands beside its own name, and a name that
    # comes twice (two rows) is named once
    def typos(ws):
        ws["A2"] = "苏洲"  # 南京市's row renamed
        ws["A3"] = "Wuxi"  # 无锡市's row renamed
        ws.append(["苏洲", *[c.value for c in ws[2]][1:]])  # the same typo again, same figures
    rc, doc = _json(tmp_path, _edit(tmp_path, "typos.xlsx", typos))
    assert rc == 0
    [un] = [i for i in doc["issues"] if i["code"] == "unlisted_city"]
    assert un["message"].startswith("“苏洲”（苏南，typos.xlsx 填报!A2，是否应为 苏州市？）、“Wuxi”（苏南，typos.xlsx 填报!A3）不是")
    assert un["message"].count("苏洲") == 1


@pytest.mark.parametrize("name", ["errors.xls", "errors.ods"])
def test_error_values_of_xls_and_ods_are_named(tmp_path, capsys, name):
    # C01 with D3 (无锡 staff) = #N/A and D4 (常州 staff) = =1/0, saved by LibreOffice: calamine reads both
    # as empty; the values shown come back from the file, so they are errors, not "not filled in"
    assert run(["score", str(CASES / name), "-o", str(tmp_path / "o.xlsx")]) == 1
    err = capsys.readouterr().err
    assert "填报!D3" in err and "单元格显示错误值 #N/A" in err
    assert "填报!D4" in err and "单元格显示错误值 #DIV/0!" in err
    assert "未填写" not in err


def test_an_error_value_for_a_city_name_is_not_a_city(tmp_path):
    rc, doc = _json(tmp_path, _edit(tmp_path, "cityerr.xlsx", lambda ws: ws.__setitem__("A3", "#REF!")))
    assert rc == 1 and doc is None  # an error: nothing scored, no "#REF!" ranked as a unit


def test_a_self_closing_error_cell_does_not_take_the_next_cells_value(tmp_path, capsys):
    # <c r="D3" t="e"/> (an error cell without a value) is blank: it must not swallow E3's value
    src = _edit(tmp_path, "a.xlsx", lambda ws: ws.__setitem__("D3", "#N/A"))

    def self_closing(data):
        assert b'<c r="D3" t="e"><v>#N/A</v></c>' in data
        return data.replace(b'<c r="D3" t="e"><v>#N/A</v></c>', b'<c r="D3" t="e"/>')
    out = _rezip(src, tmp_path / "b.xlsx", "xl/worksheets/", self_closing)
    assert run(["score", str(out), "-o", str(tmp_path / "o.xlsx")]) == 1
    err = capsys.readouterr().err
    assert "填报!D3" in err and "未填写" in err


def test_hidden_columns_written_max_before_min_and_prefixed_sheet_xml(tmp_path):
    # LibreOffice writes <col max=".." min=".." hidden="true">; some writers prefix every element (x:)
    src = _edit(tmp_path, "a.xlsx", lambda ws: ws.column_dimensions.__getitem__("D").__setattr__("hidden", True))

    def libreoffice_and_prefixed(data):
        assert b'min="4" max="4"' in data
        data = data.replace(b'min="4" max="4"', b'max="4" min="4"')
        data = data.replace(b"<sheetData", b"<x:sheetData").replace(b"</sheetData>", b"</x:sheetData>")
        return data.replace(b'<worksheet xmlns="', b'<worksheet xmlns:x="http://schemas.openxmlformats.org/'
                            b'spreadsheetml/2006/main" xmlns="')
    out = _rezip(src, tmp_path / "b.xlsx", "xl/worksheets/", libreoffice_and_prefixed)
    rc, doc = _json(tmp_path, out)
    assert rc == 0
    assert [(i["code"], i["field"]) for i in doc["issues"]] == [("hidden_data", "city_it_staff")]


def test_a_hidden_sheet_with_figures_is_read_and_named(tmp_path):
    # the 苏北 cities moved to a hidden second sheet: read (never silently dropped) with a warning
    def split(ws):
        wb = ws.parent
        other = wb.create_sheet("苏北")
        other.append([c.value for c in ws[1]])
        for r in range(ws.max_row, 1, -1):
            if ws.cell(r, 2).value == "苏北":
                other.append([c.value for c in ws[r]])
                ws.delete_rows(r)
        other.sheet_state = "hidden"
    rc, doc = _json(tmp_path, _edit(tmp_path, "split.xlsx", split))
    assert rc == 0 and len(doc["cities"]) == 13
    # (openpyxl's append drops the percent formats: the moved rates are warned about as plain numbers)
    assert {i["code"] for i in doc["issues"]} == {"hidden_data", "pct_guessed"}
    assert [(i["code"], i["sheet"]) for i in doc["issues"] if i["code"] == "hidden_data"] == [("hidden_data", "苏北")]


def test_repeated_ods_rows_keep_their_percent_cells(tmp_path):
    # an .ods row written once with table:number-rows-repeated="2" stands for two rows, percent cells and all
    import zipfile

    src = CASES / "offset_pct.ods"
    with zipfile.ZipFile(src) as z:
        xml = z.read("content.xml")
    assert b"number-rows-repeated" not in xml.split(b"<table:table-row", 6)[5]
    from jsscore.readers.legacy import ods_cells

    pct, _ = ods_cells(src.read_bytes())["填报"]
    rows = sorted({r for r, _ in pct})
    # C01 moved to C3: cities on rows 4..16 (0-based 3..15); every upload rate but 无锡's medical
    assert rows == list(range(3, 16)) and len(pct) == 13 * 5 - 1
    # the same file with the first city's row marked as repeated twice: its percent cells count twice
    i = xml.rindex(b"<table:table-row", 0, xml.index("南京市".encode()))
    patched = xml[:i] + xml[i:].replace(b"<table:table-row", b'<table:table-row table:number-rows-repeated="2"', 1)
    out = _rezip(src, tmp_path / "rep.ods", "content.xml", lambda _: patched)
    pct2, _ = ods_cells(out.read_bytes())["填报"]
    assert {c for r, c in pct2 if r == 4} == {c for r, c in pct if r == 3}  # the copy of 南京市's row
    assert len(pct2) == len(pct) + 5
