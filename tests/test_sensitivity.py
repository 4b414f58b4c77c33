"""`jsscore sensitivity --vary …` (issue 5, part 5).

Only 2.2.1 (6 points: network coverage ≥ network_coverage_target) depends on network_coverage_target, so
a city's total at target t is its reference total (shared/cases/C01_wps_dimension_a1.expect.json, at the
default 0.95) minus its reference 2.2.1 plus 6 when its coverage reaches t. Coverage is computed here from
C01's own outlet counts, exactly, with fractions.
"""

from __future__ import annotations

import io
import json
import warnings
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pytest
from conftest import c01_coverage as coverage
from conftest import competition_ranks as ranks
from rich.console import Console

from jsscore import cli
from jsscore.analysis import VaryError, parse_vary, stability
from jsscore.cli import run
from jsscore.rubric import load

D = Decimal
CASES = Path(__file__).resolve().parent / "data"  # copies of ../shared/cases files (CI has no ../shared)
C01 = CASES / "C01_wps_dimension_a1.xlsx"
EXPECT = {c["city"]: c for c in json.loads((CASES / "C01_wps_dimension_a1.expect.json").read_text("utf-8"))["expected"]}
CITY_ORDER = ["南京市", "无锡市", "常州市", "苏州市", "镇江市", "南通市", "扬州市", "泰州市",
              "徐州市", "连云港市", "淮安市", "盐城市", "宿迁市"]
TARGETS = ["0.90", "0.95", "1.00"]




def hand() -> dict[str, tuple[dict[str, Decimal], dict[str, int]]]:
    """target → (totals, ranks) by hand."""
    cov = coverage()
    out = {}
    for t in TARGETS:
        totals = {}
        for city, e in EXPECT.items():
            old = D(e["items"]["2.2.1"])
            assert (old == 6) == (cov[city] >= Fraction(95, 100))  # reference and figures agree
            totals[city] = D(e["total"]) - old + (D(6) if cov[city] >= Fraction(D(t)) else D(0))
        out[t] = (totals, ranks(totals))
    return out


def test_hand_calculation_at_the_default_is_the_reference():
    totals, rk = hand()["0.95"]
    assert rk == {c: e["rank"] for c, e in EXPECT.items()}
    # spot values: 南京 coverage 1087/1178 = 92.3 % passes at 90 % only: 74.78 + 6 = 80.78, 2nd behind
    # 镇江 (1881/2080 = 90.4 %, 78.55 + 6 = 84.55); at 100 % 苏州 (1149/1166) loses its 6 points
    assert hand()["0.90"][0]["南京市"] == D("80.78") and hand()["0.90"][1]["南京市"] == 2
    assert hand()["1.00"][0]["苏州市"] == D("55.70")


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    d = tmp_path_factory.mktemp("sens")
    o = Console(record=True, width=200, file=io.StringIO())
    e = Console(record=True, width=200, file=io.StringIO())
    saved = cli.out, cli.err
    cli.out, cli.err = o, e
    try:
        rc = run(["sensitivity", str(C01), "--vary", "network_coverage_target=0.90:1.00:0.05", "-o", str(d / "s.xlsx")])
    finally:
        cli.out, cli.err = saved
    return SimpleNamespace(rc=rc, text=o.export_text(), err=e.export_text(), path=d / "s.xlsx")


def _sheet(wb, name):
    """The header row (the one naming the cities, under the title and parameter lines) and the rows below."""
    rows = [r for r in wb[name].iter_rows(values_only=True)]
    h = next(i for i, r in enumerate(rows) if r and r[0] in ("参数取值", "项目"))
    return rows[h], rows[h + 1:]


