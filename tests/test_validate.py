"""`jsscore validate`: exit codes, the console report grouped by city, the correction workbook, --json,
--codes and --strict.

Inputs are copies of the clean 13-city case C01 (wide layout: row 1 = field keys, one row per city, sheet
"填报") with problems planted in known cells, so every expected cell, field, item and point figure below
follows from the data dictionary and the rubric table of RUBRIC.md, not from the tool.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import openpyxl
import pytest
from conftest import canon as _canon
from openpyxl.utils import get_column_letter

from jsscore.cli import run
from jsscore.problems import CATALOGUE

CASES = Path(__file__).resolve().parent / "data"  # copies of ../shared/cases files (CI has no ../shared)
C01 = CASES / "C01_wps_dimension_a1.xlsx"
C09B = CASES / "C09b_percent_plain_fraction.xlsx"  # one plain 0.969 in a percent field: a warning only


def wide_copy(dst: Path, changes: dict[tuple[str, str], object]) -> dict[tuple[str, str], str]:
    """Copy C01 to ``dst`` with ``changes[(city, key)] = value``; return each changed cell as ``填报!A1``."""
    wb = openpyxl.load_workbook(C01)
    ws = wb.active
    col = {c.value: c.column for c in ws[1]}
    row = {_canon(ws.cell(r, 1).value): r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value}
    where = {}
    for (city, key), v in changes.items():
        c = ws.cell(row[city], col[key])
        c.value = v
        if isinstance(v, str) and v.startswith("="):
            c.data_type = "s"  # text that merely looks like a formula, as a user might type it
        where[(city, key)] = f"{ws.title}!{get_column_letter(col[key])}{row[city]}"
    wb.save(dst)
    return where


# The planted problems. Field → item (points) from RUBRIC.md: city_it_staff → 1.1.2a (2);
# county_with_it_body → 1.1.3a (1); leading_group → 1.1.1 (2).
PLANTED = {
    ("无锡市", "city_it_staff"): "约15",  # a qualifier: never accepted (approximate)
    ("泰州市", "county_with_it_body"): 7,  # 泰州 has county_total 6: 7 > 6 (exceeds_field)
    ("泰州市", "leading_group"): "=1+2",  # text that looks like a formula: not a yes/no (bad_bool)
}
PLANTED_CODE = {("无锡市", "city_it_staff"): "approximate", ("泰州市", "county_with_it_body"): "exceeds_field",
                ("泰州市", "leading_group"): "bad_bool"}
PLANTED_ITEMS = {("无锡市", "city_it_staff"): (["1.1.2a"], "2"), ("泰州市", "county_with_it_body"): (["1.1.3a"], "1"),
                 ("泰州市", "leading_group"): (["1.1.1"], "2")}


@pytest.fixture(scope="module")
def bad_file(tmp_path_factory):
    d = tmp_path_factory.mktemp("validate")
    path = d / "报送_有误.xlsx"
    where = wide_copy(path, PLANTED)
    return path, where


# ------------------------------------------------------------------------------------------ exit codes


def test_clean_file_exits_0(cap):
    assert run(["validate", str(C01)]) == 0
    assert "13" in cap.out()
    assert "错误" not in cap.out().replace("错误 0", "")


def test_problems_exit_1(cap, bad_file):
    path, _ = bad_file
    assert run(["validate", str(path)]) == 1


def test_unreadable_input_exits_2(cap, tmp_path):
    junk = tmp_path / "报送.xlsx"
    junk.write_bytes(b"this is not a spreadsheet at all\n" * 4)
    assert run(["validate", str(junk)]) == 2
    assert "报送.xlsx" in cap.err()


def test_missing_file_and_no_input_exit_2(cap, tmp_path):
    assert run(["validate", str(tmp_path / "nope.xlsx")]) == 2
    assert run(["validate"]) == 2


def test_strict_turns_warnings_into_exit_1(cap):
    assert run(["validate", str(C09B)]) == 0
    assert run(["validate", str(C09B), "--strict"]) == 1
    assert "pct_guessed" in cap.out() or "upload_rate_pension" in cap.out()


def test_strict_on_clean_file_is_still_0(cap):
    assert run(["validate", str(C01), "--strict"]) == 0


# ------------------------------------------------------------------------------------------ console


def _groups(text: str, cities: list[str]) -> dict[str, str]:
    """Split the console listing into the block under each city's heading line."""
    lines = text.splitlines()
    heads = [(i, c) for i, line in enumerate(lines) for c in cities
             if c in line and not line.lstrip().startswith(("✗", "!", "→"))]
    out = {}
    for n, (i, c) in enumerate(heads):
        end = heads[n + 1][0] if n + 1 < len(heads) else len(lines)
        out[c] = "\n".join(lines[i + 1:end])
    return out


