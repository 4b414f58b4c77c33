"""The ranked workbook's charts, per-city printable sheets and sheet list (issue 5, parts 2–3).

The xlsx is read as a zip: sheets are found through xl/workbook.xml and its relationships, charts through
each sheet's drawing, so every chart is checked on the sheet it is drawn on. Expected ranges follow from the
summary layout read back with openpyxl (header row, first and last city rows, category columns), never
from jsscore's code.
"""

from __future__ import annotations

import io
import json
import math
import posixpath
import re
import tomllib
import unicodedata
import warnings
import zipfile
from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree as ET

import openpyxl
import pytest
from conftest import ITEM_MAX
from openpyxl.utils import get_column_letter
from rich.console import Console

from jsscore import cli
from jsscore.cli import run
from jsscore.report.workbook import SHEETS

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "data"  # copies of the shared real-world cases the tests use (CI has no ../shared)
C01 = CASES / "C01_wps_dimension_a1.xlsx"
RUBRIC_VERSION = tomllib.loads((ROOT / "jsscore" / "rubric" / "jiangsu.toml").read_text("utf-8"))["rubric"]["version"]
CATEGORIES = ["管理机制", "基础平台", "应用系统", "社会保障卡", "资源开发", "公共服务"]
CITIES = ["南京市", "无锡市", "常州市", "苏州市", "镇江市", "南通市", "扬州市", "泰州市",
          "徐州市", "连云港市", "淮安市", "盐城市", "宿迁市"]

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
      "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
      "pr": "http://schemas.openxmlformats.org/package/2006/relationships",
      "c": "http://schemas.openxmlformats.org/drawingml/2006/chart"}


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    d = tmp_path_factory.mktemp("wb")
    saved = cli.out, cli.err
    cli.out = cli.err = Console(file=io.StringIO())
    try:
        assert run(["score", str(C01), "-o", str(d / "plain.xlsx"), "-q"]) == 0
        assert run(["score", str(C01), "-o", str(d / "percity.xlsx"), "--per-city", "-q"]) == 0
        assert run(["score", str(C01), "-o", str(d / "adjusted.xlsx"), "-q", "--param", "network_coverage_target=90%",
                    "--param", "rank_method=dense"]) == 0
    finally:
        cli.out, cli.err = saved
    return d


def _rels(z: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """Relationship id → (type suffix, resolved part name) of ``part``."""
    rel = posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")
    if rel not in z.namelist():
        return {}
    out = {}
    for r in ET.fromstring(z.read(rel)).findall("pr:Relationship", NS):
        target = r.get("Target")
        full = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
            posixpath.join(posixpath.dirname(part), target))
        out[r.get("Id")] = (r.get("Type").rsplit("/", 1)[-1], full)
    return out


def sheets(path: Path) -> dict[str, str]:
    """Sheet name → worksheet part, in workbook order."""
    with zipfile.ZipFile(path) as z:
        wb = ET.fromstring(z.read("xl/workbook.xml"))
        rels = _rels(z, "xl/workbook.xml")
        return {s.get("name"): rels[s.get(f"{{{NS['r']}}}id")][1] for s in wb.find("m:sheets", NS)}


def charts(path: Path, sheet: str) -> list[ET.Element]:
    """The chart XML roots drawn on ``sheet``."""
    part = sheets(path)[sheet]
    out = []
    with zipfile.ZipFile(path) as z:
        for kind, drawing in _rels(z, part).values():
            if kind != "drawing":
                continue
            for kind2, chart in _rels(z, drawing).values():
                if kind2 == "chart":
                    out.append(ET.fromstring(z.read(chart)))
    return out


def series(chart: ET.Element) -> list[dict[str, str]]:
    out = []
    for s in chart.iter(f"{{{NS['c']}}}ser"):
        def ref(tag, s=s):
            e = s.find(f"c:{tag}//c:f", NS)
            return None if e is None else e.text.replace("'", "")
        out.append({"name": ref("tx"), "cat": ref("cat"), "val": ref("val")})
    return out


