"""The ranked workbook's charts, per-city printable sheets and sheet list (issue 5, parts 2–3).

The xlsx is read as a zip: sheets are found through xl/workbook.xml and its relationships, charts through
each sheet's drawing, so every chart is checked on the sheet it is drawn on. Expected ranges follow from the
summary layout read back with openpyxl (header row, first and last city rows, category columns), never
from jsscore's code.
"""

from __future__ import annotations

import io
import json
import posixpath
import re
import tomllib
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
            # the heading rows repeat on every printed page
            assert re.fullmatch(r"'?(.+?)'?!\$1:\$\d+", titles[city]), titles.get(city)




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
