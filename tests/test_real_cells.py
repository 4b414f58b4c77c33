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
    import zipfile

    def put(ws):
        ws["D3"] = "#N/A"  # openpyxl writes a known error code as an error cell (t="e")
        ws["D4"] = "=1/0"
    p = _edit(tmp_path, "err.xlsx", put)
    fixed = tmp_path / "err2.xlsx"
    with zipfile.ZipFile(p) as zin, zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                assert b'<c r="D3" t="e"><v>#N/A</v></c>' in data
                data = data.replace(b'<c r="D4"><f>1/0</f><v /></c>', b'<c r="D4" t="e"><f>1/0</f><v>#DIV/0!</v></c>')
                assert b"#DIV/0!" in data
            zout.writestr(item, data)
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
    assert "“南景”（苏南，typo.xlsx 填报!A2）不是江苏省 13 个设区市之一" in un[0]["message"]
    # 南景 is one character from 南京 and from 南通 alike (南京 is the homophone, but that takes pinyin)
    assert un[0]["message"].endswith("是否应为 南京市或南通市？")
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