def _summary_layout(path: Path) -> tuple[int, int, int, dict[str, int]]:
    """(header row, first data row, last data row, category → column) of 排名汇总, 1-based."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ws = openpyxl.load_workbook(path)["排名汇总"]
    head = next(r for r in range(1, 20) if ws.cell(r, 1).value == "名次")
    cols = {}
    for c in range(1, ws.max_column + 1):
        v = str(ws.cell(head, c).value or "")
        for cat in CATEGORIES:
            if v.startswith(cat):
                cols[cat] = c
    rows = [r for r in range(head + 1, head + 40) if ws.cell(r, 2).value in CITIES]
    return head, rows[0], rows[-1], cols


# ------------------------------------------------------------------------------------------ charts


def test_summary_has_a_bar_chart_stacked_by_category(book):
    path = book / "plain.xlsx"
    head, first, last, cols = _summary_layout(path)
    assert (head, first, last) == (4, 5, 17)  # 13 cities under the header
    assert [get_column_letter(cols[c]) for c in CATEGORIES] == list("EFGHIJ")
    cs = charts(path, "排名汇总")
    assert len(cs) == 1
    ch = cs[0]
    bar = ch.find(".//c:barChart", NS)
    assert bar is not None
    assert bar.find("c:barDir", NS).get("val") == "bar"
    assert bar.find("c:grouping", NS).get("val") == "stacked"
    ss = series(ch)
    assert len(ss) == 6
    for s, cat in zip(ss, CATEGORIES, strict=True):
        L = get_column_letter(cols[cat])
        assert s["val"] == f"排名汇总!${L}${first}:${L}${last}"
        assert s["name"] == f"排名汇总!${L}${head}"
        assert s["cat"] == f"排名汇总!$B${first}:$B${last}"


def test_score_rate_sheet_has_a_column_chart_per_category(book):
    path = book / "plain.xlsx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ws = openpyxl.load_workbook(path)["得分率"]
    header = [ws.cell(1, c).value for c in range(1, 8)]
    assert header[0] == "设区市"
    assert [h.startswith(c) for h, c in zip(header[1:], CATEGORIES, strict=True)] == [True] * 6
    assert [ws.cell(r, 1).value for r in range(2, 15)] and all(ws.cell(r, 1).value in CITIES for r in range(2, 15))
    cs = charts(path, "得分率")
    assert len(cs) == 1
    assert cs[0].find(".//c:barChart/c:barDir", NS).get("val") == "col"
    ss = series(cs[0])
    assert len(ss) == 6
    for j, s in enumerate(ss):
        L = get_column_letter(2 + j)
        assert s["val"] == f"得分率!${L}$2:${L}$14"
        assert s["cat"] == "得分率!$A$2:$A$14"
    # the plotted values are score rates: category score / category maximum, between 0 and 1
    for r in range(2, 15):
        for c in range(2, 8):
            assert 0 <= ws.cell(r, c).value <= 1


def test_item_matrix_has_a_colour_scale(book):
    with zipfile.ZipFile(book / "plain.xlsx") as z:
        xml = z.read(sheets(book / "plain.xlsx")["分项得分"]).decode("utf-8")
    assert "<colorScale>" in xml


# ------------------------------------------------------------------------------------------ sheets


def test_every_listed_sheet_exists_in_order(book):
    for name in ("plain.xlsx", "percity.xlsx"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = openpyxl.load_workbook(book / name)
        present = [s for s in wb.sheetnames if s in SHEETS]
        assert present == list(SHEETS)
        assert "得分率" in SHEETS and "排名汇总" in SHEETS


def test_plain_workbook_has_no_city_sheets(book):
    assert not set(sheets(book / "plain.xlsx")) & set(CITIES)


# ------------------------------------------------------------------------------------------ per city


def _defined(path: Path, what: str) -> dict[str, str]:
    """Sheet name → text of its local defined name ``what`` (e.g. _xlnm.Print_Area)."""
    with zipfile.ZipFile(path) as z:
        wb = ET.fromstring(z.read("xl/workbook.xml"))
    names = [s.get("name") for s in wb.find("m:sheets", NS)]
    out = {}
    dn = wb.find("m:definedNames", NS)
    for d in (dn if dn is not None else []):
        if d.get("name") == what:
            out[names[int(d.get("localSheetId"))]] = d.text
    return out


def test_per_city_adds_13_printable_sheets(book):
    path = book / "percity.xlsx"
    parts = sheets(path)
    city_sheets = [s for s in parts if s in CITIES]
    assert sorted(city_sheets) == sorted(CITIES)
    areas = _defined(path, "_xlnm.Print_Area")
    titles = _defined(path, "_xlnm.Print_Titles")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(path)
    with zipfile.ZipFile(path) as z:
        for city in CITIES:
            xml = z.read(parts[city]).decode("utf-8")
            setup = re.search(r"<pageSetup\b[^>]*>", xml)
            assert setup, city
            attrs = dict(re.findall(r'(\w+)="([^"]*)"', setup.group(0)))
            assert attrs.get("paperSize") == "9"  # A4
            assert attrs.get("fitToWidth", "1") == "1"  # one page wide (1 is the default when omitted)
            assert attrs.get("fitToHeight") == "0"  # as many pages down as needed
            assert re.search(r'<pageSetUpPr\b[^>]*fitToPage="1"', xml), city
            footer = re.search(r"<oddFooter>(.*?)</oddFooter>", xml)
            assert footer and RUBRIC_VERSION in footer.group(1), city
            # the print area starts at A1 and covers everything written on the sheet
            m = re.fullmatch(r"'?(.+?)'?!\$A\$1:\$([A-Z]+)\$(\d+)", areas[city])
            assert m and m.group(1) == city, areas[city]
            ws = wb[city]
            last_row = max(c.row for row in ws.iter_rows() for c in row if c.value is not None)
            last_col = max(c.column for row in ws.iter_rows() for c in row if c.value is not None)
            assert int(m.group(3)) >= last_row
            assert openpyxl.utils.column_index_from_string(m.group(2)) >= last_col
            assert city in str(ws.cell(1, 1).value)
            # the item table's header row (编号 评分项 … 原因) repeats on every printed page
            head = next(r for r in range(1, ws.max_row + 1)
                        if ws.cell(r, 1).value == "编号" and ws.cell(r, 6).value == "原因")
            assert re.fullmatch(rf"'?(.+?)'?!\${head}:\${head}", titles[city]), titles.get(city)




def test_city_sheet_lists_every_deduction_with_its_reason(book):
    expect = {c["city"]: c for c in json.loads((CASES / "C01_wps_dimension_a1.expect.json").read_text("utf-8"))["expected"]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(book / "percity.xlsx")
    for city in ("南京市", "宿迁市"):
        rows = list(wb[city].iter_rows(values_only=True))
        items = {r[0]: r for r in rows if r and isinstance(r[0], str) and re.fullmatch(r"\d\.\d\.\d\w?", r[0])}
        lost = {i for i, sc in expect[city]["items"].items() if Decimal(sc) < ITEM_MAX[i]}
        assert set(items) == lost, city
        head = next(r for r in rows if r and "原因" in r and "得分" in r)
        col = {h: k for k, h in enumerate(head) if h}
        for iid, r in items.items():
            assert Decimal(str(r[col["得分"]])) == Decimal(expect[city]["items"][iid]), (city, iid)
            reason = r[col["原因"]]
            assert isinstance(reason, str) and len(reason) > 2, (city, iid, r)
        heading = " ".join(str(c) for r in rows[:3] for c in r if c)
        assert expect[city]["total"] in heading


# ------------------------------------------------------------------------------------------ print layout
#
# Expected sizes follow from how Excel lays out a sheet, not from jsscore's code: a column w characters wide
# (the stored width, padding included) is 7·w pixels; a CJK character of p-point text is p·4/3 pixels wide
# at 96 dpi (an ASCII one half that); a line of p-point text needs at least 1.2·p points of row height; an
# A4 landscape page is 11.69 × 8.27 inches, less the margins the sheet states.

RUBRIC_TOML = tomllib.loads((ROOT / "jsscore" / "rubric" / "jiangsu.toml").read_text("utf-8"))
RUBRIC_TITLE = RUBRIC_TOML["rubric"]["title"]
RUBRIC_ID = RUBRIC_TOML["rubric"]["id"]
PCT_PARAMS = {p["key"] for p in RUBRIC_TOML["parameters"] if p["type"] == "pct"}


def _load(path: Path) -> openpyxl.Workbook:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return openpyxl.load_workbook(path)


def _text_px(text: str, pt: float = 10) -> float:
    half = pt * 2 / 3  # an ASCII character: half a CJK one
    return sum(2 * half if unicodedata.east_asian_width(ch) in "WF" else half for ch in str(text))


def _col_px(ws, col: int) -> float:
    """A column's width in pixels; a <col> element may cover several columns (min..max)."""
    for d in ws.column_dimensions.values():
        if d.min is not None and d.max is not None and d.min <= col <= d.max and d.width:
            return d.width * 7
    return 8.43 * 7  # Excel's default width


