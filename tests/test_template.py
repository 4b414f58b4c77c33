"""The collection template: its structure (sheets, cities, regions, key column, dropdowns, percent cells)
and the round trip template → fill by field key with openpyxl → score, against hand-calculated scores."""

from __future__ import annotations

import json
import warnings
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from jsscore.cli import run

D = Decimal

# RUBRIC.md "Cities and regions", in the fixed order.
CITY_REGION = {
    "南京市": "苏南", "无锡市": "苏南", "常州市": "苏南", "苏州市": "苏南", "镇江市": "苏南",
    "南通市": "苏中", "扬州市": "苏中", "泰州市": "苏中",
    "徐州市": "苏北", "连云港市": "苏北", "淮安市": "苏北", "盐城市": "苏北", "宿迁市": "苏北",
}

# RUBRIC.md "Data dictionary", by type.
BOOL_KEYS = [
    "leading_group", "it_mgmt_measures", "requirements_mgmt", "om_db", "om_network", "om_security", "std_network",
    "std_core_platform", "std_security", "dc_city_si", "dc_city_hr", "dc_city_lr", "dc_county_si", "dc_county_hr",
    "dc_county_lr", "dr_center", "security_level_protection", "digital_cert", "hr_market_platform", "lr_inspection",
    "lr_arbitration", "lr_employment_filing", "xr_pension_transfer", "xr_eligibility_cert", "xr_medical_settlement",
    "card_standard", "card_use_si", "card_use_hr", "card_use_lr", "data_monitoring", "fund_supervision",
    "grassroots_platform", "grassroots_services", "one_window",
]
ENUM_CHOICES = {
    "si_centralization": ["全市", "市本级", "未实现"],
    "rural_urban_si_deploy": ["省平台集中", "市平台集中并向省交换", "未部署"],
}
PCT_KEYS = ["upload_rate_pension", "upload_rate_medical", "upload_rate_unemployment", "upload_rate_injury",
            "upload_rate_maternity"]
INT_KEYS = ["city_it_staff", "urban_insured", "county_total", "county_with_it_body", "county_staffed_3plus",
            "net_total_city", "net_conn_city", "net_total_county", "net_conn_county", "net_total_street",
            "net_conn_street", "net_total_community", "net_conn_community", "integration_count", "card_holders",
            "card_target"]
NUMBER_KEYS = ["city_om_funding", "website_score", "hotline_score"]
ALL_KEYS = ["city", "region", *BOOL_KEYS, *ENUM_CHOICES, *PCT_KEYS, *INT_KEYS, *NUMBER_KEYS]

FIRST, LAST = 6, 18  # columns F..R (1-based)