def test_three_scenarios_in_the_workbook(sweep):
    assert sweep.rc == 0, sweep.err
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(sweep.path)
    for name in ("各取值名次", "各取值总分", "名次稳定性"):
        assert name in wb.sheetnames
    want = hand()
    for name, idx in (("各取值名次", 1), ("各取值总分", 0)):
        head, rows = _sheet(wb, name)
        rows = [r for r in rows if r and r[0]]
        assert len(rows) == 3
        cities = list(head[1:])
        assert sorted(cities) == sorted(CITY_ORDER)
        for t, r in zip(TARGETS, rows, strict=True):
            assert f"={D(t) * 100:.0f}%" in str(r[0])  # 0.90 shown as 90%
            for city, v in zip(cities, r[1:], strict=True):
                exp = want[t][idx][city]
                if idx == 0:
                    assert D(str(v)) == exp, (t, city)
                else:
                    assert v == exp, (t, city)


def test_stability_sheet(sweep):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(sweep.path)
    head, rows = _sheet(wb, "名次稳定性")
    want = hand()
    # cities as columns (as on the other two sheets), one row per measure
    by = {r[0]: dict(zip(head[1:], r[1:], strict=True)) for r in rows if r and r[0]}
    assert set(head[1:]) == set(CITY_ORDER)
    for city in CITY_ORDER:
        rk = [want[t][1][city] for t in TARGETS]
        tot = [want[t][0][city] for t in TARGETS]
        assert by["最好名次"][city] == min(rk)
        assert by["最差名次"][city] == max(rk)
        assert by["名次变动"][city] == max(rk) - min(rk)
        assert D(str(by["最低总分"][city])) == min(tot)
        assert D(str(by["最高总分"][city])) == max(tot)


def test_console_table_rank_per_value(sweep):
    want = hand()
    lines = sweep.text.splitlines()
    for t in TARGETS:  # the column headers: the targets as percentages, as a user writes them
        assert f"{Decimal(t) * 100:.0f}%" in sweep.text
    for city in ("南京市", "苏州市", "镇江市"):
        line = next(ln for ln in lines if city in ln)
        cells = [c.strip() for c in line.replace("┃", "│").split("│") if c.strip()]
        assert cells[0] == city
        rk = [want[t][1][city] for t in TARGETS]
        assert [int(x) for x in cells[1:4]] == rk, line
        assert [int(x) for x in cells[4:6]] == [min(rk), max(rk)], line


def test_list_of_values_form(cap):
    # `参数=值1,值2`: two scenarios, ranks as by hand
    assert run(["sensitivity", str(C01), "--vary", "network_coverage_target=0.90,1.00"]) == 0
    lines = cap.out().splitlines()
    want = hand()
    line = next(ln for ln in lines if "南京市" in ln)
    cells = [c.strip() for c in line.split("│") if c.strip()]
    assert [int(x) for x in cells[1:3]] == [want["0.90"][1]["南京市"], want["1.00"][1]["南京市"]]


@pytest.mark.parametrize("vary", [
    "network_coverage_target=1.00:0.90:0.05",  # stop below start
    "network_coverage_target=0.90:1.00:0",  # zero step
    "network_coverage_target=0.90:1.20:0.10",  # 1.10 and 1.20 are not percentages ≤ 100 %
    "no_such_parameter=1:2:1",
    "network_coverage_target",  # no =
    "network_coverage_target=a:b:c",
    "rank_method=olympic",
])
def test_bad_vary_is_a_usage_error(cap, tmp_path, vary):
    out = tmp_path / "s.xlsx"
    assert run(["sensitivity", str(C01), "--vary", vary, "-o", str(out)]) == 2
    assert not out.exists()
    assert cap.err().strip()


def test_vary_is_required(cap):
    assert run(["sensitivity", str(C01)]) == 2


def test_parse_vary_inclusive_range():
    rb = load()
    key, vals = parse_vary(rb, "network_coverage_target=0.90:1.00:0.05")
    assert key == "network_coverage_target"
    assert [D(v) for v in vals] == [D("0.90"), D("0.95"), D("1.00")]
    key, vals = parse_vary(rb, "staff_min.苏北=6:9:1")
    assert [D(v) for v in vals] == [6, 7, 8, 9]
    with pytest.raises(VaryError):
        parse_vary(rb, "network_coverage_target=0.9:1.0:-0.1")
    # one value written three ways is one scenario
    assert parse_vary(rb, "network_coverage_target=90%,0.9,0.90,1") == ("network_coverage_target", ["90%", "1"])
    # a percentage parameter's range may be written in percent, as --param accepts 95%
    key, vals = parse_vary(rb, "network_coverage_target=90%:100%:5%")
    assert [D(v) for v in vals] == [D("0.90"), D("0.95"), D("1.00")]