def _min_lines(ws, text, col: int, pt: float = 10) -> int:
    """The fewest lines ``text`` can wrap to in column ``col`` (no padding, no word breaks: a lower bound)."""
    return max(1, math.ceil(_text_px(text or "", pt) / _col_px(ws, col)))


def _check_row_heights(ws, rows, cols, pt: float = 10) -> int:
    """Every row of ``rows`` whose wrapped ``cols`` need more than a line is tall enough for them; a row whose
    texts fit in half their column keeps the default height. Returns how many rows needed more than a line."""
    tall = 0
    for r in rows:
        need = max(_min_lines(ws, ws.cell(r, c).value, c, pt) for c in cols)
        height = ws.row_dimensions[r].height
        if need > 1:
            tall += 1
            assert height is not None and height >= need * pt * 1.2, (ws.title, r, need, height)
        elif all(_text_px(ws.cell(r, c).value or "", pt) <= _col_px(ws, c) / 2 for c in cols):
            assert height is None or height <= 20, (ws.title, r, height)
    return tall


def test_deduction_rows_are_as_tall_as_their_wrapped_name_and_reason(book):
    ws = _load(book / "plain.xlsx")["扣分明细"]
    assert [ws.cell(1, c).value for c in (4, 8)] == ["评分项", "原因"]
    rows = range(2, ws.max_row + 1)
    assert _check_row_heights(ws, rows, (4, 8)) > 0  # some rows do wrap: the check is not vacuous


