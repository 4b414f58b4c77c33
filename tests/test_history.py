"""Year over year: `jsscore score … --previous LAST` (issue 5, part 6).

"Last year" is C01 with one change: 南京's community outlets connected raised from 942 to 975, so its
network coverage is (26+36+83+975)/(26+36+87+1029) = 1120/1178 = 95.08 % ≥ 95 % and 2.2.1 gives 6 points:
南京 80.78 (74.78 + 6, reference shared/cases/C01_wps_dimension_a1.expect.json), 1st last year ahead of
常州 79.01, 镇江 78.55, 连云港 78.09; everybody else as this year. This year (C01 as is) 南京 is 4th:
↓3, −6.00, item 2.2.1 −6; 常州, 镇江, 连云港 each ↑1; the others keep their rank with no change.
"""

from __future__ import annotations

import io
import json
import warnings
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pytest
from rich.console import Console

from jsscore import cli
from jsscore.cli import run

D = Decimal
CASES = Path(__file__).resolve().parent / "data"  # copies of ../shared/cases files (CI has no ../shared)
C01 = CASES / "C01_wps_dimension_a1.xlsx"
EXPECT = {c["city"]: c for c in json.loads((CASES / "C01_wps_dimension_a1.expect.json").read_text("utf-8"))["expected"]}

LAST_RANK = {"南京市": 1, "常州市": 2, "镇江市": 3, "连云港市": 4}
CHANGE = {"南京市": "↓3", "常州市": "↑1", "镇江市": "↑1", "连云港市": "↑1"}


def last_rank(city: str) -> int:
    return LAST_RANK.get(city, EXPECT[city]["rank"])


@pytest.fixture(scope="module")
def last_year(tmp_path_factory):
    d = tmp_path_factory.mktemp("history")
    src = d / "去年填报.xlsx"
    wb = openpyxl.load_workbook(C01)
    ws = wb.active
    col = {c.value: c.column for c in ws[1]}
    row = next(r for r in range(2, ws.max_row + 1) if str(ws.cell(r, 1).value).startswith("南京"))
    assert ws.cell(row, col["net_conn_community"]).value == 942
    ws.cell(row, col["net_conn_community"]).value = 975
    wb.save(src)
    saved = cli.out, cli.err
    cli.out = cli.err = Console(file=io.StringIO())
    try:
        assert run(["score", str(src), "-o", str(d / "去年结果.xlsx"), "--json", str(d / "去年结果.json"), "-q"]) == 0
    finally:
        cli.out, cli.err = saved
    doc = json.loads((d / "去年结果.json").read_text(encoding="utf-8"))
    got = {c["city"]: (c["rank"], D(str(c["total"]))) for c in doc["cities"]}
    assert got["南京市"] == (1, D("80.78"))  # the hand-calculated last year
    return SimpleNamespace(dir=d, json=d / "去年结果.json", xlsx=d / "去年结果.xlsx", doc=doc)