def test_console_tables_fit_80_columns(monkeypatch):
    # 11 × 2 = 22 scenarios do not fit one 80-column table: the columns are split over several tables,
    # every line fits, every scenario #1…#22 is shown, and the stability columns are still there
    from rich.cells import cell_len

    buf = io.StringIO()
    monkeypatch.setattr(cli, "out", Console(file=buf, width=80))
    assert run(["sensitivity", str(C01), "--vary", "network_coverage_target=0.90:1.00:0.01",
                "--vary", "upload_rate_target=0.9,0.95"]) == 0
    text = buf.getvalue()
    assert max(cell_len(ln) for ln in text.splitlines()) <= 80
    for i in range(1, 23):
        assert f"#{i} " in text and f"#{i}：" in text
    assert "最好" in text and "结论" in text and "网络覆盖率达标线（network_coverage_target）" in text
    assert "共 22 种组合" in text


def test_stability_summary_by_hand():
    from jsscore.analysis import Scenario

    s = [Scenario((("k", "1"),), {"A": (1, D(90)), "B": (2, D(80)), "C": (3, D(70))}),
         Scenario((("k", "2"),), {"A": (1, D(91)), "B": (3, D(60)), "C": (2, D(75))}),
         Scenario((("k", "3"),), {"A": (1, D(92)), "B": (3, D(50)), "C": (2, D(65))})]
    st = stability(s)
    assert (st["A"]["best"], st["A"]["worst"], st["A"]["spread"]) == (1, 1, 0)
    assert (st["B"]["best"], st["B"]["worst"], st["B"]["low"], st["B"]["high"]) == (2, 3, D(50), D(80))
    assert st["C"]["spread"] == 1
    assert st["A"]["verdict"] != st["B"]["verdict"]


def test_sweep_progress_bar_counts_every_scenario(tmp_path, monkeypatch):
    """At a terminal the sweep shows the same progress bar as score, counting the 3 scenarios of
    0.90:1.00:0.05 (0.90, 0.95, 1.00) to the end; piped, nothing of it is printed."""

    def run_with(terminal: bool) -> str:
        buf = io.StringIO()
        monkeypatch.setattr(cli, "out", Console(file=buf, force_terminal=terminal, width=120))
        assert run(["sensitivity", str(C01), "--vary", "network_coverage_target=0.90:1.00:0.05"]) == 0
        return buf.getvalue()

    monkeypatch.setattr(cli, "PROGRESS_DELAY", 0)
    shown = run_with(True)
    assert "正在敏感性分析" in shown and "已用时" in shown
    piped = run_with(False)
    assert "正在敏感性分析" not in piped and "已用时" not in piped  # the bar's own columns


# ---------------------------------------------------------------------------------------------- workbook layout