def test_item_names_header_row_is_tall_enough(book):
    ws = _load(book / "plain.xlsx")["分项得分"]
    names = [ws.cell(2, c).value for c in range(5, 41)]
    assert all(names)
    font = ws.cell(2, 5).font.sz
    need = max(_min_lines(ws, n, 5 + j, font) for j, n in enumerate(names))
    assert need >= 5  # the longest names take many lines in a narrow column
    assert ws.row_dimensions[2].height >= need * font * 1.2
    assert ws.cell(2, 5).alignment.wrap_text


def test_rules_rows_are_as_tall_as_their_wrapped_text(book):
    ws = _load(book / "plain.xlsx")["规则与参数"]
    head = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "编号")
    assert ws.cell(head, 6).value.startswith("规则")
    rows = range(head + 1, ws.max_row + 1)
    assert {ws.cell(r, 1).value for r in rows} == set(ITEM_MAX)
    assert _check_row_heights(ws, rows, (2, 6)) > 0
    r123 = next(r for r in rows if ws.cell(r, 1).value == "1.2.3")
    assert _min_lines(ws, ws.cell(r123, 6).value, 6) > 1 and ws.row_dimensions[r123].height >= 24


def test_rules_sheet_repeats_the_rule_table_header(book):
    ws = _load(book / "plain.xlsx")["规则与参数"]
    head = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "编号")
    files = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "输入文件")
    assert files != head
    assert ws.print_title_rows == f"${head}:${head}"
    assert ws.print_title_cols is None


def _params_table(ws) -> dict[str, int]:
    head = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "参数")
    assert [ws.cell(head, c).value for c in range(1, 6)] == ["参数", "说明", "本次取值", "默认值", "是否调整"]
    rows = {}
    for r in range(head + 1, ws.max_row + 1):
        if not ws.cell(r, 1).value:
            break
        rows[ws.cell(r, 1).value] = r
    return rows


