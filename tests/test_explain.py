"""`jsscore explain` and `jsscore.analysis.close_gap`.

Reference: shared/cases/C01_wps_dimension_a1.expect.json (hand-checked item scores of the clean case C01).
南京市 is 4th with 74.78, 连云港市 3rd with 78.09: the gap is 78.09 − 74.78 = 3.31, so 南京 must gain
3.32 (scores move in steps of 0.01 and a tie does not pass). The fewest of 南京's lost items that recover
at least 3.32 are computed below from the expected item scores and the item maxima of RUBRIC.md.
"""

from __future__ import annotations

import io
import itertools
import json
import re
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from conftest import ITEM_MAX
from openpyxl.utils import get_column_letter
from rich.console import Console

from jsscore import cli
from jsscore.analysis import close_gap
from jsscore.cli import run
from jsscore.engine import CityRecord, CityResult, ItemScore

D = Decimal
CASES = Path(__file__).resolve().parent / "data"  # copies of ../shared/cases files (CI has no ../shared)
C01 = CASES / "C01_wps_dimension_a1.xlsx"
EXPECT = {c["city"]: c for c in json.loads((CASES / "C01_wps_dimension_a1.expect.json").read_text("utf-8"))["expected"]}

CATEGORY_MAX = {"管理机制": 17, "基础平台": 20, "应用系统": 23, "社会保障卡": 15, "资源开发": 10, "公共服务": 15}


@pytest.fixture(scope="module")
def nanjing_text():
    o = Console(record=True, width=200, file=io.StringIO())
    e = Console(record=True, width=200, file=io.StringIO())
    saved = cli.out, cli.err
    cli.out, cli.err = o, e
    try:
        rc = run(["explain", str(C01), "--city", "南京"])
    finally:
        cli.out, cli.err = saved
    assert rc == 0, e.export_text()
    return o.export_text()


def _cells_of_nanjing() -> dict[str, str]:
    """field key → 填报!A1 of 南京's row in C01 (read from the file, row 1 = keys)."""
    ws = openpyxl.load_workbook(C01).active
    row = next(r for r in range(2, ws.max_row + 1) if str(ws.cell(r, 1).value).startswith("南京"))
    return {c.value: f"{ws.title}!{get_column_letter(c.column)}{row}" for c in ws[1]}


def _lost(city: str) -> dict[str, Decimal]:
    return {i: D(ITEM_MAX[i]) - D(s) for i, s in EXPECT[city]["items"].items() if D(s) < ITEM_MAX[i]}


def _item_line(text: str, iid: str) -> str:
    pat = re.compile(rf"(?:^|\s){re.escape(iid)}\s")
    lines = [ln for ln in text.splitlines() if pat.search(ln) and " / " in ln]
    assert len(lines) == 1, (iid, lines)
    return lines[0]


# ------------------------------------------------------------------------------------------ explain


def test_every_item_with_its_score_of_its_maximum(nanjing_text):
    for iid, score in EXPECT["南京市"]["items"].items():
        line = _item_line(nanjing_text, iid)
        m = re.search(r"(\d+\.\d\d)\s*/\s*(\d+(?:\.\d+)?)", line)
        assert m, line
        assert D(m.group(1)) == D(score), line
        assert D(m.group(2)) == ITEM_MAX[iid], line


def test_items_are_grouped_under_their_category_in_rubric_order(nanjing_text):
    lines = nanjing_text.splitlines()
    pos = {}
    for cat, mx in CATEGORY_MAX.items():
        i = next(n for n, ln in enumerate(lines) if cat in ln and f"/ {mx}" in ln and not re.search(r"\d\.\d\.\d", ln))
        assert D(EXPECT["南京市"]["categories"][cat]) == D(re.search(r"(\d+\.\d\d)\s*/", lines[i]).group(1))
        pos[cat] = i
    assert list(pos.values()) == sorted(pos.values())
    item_pos = {iid: next(n for n, ln in enumerate(lines) if re.search(rf"\s{re.escape(iid)}\s", ln))
                for iid in ITEM_MAX}
    bounds = list(pos.values()) + [len(lines)]
    for k, cat_start in enumerate(pos.values()):
        first = str(k + 1) + "."
        for iid, n in item_pos.items():
            if iid.startswith(first):
                assert cat_start < n < bounds[k + 1], iid


def test_total_and_rank_in_the_heading(nanjing_text):
    head = nanjing_text.strip().splitlines()[0]
    assert "南京市" in head and "74.78" in head
    assert re.search(r"第\s*4\s*名", head), head


def test_cells_of_the_figures_are_shown(nanjing_text):
    cells = _cells_of_nanjing()
    assert cells["city_it_staff"] == "填报!D2"  # row 1 keys, 南京 on row 2, city_it_staff the 4th column
    block = _block(nanjing_text, "1.1.2a")
    assert "填报!D2" in block
    # 2.2.1 uses the eight network figures, each shown with its cell
    block = _block(nanjing_text, "2.2.1")
    for key in ("net_total_city", "net_conn_city", "net_total_county", "net_conn_county", "net_total_street",
                "net_conn_street", "net_total_community", "net_conn_community"):
        assert cells[key] in block, key
    # coverage (26+36+83+942)/(26+36+87+1029) = 1087/1178 = 92.275…% against the 95% line
    assert "92.28%" in block
    assert "95%" in block


def _block(text: str, iid: str) -> str:
    lines = text.splitlines()
    start = next(n for n, ln in enumerate(lines) if re.search(rf"\s{re.escape(iid)}\s", ln) and " / " in ln)
    end = next((n for n in range(start + 1, len(lines))
                if re.search(r"\s\d\.\d\.\d\w?\s.*\d+\.\d\d\s*/", lines[n]) or not lines[n].strip()), len(lines))
    return "\n".join(lines[start:end])