def _load(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return openpyxl.load_workbook(path)


def _summary(wb) -> tuple[list, dict[str, dict]]:
    rows = list(wb["排名汇总"].iter_rows(values_only=True))
    h = next(i for i, r in enumerate(rows) if r and r[0] == "名次")
    head = list(rows[h])
    out = {}
    for r in rows[h + 1:]:
        if r and isinstance(r[0], (int, float)) and r[1]:
            out[r[1]] = dict(zip(head, r, strict=False))
    return head, out


def _yoy(wb) -> tuple[list, dict[str, dict], list[str]]:
    rows = list(wb["同比变化"].iter_rows(values_only=True))
    head = list(rows[0])
    out, notes = {}, []
    for r in rows[1:]:
        if r and r[0] in EXPECT:
            out[r[0]] = dict(zip(head, r, strict=False))
        elif r and r[0]:
            notes.append(str(r[0]))
    return head, out, notes


@pytest.mark.parametrize("kind", ["json", "xlsx"])
def test_previous_adds_rank_and_total_change(last_year, tmp_path, cap, kind):
    prev = getattr(last_year, kind)
    out = tmp_path / "本年结果.xlsx"
    assert run(["score", str(C01), "-o", str(out), "--previous", str(prev)]) == 0
    wb = _load(out)
    head, rows = _summary(wb)
    for col in ("上年名次", "名次变化", "总分变化"):
        assert col in head, head
    for city, e in EXPECT.items():
        r = rows[city]
        assert r["名次"] == e["rank"]
        assert r["上年名次"] == last_rank(city), city
        if city in CHANGE:
            assert r["名次变化"] == CHANGE[city], city
        else:
            assert r["名次变化"] not in ("新",) and "↑" not in str(r["名次变化"]) and "↓" not in str(r["名次变化"])
        delta = D("-6.00") if city == "南京市" else D(0)
        assert D(str(r["总分变化"])).quantize(D("0.01")) == delta, city
    # the 同比变化 sheet: item by item
    assert "同比变化" in wb.sheetnames
    yhead, yrows, _ = _yoy(wb)
    assert "2.2.1" in yhead
    for city in EXPECT:
        for iid in EXPECT[city]["items"]:
            want = D(-6) if (city, iid) == ("南京市", "2.2.1") else D(0)
            assert D(str(yrows[city][iid])) == want, (city, iid)
    # console: the ranking table gains the changes
    line = next(ln for ln in cap.out().splitlines() if "南京市" in ln and "74.78" in ln)
    assert "↓3" in line and "-6.00" in line


def test_sheet_order_with_previous(last_year, tmp_path, cap):
    out = tmp_path / "r.xlsx"
    assert run(["score", str(C01), "-o", str(out), "--previous", str(last_year.json), "-q"]) == 0
    names = _load(out).sheetnames
    assert "同比变化" in names
    assert names.index("排名汇总") < names.index("同比变化")


def _edited_previous(last_year, tmp_path) -> Path:
    doc = json.loads(last_year.json.read_text(encoding="utf-8"))
    for c in doc["cities"]:
        c["items"].pop("3.3.1")  # an item last year's rubric did not have …
        c["items"]["3.6.1"] = 1.0  # … and one it had that this year's does not
    doc["cities"] = [c for c in doc["cities"] if c["city"] != "宿迁市"]  # 宿迁 new this year
    p = tmp_path / "去年_旧规则.json"
    p.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return p


def test_items_in_only_one_year_are_reported(last_year, tmp_path, cap):
    prev = _edited_previous(last_year, tmp_path)
    out = tmp_path / "r.xlsx"
    assert run(["score", str(C01), "-o", str(out), "--previous", str(prev)]) == 0
    text = cap.out()
    assert "3.6.1" in text and "3.3.1" in text
    line_old = next(ln for ln in text.splitlines() if "3.6.1" in ln)
    line_new = next(ln for ln in text.splitlines() if "3.3.1" in ln and "3.6.1" not in ln)
    assert line_old != line_new  # told apart: one only last year, one only this year
    wb = _load(out)
    _, rows, notes = _yoy(wb)
    assert any("3.6.1" in n for n in notes) and any("3.3.1" in n for n in notes)
    # 3.3.1 has no figure to compare with: left blank, not reported as a change of +score
    assert rows["南京市"]["3.3.1"] is None
    assert D(str(rows["南京市"]["2.2.1"])) == D(-6)


def test_a_city_new_this_year_is_marked_new(last_year, tmp_path, cap):
    prev = _edited_previous(last_year, tmp_path)
    out = tmp_path / "r.xlsx"
    assert run(["score", str(C01), "-o", str(out), "--previous", str(prev)]) == 0
    _, rows = _summary(_load(out))
    assert rows["宿迁市"]["名次变化"] == "新"
    assert rows["宿迁市"]["总分变化"] is None
    line = next(ln for ln in cap.out().splitlines() if "宿迁市" in ln and "48.72" in ln)
    assert "新" in line
    _, yrows, _ = _yoy(_load(out))
    assert yrows["宿迁市"]["名次变化"] == "新"


@pytest.mark.parametrize("content,name", [
    ("{not json", "bad.json"),
    ('{"no": "cities"}', "nocities.json"),
    ("plain text", "last.xlsx"),
])
def test_unusable_previous_is_exit_2_and_writes_nothing(cap, tmp_path, content, name):
    prev = tmp_path / name
    prev.write_text(content, encoding="utf-8")
    out = tmp_path / "r.xlsx"
    assert run(["score", str(C01), "-o", str(out), "--previous", str(prev)]) == 2
    assert not out.exists()
    assert name in cap.err()


def test_missing_previous_file_is_exit_2(cap, tmp_path):
    out = tmp_path / "r.xlsx"
    assert run(["score", str(C01), "-o", str(out), "--previous", str(tmp_path / "nope.json")]) == 2
    assert not out.exists()


def test_previous_workbook_that_is_not_a_result(cap, tmp_path):
    # a city return is a workbook but not last year's result
    out = tmp_path / "r.xlsx"
    assert run(["score", str(C01), "-o", str(out), "--previous", str(C01)]) == 2
    assert not out.exists()


@pytest.mark.parametrize("doc", [
    {"cities": [{"city": "南京市", "total": 80}]},  # no rank
    {"cities": [{"city": "南京市", "rank": "一", "total": 80}]},  # rank not a number
    {"cities": {"南京市": 1}},  # cities not a list
])
def test_malformed_previous_json_gets_a_clear_message(cap, tmp_path, doc):
    prev = tmp_path / "去年.json"
    prev.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "r.xlsx"
    assert run(["score", str(C01), "-o", str(out), "--previous", str(prev)]) == 2
    assert not out.exists()
    assert "程序内部错误" not in cap.err()
    assert "去年.json" in cap.err()