def test_rules_parameters_show_percentages_and_adjusted_flag(book):
    plain = _load(book / "plain.xlsx")["规则与参数"]
    rows = _params_table(plain)
    assert PCT_PARAMS and PCT_PARAMS <= set(rows)
    for key in PCT_PARAMS:  # defaults 1.00, 0.95, 0.95: whole percentages
        for c in (3, 4):
            cell = plain.cell(rows[key], c)
            assert isinstance(cell.value, (int, float)) and 0 <= cell.value <= 1, key
            assert cell.number_format == "0%", (key, cell.number_format)
    assert plain.cell(rows["network_coverage_target"], 3).value == pytest.approx(0.95)
    assert {plain.cell(r, 5).value for r in rows.values()} == {"否"}  # nothing adjusted: 否, never blank
    for key in rows:  # other numbers are not shown as percentages
        if key not in PCT_PARAMS:
            assert "%" not in plain.cell(rows[key], 3).number_format, key

    adj = _load(book / "adjusted.xlsx")["规则与参数"]
    rows = _params_table(adj)
    flags = {k: adj.cell(r, 5).value for k, r in rows.items()}
    assert flags["network_coverage_target"] == "是" and flags["rank_method"] == "是"
    assert {v for k, v in flags.items() if k not in ("network_coverage_target", "rank_method")} == {"否"}
    cell = adj.cell(rows["network_coverage_target"], 3)
    assert cell.value == pytest.approx(0.90) and cell.number_format == "0%"


def test_rules_choice_label_is_not_clipped(book):
    ws = _load(book / "plain.xlsx")["规则与参数"]
    r = _params_table(ws)["rank_method"]
    for c in (3, 4):
        cell = ws.cell(r, c)
        assert cell.value.startswith("竞争排名")
        if _text_px(cell.value) > _col_px(ws, c):  # longer than its column: wrapped, on a tall enough row
            assert cell.alignment.wrap_text, c
            assert ws.row_dimensions[r].height >= _min_lines(ws, cell.value, c) * 12, c


def _fits_one_page_wide(ws) -> bool:
    pr = ws.sheet_properties.pageSetUpPr
    return bool(pr and pr.fitToPage) and (ws.page_setup.fitToWidth or 1) == 1


def test_wide_sheets_print_across_pages_with_identifying_columns(book):
    wb = _load(book / "plain.xlsx")
    items, figures = wb["分项得分"], wb["填报数据"]
    for ws in (items, figures):
        assert not _fits_one_page_wide(ws), ws.title  # 40 and 63 columns: never squeezed onto one page width
        assert ws.page_setup.orientation == "landscape"
        assert ws.page_setup.paperSize in (9, "9")
        assert ws.page_setup.scale in (None, 100)  # full size
    assert [items.cell(1, c).value for c in range(1, 5)] == ["名次", "设区市", "区域", "总分"]
    assert items.print_title_cols == "$A:$D"
    assert items.print_title_rows == "$1:$3"  # ids, names and maxima
    assert [figures.cell(1, c).value for c in (1, 2)] == ["city", "region"]
    assert [figures.cell(2, c).value for c in (1, 2)] == ["设区市", "区域"]
    assert figures.print_title_cols == "$A:$B"
    assert figures.print_title_rows == "$2:$2"
    # narrow sheets stay one page wide
    for name in ("扣分明细", "得分率", "规则与参数"):
        assert _fits_one_page_wide(wb[name]), name


def _anchor_rows(path: Path, sheet: str) -> list[tuple[int, int, int, int]]:
    """(from row, from offset EMU, to row, to offset EMU) of each drawing anchor on ``sheet``, 0-based rows."""
    xdr = "{http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing}"
    out = []
    with zipfile.ZipFile(path) as z:
        for kind, drawing in _rels(z, sheets(path)[sheet]).values():
            if kind == "drawing":
                for a in ET.fromstring(z.read(drawing)).iter(f"{xdr}twoCellAnchor"):
                    f, t = a.find(f"{xdr}from"), a.find(f"{xdr}to")
                    out.append((int(f.find(f"{xdr}row").text), int(f.find(f"{xdr}rowOff").text),
                                int(t.find(f"{xdr}row").text), int(t.find(f"{xdr}rowOff").text)))
    return out