def _load(path: Path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return openpyxl.load_workbook(path)


def _rows(ws) -> dict[str, int]:
    """Field key (column A) → row number."""
    return {ws.cell(r, 1).value: r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value}


def _cols(ws, rows) -> dict[str, int]:
    """City name (on the `city` row) → column number."""
    r = rows["city"]
    return {ws.cell(r, c).value: c for c in range(FIRST, ws.max_column + 1) if ws.cell(r, c).value}


def make_template(tmp_path: Path, *args: str, name: str = "模板.xlsx") -> Path:
    path = tmp_path / name
    assert run(["template", "-o", str(path), *args]) == 0
    assert path.exists()
    return path


def fill(path: Path, data: dict[str, dict], out: Path) -> Path:
    """Fill the template by field key (rows) and city name (columns); pct values are fractions."""
    wb = _load(path)
    ws = wb["填报表"]
    rows = _rows(ws)
    cols = _cols(ws, rows)
    for city, values in data.items():
        for key, v in values.items():
            ws.cell(rows[key], cols[city]).value = v
    wb.save(out)
    return out


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    return make_template(tmp_path_factory.mktemp("tpl"))


@pytest.fixture(scope="module")
def sheet(template):
    return _load(template)["填报表"]


# ---------------------------------------------------------------------------------------------- structure


def test_sheets(template):
    wb = _load(template)
    assert wb.sheetnames == ["说明", "填报表"]
    notes = " ".join(str(c.value) for row in wb["说明"].iter_rows() for c in row if c.value)
    assert "填报" in notes and "下拉" in notes


def test_thirteen_cities_with_regions(sheet):
    rows = _rows(sheet)
    assert rows["city"] == 3 and rows["region"] == 4
    assert [sheet.cell(3, c).value for c in range(FIRST, LAST + 1)] == list(CITY_REGION)
    assert [sheet.cell(4, c).value for c in range(FIRST, LAST + 1)] == list(CITY_REGION.values())
    assert sheet.cell(3, LAST + 1).value is None


def test_key_column_holds_every_field_once(sheet):
    keys = [sheet.cell(r, 1).value for r in range(1, sheet.max_row + 1) if sheet.cell(r, 1).value]
    assert sorted(keys) == sorted(ALL_KEYS)
    assert len(keys) == len(set(keys)) == 62


def _validations(ws) -> dict[int, list]:
    """Row → data validations covering all of F..R on that row."""
    out: dict[int, list] = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            if rng.min_col <= FIRST and rng.max_col >= LAST:
                for r in range(rng.min_row, rng.max_row + 1):
                    out.setdefault(r, []).append(dv)
    return out


def test_dropdowns_on_bool_and_enum_rows(sheet):
    rows, dvs = _rows(sheet), _validations(sheet)
    for key in BOOL_KEYS:
        lists = [dv for dv in dvs.get(rows[key], []) if dv.type == "list"]
        assert lists, key
        assert lists[0].formula1.strip('"').split(",") == ["是", "否"], key
        assert not lists[0].showDropDown, key  # Excel's inverted flag: False = the arrow is shown
    for key, choices in ENUM_CHOICES.items():
        lists = [dv for dv in dvs.get(rows[key], []) if dv.type == "list"]
        assert lists and lists[0].formula1.strip('"').split(",") == choices, key


def test_number_rows_are_validated(sheet):
    rows, dvs = _rows(sheet), _validations(sheet)
    for key in INT_KEYS:
        kinds = {dv.type for dv in dvs.get(rows[key], [])}
        assert kinds & {"whole", "custom"}, key
    for key in PCT_KEYS:
        (dv,) = dvs[rows[key]]
        assert dv.type == "decimal" and float(dv.formula1) == 0 and float(dv.formula2) == 1, key
    (conn,) = dvs[rows["net_conn_city"]]  # connected ≤ total, against the row above
    assert conn.type == "custom" and f"F{rows['net_total_city']}" in conn.formula1


def test_percent_format_on_pct_rows(sheet):
    rows = _rows(sheet)
    for key in PCT_KEYS:
        for c in range(FIRST, LAST + 1):
            assert "%" in sheet.cell(rows[key], c).number_format, (key, c)
    for key in INT_KEYS + NUMBER_KEYS + BOOL_KEYS:
        assert "%" not in sheet.cell(rows[key], FIRST).number_format, key


def test_template_properties_and_protection(template, rubric):
    wb = _load(template)
    props = {p.name: p.value for p in wb.custom_doc_props.props}
    assert props["jsscore_rubric_id"] == rubric.id
    assert props["jsscore_rubric_version"] == rubric.version
    ws = wb["填报表"]
    assert ws.protection.sheet
    assert ws.cell(3, FIRST).protection.locked  # city names locked
    assert not ws.cell(_rows(ws)["leading_group"], FIRST).protection.locked  # input cells open


# ---------------------------------------------------------------------------------------------- round trip


def perfect() -> dict:
    """Figures that earn every point in any region (staff 20 ≥ 15, every ratio at 100 %)."""
    v: dict = {k: "是" for k in BOOL_KEYS}
    v.update({
        "city_it_staff": 20, "city_om_funding": 1000, "urban_insured": 1_000_000,  # needs 300 万元
        "county_total": 6, "county_with_it_body": 6, "county_staffed_3plus": 6,
        "net_total_city": 10, "net_conn_city": 10, "net_total_county": 20, "net_conn_county": 20,
        "net_total_street": 50, "net_conn_street": 50, "net_total_community": 100, "net_conn_community": 100,
        "si_centralization": "全市", "rural_urban_si_deploy": "省平台集中", "integration_count": 3,
        "card_holders": 100_000, "card_target": 100_000, "website_score": 100, "hotline_score": 100,
    })
    v.update({k: 1.0 for k in PCT_KEYS})
    return v


def three_cities() -> dict[str, dict]:
    nanjing = perfect() | {
        "city_it_staff": 15,  # = 苏南 minimum 15 → 1.1.2a 2
        "website_score": 99.9,  # 5 × 99.9 / 100 = 4.995 → 5.00 (half-up)
    }
    yangzhou = perfect() | {
        "city_it_staff": 10,  # = 苏中 minimum 10 → 2
        "city_om_funding": 299.99,  # 299.99 × 10000 / (1,000,000 × 3) = 0.99997 < 1 → 1.1.2b 0
        "county_staffed_3plus": 1,  # 1/6 = 0.1666… → 1.1.3b 0.17
        "upload_rate_injury": 0.9499,  # 94.99% < 95% → 5.1.1 0
        "si_centralization": "市本级",  # 3.1.1 2
        "hotline_score": 66.66,  # 5 × 66.66 / 100 = 3.333 → 3.33
    }
    suqian = perfect() | {
        "city_it_staff": 0,  # < 苏北 8 → 1.1.2a 0
        "urban_insured": 0, "city_om_funding": 0,  # nothing required → 1.1.2b 2
        "net_total_city": 5, "net_conn_city": 5, "net_total_county": 10, "net_conn_county": 10,
        "net_total_street": 20, "net_conn_street": 19, "net_total_community": 65, "net_conn_community": 60,
        # (5 + 10 + 19 + 60) / (5 + 10 + 20 + 65) = 94/100 < 95% → 2.2.1 0
        "card_holders": 999_999, "card_target": 1_000_000,  # 0.999999 < 1 → 4.1.1 0
        "lr_inspection": "否", "lr_arbitration": "否", "lr_employment_filing": "否",  # 4 − 3 = 1
        "card_use_si": "否", "card_use_hr": "否", "card_use_lr": "否",  # 3 − 3 = 0
        "website_score": 0,  # 6.1.1 0
    }
    return {"南京市": nanjing, "扬州市": yangzhou, "宿迁市": suqian}


# Hand calculation (categories 管理机制, 基础平台, 应用系统, 社会保障卡, 资源开发, 公共服务):
EXPECTED = {
    # all full: 17 + 20 + 23 + 15 + 10 + (5.00 + 5 + 5) = 100.00
    "南京市": dict(rank=1, total=D("100.00"), cats=[D(17), D(20), D(23), D(15), D(10), D(15)],
                items={"1.1.2a": D(2), "6.1.1": D(5)}),
    # 管理机制 2 + 2 + 0 + 1 + 0.17 + 2 + 1 + 1 + 1 + 3 + 1 = 14.17; 应用系统 23 − 2 = 21; 资源开发 0 + 3 + 2 = 5;
    # 公共服务 5 + 3.33 + 5 = 13.33; total 14.17 + 20 + 21 + 15 + 5 + 13.33 = 88.50
    "扬州市": dict(rank=2, total=D("88.50"), cats=[D("14.17"), D(20), D(21), D(15), D(5), D("13.33")],
                items={"1.1.2a": D(2), "1.1.2b": D(0), "1.1.3b": D("0.17"), "5.1.1": D(0), "3.1.1": D(2),
                       "6.2.1": D("3.33")}),
    # 管理机制 17 − 2 = 15; 基础平台 20 − 6 = 14; 应用系统 23 − 3 = 20; 社保卡 0 + 6 + 0 = 6; 资源开发 10;
    # 公共服务 0 + 5 + 5 = 10; total 15 + 14 + 20 + 6 + 10 + 10 = 75
    "宿迁市": dict(rank=3, total=D("75.00"), cats=[D(15), D(14), D(20), D(6), D(10), D(10)],
                items={"1.1.2a": D(0), "1.1.2b": D(2), "2.2.1": D(0), "4.1.1": D(0), "3.3.1": D(1),
                       "4.3.1": D(0), "6.1.1": D(0)}),
}
CATS = ["管理机制", "基础平台", "应用系统", "社会保障卡", "资源开发", "公共服务"]


def _score(path: Path, tmp_path: Path) -> dict:
    js = tmp_path / "out.json"
    assert run(["score", str(path), "-o", str(tmp_path / "out.xlsx"), "--json", str(js), "-q"]) == 0
    return json.loads(js.read_text(encoding="utf-8"))


def test_hand_calculation_adds_up():
    for e in EXPECTED.values():
        assert sum(e["cats"]) == e["total"]


def test_fill_three_city_template_and_score(tmp_path):
    tpl = make_template(tmp_path, "--cities", "南京,扬州,宿迁")
    sheet = _load(tpl)["填报表"]
    rows = _rows(sheet)
    assert [sheet.cell(rows["city"], c).value for c in range(FIRST, FIRST + 4)] == ["南京市", "扬州市", "宿迁市", None]
    assert [sheet.cell(rows["region"], c).value for c in range(FIRST, FIRST + 3)] == ["苏南", "苏中", "苏北"]
    doc = _score(fill(tpl, three_cities(), tmp_path / "filled.xlsx"), tmp_path)
    assert [c["city"] for c in doc["cities"]] == list(EXPECTED)
    for c in doc["cities"]:
        e = EXPECTED[c["city"]]
        assert c["rank"] == e["rank"]
        assert D(str(c["total"])) == e["total"], c["city"]
        assert [D(str(c["categories"][k])) for k in CATS] == e["cats"], c["city"]
        for item, s in e["items"].items():
            assert D(str(c["items"][item])) == s, (c["city"], item)
    # the 94.99% rate was read exactly (not as the 95.0% the cell format displays)
    yz = next(c for c in doc["cities"] if c["city"] == "扬州市")
    assert yz["derived"]["min_upload_rate"] == pytest.approx(0.9499)
    assert "94.99%" in yz["reasons"]["5.1.1"]
    # the other ten cities were not returned: warnings only
    codes = {i["code"] for i in doc["issues"]}
    assert codes == {"city_not_returned"} and len(doc["issues"]) == 10


def test_single_city_template(tmp_path):
    tpl = make_template(tmp_path, "--city", "南京")
    sheet = _load(tpl)["填报表"]
    rows = _rows(sheet)
    assert sheet.cell(rows["city"], FIRST).value == "南京市"
    assert sheet.cell(rows["city"], FIRST + 1).value is None
    doc = _score(fill(tpl, {"南京市": three_cities()["南京市"]}, tmp_path / "nj.xlsx"), tmp_path)
    (nj,) = doc["cities"]
    assert (nj["city"], nj["region"], nj["rank"], nj["total"]) == ("南京市", "苏南", 1, 100.0)
    assert nj["reasons"] == {}


def test_full_template_filled_for_every_city(tmp_path, template):
    # all 13 cities perfect except a staff shortfall that depends on the region:
    # staff 12 is below 苏南 15 (−2 → 98) but reaches 苏中 10 and 苏北 8 (100)
    data = {c: perfect() | {"city_it_staff": 12} for c in CITY_REGION}
    doc = _score(fill(template, data, tmp_path / "all.xlsx"), tmp_path)
    totals = {c["city"]: c["total"] for c in doc["cities"]}
    assert totals == {c: (98.0 if r == "苏南" else 100.0) for c, r in CITY_REGION.items()}
    # 8 cities tie at 100 (rank 1), 5 at 98 share rank 9 (competition); tie order = fixed city order
    assert [(c["city"], c["rank"]) for c in doc["cities"]] == (
        [(c, 1) for c, r in CITY_REGION.items() if r != "苏南"] + [(c, 9) for c, r in CITY_REGION.items() if r == "苏南"])
    assert doc["issues"] == []


def test_partly_filled_full_template_scores_the_filled_cities(tmp_path, template):
    data = {"南京市": three_cities()["南京市"]}
    out = fill(template, data, tmp_path / "partial.xlsx")
    js = tmp_path / "p.json"
    assert run(["score", str(out), "-o", str(tmp_path / "p.xlsx"), "--json", str(js), "-q"]) == 0
    doc = json.loads(js.read_text(encoding="utf-8"))
    assert [c["city"] for c in doc["cities"]] == ["南京市"]
    assert {i["code"] for i in doc["issues"]} == {"city_not_returned"}


# ---------------------------------------------------------------------------------------------- printing


def _units(s: str) -> int:
    """Column-width units of a text: CJK and full-width characters count 2."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def _one_page_wide(ws) -> bool:
    pr = ws.sheet_properties.pageSetUpPr
    return bool(pr and pr.fitToPage) and (ws.page_setup.fitToWidth or 1) == 1 and ws.page_setup.fitToHeight == 0


def test_instructions_sheet_prints_within_the_page_width(template):
    ws = _load(template)["说明"]
    assert ws.page_setup.orientation == "portrait" and ws.page_setup.paperSize == 9
    assert _one_page_wide(ws)
    # columns A + B no wider than a portrait A4 page at 100 % (about 94 units with default margins)
    width = ws.column_dimensions["A"].width + ws.column_dimensions["B"].width
    assert width <= 94, width
    # every wrapped text row is tall enough for its lines
    wide = ws.column_dimensions["B"].width
    checked = 0
    for (cell,) in ws.iter_rows(min_row=3, min_col=2, max_col=2):
        if isinstance(cell.value, str) and cell.alignment.wrap_text:
            lines = -(-_units(cell.value) // int(wide))
            height = ws.row_dimensions[cell.row].height or 15  # unset: the default, one line
            assert height >= 14 * lines, (cell.coordinate, cell.value, height)
            checked += lines > 1
    assert checked >= 1  # at least one item really wraps, so the check means something


def test_data_sheet_orientation_follows_the_number_of_cities(tmp_path, sheet):
    one = _load(make_template(tmp_path, "--city", "南京"))["填报表"]
    assert one.page_setup.orientation == "portrait"
    assert sheet.page_setup.orientation == "landscape"  # 13 city columns
    for ws in (one, sheet):
        assert _one_page_wide(ws)
        assert ws.print_title_rows and ws.print_title_rows.replace("$", "") == "3:3"
    # the title and the note above the table wrap inside the narrow single-city table, with room for it
    span = sum(one.column_dimensions[c].width for c in "BCDEF")
    note = one.cell(2, 2)
    assert note.alignment.wrap_text and one.cell(1, 2).alignment.wrap_text
    assert one.row_dimensions[2].height >= 14 * -(-_units(note.value) // int(span))


def test_instructions_say_row_order_does_not_matter_and_it_does_not(tmp_path, template):
    text = "\n".join(str(c.value) for (c,) in _load(template)["说明"].iter_rows(min_col=2, max_col=2) if c.value)
    assert "请勿修改 A 列的字段代码" in text and "不要删除行" in text
    assert "调整行的顺序" not in text and "行的先后顺序不影响读取" in text
    # and it is true: swap two field rows of a filled template (moving the cells) and the score is the same
    tpl = make_template(tmp_path, "--city", "扬州")
    filled = fill(tpl, {"扬州市": three_cities()["扬州市"]}, tmp_path / "yz.xlsx")
    want = _score(filled, tmp_path)["cities"][0]
    wb = _load(filled)
    ws = wb["填报表"]
    ws.protection.sheet = False
    rows = _rows(ws)
    a, b, spare = rows["leading_group"], rows["hotline_score"], ws.max_row + 2
    ws.move_range(f"A{a}:F{a}", rows=spare - a)
    ws.move_range(f"A{b}:F{b}", rows=a - b)
    ws.move_range(f"A{spare}:F{spare}", rows=b - spare)
    assert _rows(ws)["leading_group"] == b and _rows(ws)["hotline_score"] == a
    wb.save(tmp_path / "yz_swapped.xlsx")
    got = _score(tmp_path / "yz_swapped.xlsx", tmp_path)["cities"][0]
    assert (got["total"], got["rank"]) == (want["total"], want["rank"]) == (88.5, 1)