def _book(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return openpyxl.load_workbook(path)


def test_workbook_prints_landscape_one_page_wide_with_header_rows(sweep):
    wb = _book(sweep.path)
    for ws in wb:
        assert ws.page_setup.orientation == "landscape", ws.title
        pr = ws.sheet_properties.pageSetUpPr
        assert pr is not None and pr.fitToPage, ws.title
        assert (ws.page_setup.fitToWidth or 1, ws.page_setup.fitToHeight) == (1, 0), ws.title  # absent = 1
        head_row = next(r for r in range(1, 10) if ws.cell(r, 1).value in ("参数取值", "项目"))
        assert ws.print_title_rows and ws.print_title_rows.replace("$", "") == f"{head_row}:{head_row}", ws.title


def test_cities_are_columns_in_the_same_order_on_every_sheet(sweep):
    wb = _book(sweep.path)
    heads = [list(_sheet(wb, name)[0][1:]) for name in ("各取值名次", "各取值总分", "名次稳定性")]
    assert heads == [CITY_ORDER] * 3
    _, rows = _sheet(wb, "名次稳定性")
    assert [r[0] for r in rows if r and r[0]] == ["最好名次", "最差名次", "名次变动", "最低总分", "最高总分", "结论"]
    for r in rows:
        if r[0] in ("最好名次", "最差名次", "名次变动"):
            assert all(isinstance(v, int) for v in r[1:]), r


def test_title_parameters_and_chinese_row_labels(sweep):
    wb = _book(sweep.path)
    for ws in wb:
        assert str(ws["A1"].value).startswith("参数敏感性分析")
        info = str(ws["A2"].value)
        assert "网络覆盖率达标线（network_coverage_target）" in info
        assert "90%、95%、100%" in info and "默认 95%" in info
    _, rows = _sheet(wb, "各取值名次")
    labels = [r[0] for r in rows if r and r[0]]
    assert labels == ["网络覆盖率达标线=90%", "网络覆盖率达标线=95%（默认）", "网络覆盖率达标线=100%"]
    assert not any("network_coverage_target" in x for x in labels)


def test_write_states_rubric_version_and_fixed_overrides(tmp_path):
    from jsscore.analysis import Scenario
    from jsscore.report import sensitivity as sens

    rb = load()
    cities = CITY_ORDER[:3]
    scen = [Scenario((("upload_rate_target", v), ("rank_method", m)), {c: (i + 1, D(90 - i)) for i, c in enumerate(cities)})
            for v in ("0.9", "0.95") for m in ("competition", "dense")]
    path = tmp_path / "s.xlsx"
    sens.write(path, scen, stability(scen), cities, rubric=rb,
               fixed=["network_coverage_target=0.98", "staff_min.苏北=9", "upload_rate_target=0.5"])
    wb = _book(path)
    info = str(wb["各取值名次"]["A2"].value)
    assert f"规则版本 {rb.version}" in info and rb.title in info
    # the fixed overrides with their labels; one that a varied parameter overrides is not listed
    assert "固定调整的参数：网络覆盖率达标线=98%；市级信息化编制最低数（苏北）=9" in info
    assert "50%" not in info
    assert "其余参数均取默认值" not in info
    _, rows = _sheet(wb, "各取值名次")
    labels = [r[0] for r in rows if r and r[0]]
    assert labels == ["数据上传率达标线（五险均须达到）=90%；并列名次规则=竞争排名",
                      "数据上传率达标线（五险均须达到）=90%；并列名次规则=中国式排名",
                      "数据上传率达标线（五险均须达到）=95%；并列名次规则=竞争排名（默认）",
                      "数据上传率达标线（五险均须达到）=95%；并列名次规则=中国式排名"]
    # no overrides: the workbook says so
    sens.write(path, scen, stability(scen), cities, rubric=rb, fixed=[])
    assert "其余参数均取默认值" in str(_book(path)["各取值名次"]["A2"].value)


def test_the_same_parameter_varied_twice_is_a_usage_error(cap, tmp_path):
    # two --vary for one parameter would overwrite each other silently: refused, nothing computed or written
    out = tmp_path / "s.xlsx"
    assert run(["sensitivity", str(C01), "--vary", "network_coverage_target=0.9,0.95",
                "--vary", "network_coverage_target=1", "-o", str(out)]) == 2
    assert "network_coverage_target 用 --vary 给了不止一次" in cap.err().replace("\n", "").replace("│", "")
    assert not out.exists()


def test_an_output_over_the_input_is_refused_before_the_tables(cap, tmp_path):
    src = tmp_path / "in.xlsx"
    src.write_bytes(C01.read_bytes())
    assert run(["sensitivity", str(src), "--vary", "network_coverage_target=0.9,0.95", "-o", str(src)]) == 2
    assert "各取值下的名次" not in cap.out()
    assert src.read_bytes() == C01.read_bytes()