def test_summary_chart_prints_whole_on_its_own_page(book):
    path = book / "plain.xlsx"
    ws = _load(path)["排名汇总"]
    head, first, last, cols = _summary_layout(path)
    # a manual break (Excel ignores manual breaks on a sheet printed "fit to pages": a print scale instead)
    pr = ws.sheet_properties.pageSetUpPr
    assert not (pr and pr.fitToPage)
    scale = (ws.page_setup.scale or 100) / 100
    breaks = [b.id for b in ws.row_breaks.brk if b.man]
    assert len(breaks) == 1
    (top, top_off, bottom, bottom_off), = _anchor_rows(path, "排名汇总")
    # the break (after 1-based row id) comes after the table and note, and the chart starts the next page
    assert breaks[0] > last + 1
    assert top == breaks[0] and top_off == 0
    # the chart fits one page under the repeated header row
    assert ws.print_title_rows == f"${head}:${head}"
    for r in range(top + 1, bottom + 2):
        assert ws.row_dimensions[r].height is None  # default 15-pt rows under the chart
    chart_pt = ((bottom - top) * 20 + (bottom_off - top_off) / 9525) * 0.75
    m = ws.page_margins
    page_pt = (8.27 - m.top - m.bottom) * 72 / scale
    assert chart_pt + (ws.row_dimensions[head].height or 15) <= page_pt
    # and the table is no wider than the page at that scale
    width_px = sum(_col_px(ws, c) for c in range(1, max(cols.values()) + 3))
    assert width_px * scale <= (11.69 - m.left - m.right) * 96


def test_item_colour_scale_runs_from_zero_to_each_items_maximum(book):
    ws = _load(book / "plain.xlsx")["分项得分"]
    col_of = {ws.cell(1, c).value: c for c in range(5, 41)}
    assert set(col_of) == set(ITEM_MAX)
    seen = {}
    for cf in ws.conditional_formatting:
        for rule in cf.rules:
            if rule.type == "colorScale":
                seen[str(cf.sqref)] = rule.colorScale
    for iid, c in col_of.items():
        L = get_column_letter(c)
        scale = seen[f"{L}4:{L}16"]  # the 13 city rows of this item's column
        cfvo = scale.cfvo
        assert [v.type for v in cfvo] == ["num"] * len(cfvo), iid  # fixed values, never percentiles
        assert float(cfvo[0].val) == 0 and float(cfvo[-1].val) == ITEM_MAX[iid], iid
        rgb = [str(x.rgb)[-6:].upper() for x in scale.color]
        assert rgb[0] == "F8696B" and rgb[-1] == "63BE7B", iid  # 0 red, full marks green
        # a full mark (the cfvo maximum) is therefore always the last, green, colour
        full = [r for r in range(4, 17) if ws.cell(r, c).value == ITEM_MAX[iid]]
        assert all(ws.cell(r, c).value >= float(cfvo[-1].val) for r in full)


def test_city_sheet_footer_and_category_numbers(book):
    path = book / "percity.xlsx"
    wb = _load(path)
    parts = sheets(path)
    with zipfile.ZipFile(path) as z:
        for city in CITIES:
            xml = z.read(parts[city]).decode("utf-8")
            footer = re.search(r"<oddFooter>(.*?)</oddFooter>", xml).group(1)
            assert RUBRIC_TITLE in footer and RUBRIC_VERSION in footer, footer
            assert RUBRIC_ID not in footer, footer
            ws = wb[city]
            head = next(r for r in range(1, 20) if ws.cell(r, 1).value == "编号" and ws.cell(r, 2).value == "工作分类")
            ids = [ws.cell(head + 1 + j, 1) for j in range(len(CATEGORIES))]
            assert [ws.cell(head + 1 + j, 2).value for j in range(len(CATEGORIES))] == CATEGORIES
            assert [c.data_type for c in ids] == ["n"] * len(CATEGORIES), city  # numbers, not text
            assert [c.value for c in ids] == list(range(1, len(CATEGORIES) + 1))