def test_every_lost_item_has_a_reason_and_no_full_item_has_one(nanjing_text):
    lost = _lost("南京市")
    assert lost  # 南京 lost points on several items
    for iid in ITEM_MAX:
        block = _block(nanjing_text, iid)
        has_reason = "失分" in block
        assert has_reason == (iid in lost), (iid, block)
        if iid in lost:
            assert f"-{lost[iid].normalize():f}" in block, block


def _fewest(lost: dict[str, Decimal], need: Decimal) -> int:
    for k in range(1, len(lost) + 1):
        if any(sum(c) >= need for c in itertools.combinations(lost.values(), k)):
            return k
    raise AssertionError("cannot pass")


def test_gap_line_names_the_city_above_and_the_fewest_items(nanjing_text):
    me, above = EXPECT["南京市"], EXPECT["连云港市"]
    assert (me["rank"], above["rank"]) == (4, 3)
    need = D(above["total"]) - D(me["total"]) + D("0.01")
    assert need == D("3.32")
    line = next(ln for ln in nanjing_text.splitlines() if "再得" in ln)
    assert re.search(r"再得\s*3\.32\s*分可超过\s*连云港市", line), line
    assert "78.09" in line and "3" in line
    named = re.findall(r"(\d\.\d\.\d\w?)\s", line.split("：", 1)[1] + " ")
    lost = _lost("南京市")
    assert set(named) <= set(lost)
    assert len(named) == _fewest(lost, need) == 1
    assert sum(lost[i] for i in named) >= need
    # the largest single loss is 2.2.1 (network coverage, 6 points): the README's example
    assert named == ["2.2.1"]
    assert "(+6)" in line


def test_first_city_has_no_gap_line(cap):
    assert run(["explain", str(C01), "--city", "常州市"]) == 0
    assert "再得" not in cap.out()


def test_unknown_city_is_exit_2(cap):
    assert run(["explain", str(C01), "--city", "上海"]) == 2


def test_city_option_is_required(cap):
    assert run(["explain", str(C01)]) == 2


# ------------------------------------------------------------------------------------------ close_gap


def _res(city: str, total: str, lost: dict[str, str] | None = None, rank: int = 0) -> CityResult:
    """A city result whose items are the given losses (each item worth 10 points) plus full items."""
    items = {}
    for iid, lo in (lost or {}).items():
        items[iid] = ItemScore(iid, D(10) - D(lo), D(10), "原因")
    items["9.9.9"] = ItemScore("9.9.9", D(5), D(5), None)
    return CityResult(city, "苏南", items, {}, D(total), {}, CityRecord(city, "苏南", {}), rank)


def test_close_gap_none_for_the_first_city():
    rs = [_res("A", "80", rank=1), _res("B", "70", {"1": "3"}, rank=2)]
    assert close_gap(rs, "A") is None


def test_close_gap_none_for_a_city_tied_first():
    rs = [_res("A", "80", {"1": "1"}, rank=1), _res("B", "80", {"1": "2"}, rank=1), _res("C", "60", rank=3)]
    assert close_gap(rs, "B") is None


def test_close_gap_targets_the_nearest_city_above():
    rs = [_res("A", "90", rank=1), _res("B", "75", rank=2), _res("C", "70", {"1": "8"}, rank=3)]
    plan = close_gap(rs, "C")
    assert plan.above.city == "B"
    assert plan.gap == D("5.01")  # 75 − 70 + 0.01
    assert [s.id for s in plan.items] == ["1"]


def test_close_gap_fewest_items_largest_first():
    # gap 4.50 → need 4.51; losses 3, 2, 1.5, 1: no single item suffices, 3 + 2 = 5 does (two items)
    rs = [_res("A", "80.00", rank=1), _res("B", "75.50", {"a": "1.5", "b": "3", "c": "2", "d": "1"}, rank=2)]
    plan = close_gap(rs, "B")
    assert plan.gap == D("4.51")
    assert sorted(s.id for s in plan.items) == ["b", "c"]
    assert sum(s.lost for s in plan.items) >= plan.gap


def test_close_gap_a_tie_is_not_enough():
    # exactly the gap would only tie: 2.00 behind with 2.00 to recover is not a pass; 2.01 is
    rs = [_res("A", "72.00", rank=1), _res("B", "70.00", {"x": "2.00"}, rank=2)]
    plan = close_gap(rs, "B")
    assert plan.items == ()
    rs = [_res("A", "72.00", rank=1), _res("B", "70.00", {"x": "2.01"}, rank=2)]
    plan = close_gap(rs, "B")
    assert [s.id for s in plan.items] == ["x"]


def test_close_gap_when_everything_lost_is_not_enough():
    rs = [_res("A", "95", rank=1), _res("B", "60", {"x": "10", "y": "5"}, rank=2)]
    plan = close_gap(rs, "B")
    assert plan.above.city == "A"
    assert plan.gap == D("35.01")
    assert plan.items == ()


def test_close_gap_ignores_items_without_loss_and_cities_below():
    rs = [_res("A", "80", rank=1), _res("B", "79", {"x": "0", "y": "0.5", "z": "1"}, rank=2),
          _res("C", "10", {"q": "10"}, rank=3)]
    plan = close_gap(rs, "B")
    assert plan.above.city == "A"
    # need 1.01: z (1) alone is short, z + y (1.5) passes; x lost nothing and C is below B
    assert [s.id for s in plan.items] == ["z", "y"]