def test_console_grouped_by_city_with_cell_and_field(cap, bad_file):
    path, where = bad_file
    assert run(["validate", str(path)]) == 1
    text = cap.out()
    groups = _groups(text, ["无锡市", "泰州市"])
    assert set(groups) == {"无锡市", "泰州市"}
    for (city, key), cell in where.items():
        block = groups[city]
        line = next((ln for ln in block.splitlines() if cell in ln), None)
        assert line is not None, f"{cell} not listed under {city}:\n{text}"
        assert key in line
    # a city's problem is never listed under the other city
    assert where[("无锡市", "city_it_staff")] not in groups["泰州市"]
    assert where[("泰州市", "leading_group")] not in groups["无锡市"]


# ------------------------------------------------------------------------------------------ feedback workbook


def _read(path: Path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return openpyxl.load_workbook(path)


def _table(ws, first: str):
    """Rows under the header row whose first cell is ``first``, as dicts; also the header."""
    rows = list(ws.iter_rows())
    h = next(i for i, r in enumerate(rows) if r[0].value == first)
    head = [c.value for c in rows[h]]
    body = [dict(zip(head, r, strict=False)) for r in rows[h + 1:] if any(c.value is not None for c in r)]
    return head, body


def test_feedback_workbook(cap, bad_file, tmp_path):
    path, where = bad_file
    fb = tmp_path / "退回修改清单.xlsx"
    assert run(["validate", str(path), "-o", str(fb)]) == 1
    wb = _read(fb)
    # 汇总 first, then one sheet per city with problems, in the rubric's city order (无锡 before 泰州)
    assert wb.sheetnames == ["汇总", "无锡市", "泰州市"]
    _, summary = _table(wb["汇总"], "设区市")
    counts = {r["设区市"].value: r["错误"].value for r in summary}
    assert counts == {"无锡市": 1, "泰州市": 2}
    for city in ("无锡市", "泰州市"):
        head, body = _table(wb[city], "级别")
        assert "单元格" in head and "请如何修改" in head and "填写值" in head
        planted = {k: v for k, v in where.items() if k[0] == city}
        assert len(body) == len(planted)
        by_cell = {r["单元格"].value: r for r in body}
        for (c, key), cell in planted.items():
            r = by_cell[cell]
            value = PLANTED[(c, key)]
            # the value as typed, always as text (never a number cell, never a live formula)
            assert r["填写值"].value == str(value)
            assert r["填写值"].data_type == "s"
            assert r["请如何修改"].value
            assert r["级别"].value == "错误"
            if "字段代码" in head:
                assert r["字段代码"].value == key
            if "涉及评分项" in head:
                assert r["涉及评分项"].value == "、".join(PLANTED_ITEMS[(c, key)][0])


def test_feedback_workbook_for_clean_input_has_summary_only(cap, tmp_path):
    fb = tmp_path / "fb.xlsx"
    assert run(["validate", str(C01), "-o", str(fb)]) == 0
    assert _read(fb).sheetnames == ["汇总"]


def test_feedback_never_overwrites_the_input(cap, bad_file, tmp_path):
    path, _ = bad_file
    before = path.read_bytes()
    assert run(["validate", str(path), "-o", str(path)]) == 2
    assert path.read_bytes() == before


# ------------------------------------------------------------------------------------------ --json


def test_json_lists_every_issue_with_location_items_and_points(cap, bad_file, tmp_path):
    path, where = bad_file
    jp = tmp_path / "v.json"
    assert run(["validate", str(path), "--json", str(jp)]) == 1
    doc = json.loads(jp.read_text(encoding="utf-8"))
    assert doc["errors"] == 3
    assert doc["warnings"] == 0
    issues = {(i["city"], i["field"]): i for i in doc["issues"]}
    assert set(issues) == set(PLANTED)
    for k, i in issues.items():
        assert i["severity"] == "error"
        assert i["code"] == PLANTED_CODE[k]
        assert i["cell"] == where[k]
        assert i["file"].endswith(path.name)
        assert i["value"] == str(PLANTED[k])
        items, points = PLANTED_ITEMS[k]
        assert i["items"] == items
        assert str(i["points"]) == points
        assert i["message"]


def test_json_of_clean_file(cap, tmp_path):
    jp = tmp_path / "v.json"
    assert run(["validate", str(C01), "--json", str(jp)]) == 0
    doc = json.loads(jp.read_text(encoding="utf-8"))
    assert doc["errors"] == 0 and doc["issues"] == []
    assert len(doc["cities"]) == 13


# ------------------------------------------------------------------------------------------ --codes


def test_codes_lists_the_whole_catalogue(cap):
    assert run(["validate", "--codes"]) == 0
    text = cap.out()
    for code, c in CATALOGUE.items():
        assert code in text, code
        assert c.title in text, c.title
    assert len(CATALOGUE) >= 25


def test_every_catalogue_entry_is_complete():
    for code, c in CATALOGUE.items():
        assert c.code == code
        assert c.severity in ("error", "warning")
        assert c.title and c.template and c.hint



# ------------------------------------------------------------------------------------------ feedback print layout


def _units(s: str) -> int:
    """Column-width units of a text: CJK and full-width characters count 2."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def test_feedback_prints_one_page_wide_and_shows_wrapped_text(cap, tmp_path):
    # a rate typed as 9550 gives a long message ("…（即 955000%）") that must wrap in the 问题 column
    src = tmp_path / "报送.xlsx"
    wide_copy(src, {("镇江市", "upload_rate_pension"): 9550, ("无锡市", "city_it_staff"): "约15"})
    fb = tmp_path / "退回.xlsx"
    assert run(["validate", str(src), "-o", str(fb)]) == 1
    wb = _read(fb)
    assert wb.sheetnames == ["汇总", "无锡市", "镇江市"]
    for ws in wb:
        # one page wide, as many pages long as needed, header row (row 4) on every page
        assert ws.sheet_properties.pageSetUpPr is not None and ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert (ws.page_setup.fitToWidth or 1, ws.page_setup.fitToHeight) == (1, 0), ws.title  # absent = 1
        assert ws.print_title_rows and ws.print_title_rows.replace("$", "") == "4:4", ws.title
        assert ws.page_setup.paperSize == 9
    assert wb["镇江市"].page_setup.orientation == "landscape"
    assert wb["无锡市"].page_setup.orientation == "landscape"
    # the summary is four columns: portrait, and the title is not cut (it is merged across the table)
    assert wb["汇总"].page_setup.orientation == "portrait"
    assert any(str(r) == "A1:D1" for r in wb["汇总"].merged_cells.ranges)

    ws = wb["镇江市"]
    head, body = _table(ws, "级别")
    (row,) = body
    msg = row["问题"].value
    assert "9550" in msg
    for cell in row.values():
        if not isinstance(cell.value, str):
            continue
        width = ws.column_dimensions[cell.column_letter].width
        lines = -(-_units(cell.value) // int(width))  # ceiling
        height = ws.row_dimensions[cell.row].height
        assert height is not None and height >= 13 * lines, (cell.coordinate, cell.value, width, height)
    assert -(-_units(msg) // int(ws.column_dimensions[row["问题"].column_letter].width)) >= 2  # it does wrap
    # points at stake are numbers (5.1.1 is worth 5), not text
    pts = row["涉及分值"]
    assert pts.data_type == "n" and pts.value == 5
    assert wb["无锡市"].cell(row=5, column=head.index("涉及分值") + 1).value == 2
