"""`jsscore rubric show | export | check` and `--rubric EDITED.toml` (issue 5, part 4).

Edited rubrics are made from the exported text by exact string replacements (each asserted to hit once).
Expected scores of the edited rubrics on the clean case C01 are derived by hand from the hand-checked
item scores in shared/cases/C01_wps_dimension_a1.expect.json and from C01's own figures (network
coverage = Σ connected / Σ total outlets, read from the file here with openpyxl).
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from conftest import c01_coverage as coverage
from conftest import competition_ranks as ranks

from jsscore.cli import run

D = Decimal
ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "jsscore" / "rubric" / "jiangsu.toml"
CASES = ROOT / "tests" / "data"  # copies of the shared real-world cases the tests use (CI has no ../shared)
C01 = CASES / "C01_wps_dimension_a1.xlsx"
EXPECT = json.loads((CASES / "C01_wps_dimension_a1.expect.json").read_text(encoding="utf-8"))["expected"]
CITY_ORDER = ["南京市", "无锡市", "常州市", "苏州市", "镇江市", "南通市", "扬州市", "泰州市",
              "徐州市", "连云港市", "淮安市", "盐城市", "宿迁市"]

ITEM_IDS = ["1.1.1", "1.1.2a", "1.1.2b", "1.1.3a", "1.1.3b", "1.2.1", "1.2.2", "1.2.3", "1.3.1", "1.3.2", "1.3.3",
            "2.1.1", "2.1.2", "2.2.1", "2.3.1", "2.3.2", "2.3.3", "3.1.1", "3.1.2", "3.2.1", "3.3.1", "3.4.1",
            "3.5.1", "3.5.2", "3.5.3", "4.1.1", "4.2.1", "4.3.1", "5.1.1", "5.2.1", "5.2.2", "6.1.1", "6.2.1",
            "6.3.1", "6.3.2", "6.3.3"]
# RUBRIC.md "Parameters": key → default as shown
PARAMS = {"staff_min.苏南": "15", "staff_min.苏中": "10", "staff_min.苏北": "8", "funding_per_insured_yuan": "3",
          "dc_concentration_target": "1", "network_coverage_target": "0.95", "upload_rate_target": "0.95",
          "website_full": "100", "hotline_full": "100", "rank_method": "competition"}


def edit(dst: Path, *pairs: tuple[str, str]) -> Path:
    text = SHIPPED.read_text(encoding="utf-8")
    for old, new in pairs:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    dst.write_text(text, encoding="utf-8")
    return dst


def line_of(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    hits = [n for n, ln in enumerate(lines, start=1) if needle in ln]
    assert len(hits) == 1, (needle, hits)
    return hits[0]


def _has_id(text: str, iid: str) -> bool:
    return re.search(rf"(?<![\d.]){re.escape(iid)}(?![\d.\w])", text) is not None




def score_json(tmp_path: Path, *extra: str) -> tuple[int, dict | None]:
    jp = tmp_path / "r.json"
    rc = run(["score", str(C01), "-o", str(tmp_path / "r.xlsx"), "--json", str(jp), "-q", "-f", *extra])
    return rc, (json.loads(jp.read_text(encoding="utf-8")) if jp.exists() else None)


# ------------------------------------------------------------------------------------------ show


def test_show_tree_has_every_item_and_parameter(cap):
    assert run(["rubric", "show"]) == 0
    text = cap.out()
    for iid in ITEM_IDS:
        assert _has_id(text, iid), iid
    for cat, mx in {"管理机制": 17, "基础平台": 20, "应用系统": 23, "社会保障卡": 15, "资源开发": 10, "公共服务": 15}.items():
        assert re.search(rf"{cat}\D*{mx}\s*分", text), cat
    for key, default in PARAMS.items():
        line = next((ln for ln in text.splitlines() if key in ln), None)
        assert line is not None, key
        assert re.search(rf"(?<![\d.]){re.escape(default)}(?![\d])", line), (key, line)
    # 2.2.1's rule in Chinese, with the parameter value in force
    line = next(ln for ln in text.splitlines() if _has_id(ln, "2.2.1"))
    assert "6 分" in line and "95%" in line


def test_show_uses_an_edited_rubric(cap, tmp_path):
    p = edit(tmp_path / "e.toml", ('key = "network_coverage_target"\nlabel = "网络覆盖率达标线"\ntype = "pct"\n'
                                   'default = "0.95"', 'key = "network_coverage_target"\nlabel = "网络覆盖率达标线"\n'
                                   'type = "pct"\ndefault = "0.90"'))
    assert run(["rubric", "show", "--rubric", str(p)]) == 0
    line = next(ln for ln in cap.out().splitlines() if "network_coverage_target" in ln)
    assert "0.9" in line and "0.95" not in line


# ------------------------------------------------------------------------------------------ export


def test_export_writes_the_shipped_rubric_byte_for_byte(cap, tmp_path):
    p = tmp_path / "规则.toml"
    assert run(["rubric", "export", str(p)]) == 0
    assert p.read_bytes() == SHIPPED.read_bytes()


def test_export_never_overwrites_without_force(cap, tmp_path):
    p = tmp_path / "规则.toml"
    p.write_text("mine", encoding="utf-8")
    assert run(["rubric", "export", str(p)]) == 0
    assert p.read_text(encoding="utf-8") == "mine"
    others = [q for q in tmp_path.iterdir() if q != p]
    assert len(others) == 1 and others[0].read_bytes() == SHIPPED.read_bytes()
    assert run(["rubric", "export", str(p), "--force"]) == 0
    assert p.read_bytes() == SHIPPED.read_bytes()


def test_export_of_an_edited_rubric_round_trips(cap, tmp_path):
    e = edit(tmp_path / "e.toml", ('version = "2026.1"', 'version = "2027.0"'))
    out = tmp_path / "again.toml"
    assert run(["rubric", "export", str(out), "--rubric", str(e)]) == 0
    assert out.read_bytes() == e.read_bytes()


# ------------------------------------------------------------------------------------------ --rubric


def test_edited_network_target_changes_scores_as_hand_calculated(cap, tmp_path):
    p = edit(tmp_path / "e.toml", ('type = "pct"\ndefault = "0.95"\nmin = "0"\nmax = "1"\n\n[[parameters]]\n'
                                   'key = "upload_rate_target"',
                                   'type = "pct"\ndefault = "0.90"\nmin = "0"\nmax = "1"\n\n[[parameters]]\n'
                                   'key = "upload_rate_target"'))
    assert 'default = "0.95"' in p.read_text(encoding="utf-8")  # upload_rate_target keeps its 0.95
    rc, doc = score_json(tmp_path, "--rubric", str(p))
    assert rc == 0
    cov = coverage()
    want_items, want_total = {}, {}
    for c in EXPECT:
        old = D(c["items"]["2.2.1"])
        assert (old == 6) == (cov[c["city"]] >= Fraction(95, 100))  # the reference agrees with the figures
        new = D(6) if cov[c["city"]] >= Fraction(90, 100) else D(0)
        want_items[c["city"]] = new
        want_total[c["city"]] = D(c["total"]) - old + new
    assert any(want_items[c] != D(e["items"]["2.2.1"]) for e in EXPECT for c in [e["city"]])  # the edit matters
    want_rank = ranks(want_total)
    got = {c["city"]: c for c in doc["cities"]}
    for city in CITY_ORDER:
        assert D(str(got[city]["items"]["2.2.1"])) == want_items[city], city
        assert D(str(got[city]["total"])) == want_total[city], city
        assert got[city]["rank"] == want_rank[city], city
    assert doc["rubric"]["parameters"]["network_coverage_target"] == pytest.approx(0.90)
    assert doc["rubric"]["sha256"] == hashlib.sha256(p.read_bytes()).hexdigest()


def test_edited_points_change_scores_as_hand_calculated(cap, tmp_path):
    # 2.2.1 worth 5 instead of 6, 2.1.1 worth 9 instead of 8; their work items follow; 基础平台 stays 20
    p = edit(tmp_path / "pts.toml",
             ('name = "网络系统"\n  max = 6', 'name = "网络系统"\n  max = 5'),
             ('id = "2.2.1"\n    name = "网络覆盖率达标"\n    max = 6', 'id = "2.2.1"\n    name = "网络覆盖率达标"\n    max = 5'),
             ('name = "数据中心"\n  max = 10', 'name = "数据中心"\n  max = 11'),
             ('id = "2.1.1"\n    name = "数据中心涵盖市本级各项业务"\n    max = 8',
              'id = "2.1.1"\n    name = "数据中心涵盖市本级各项业务"\n    max = 9'))
    rc, doc = score_json(tmp_path, "--rubric", str(p))
    assert rc == 0
    got = {c["city"]: c for c in doc["cities"]}
    want_total = {}
    for c in EXPECT:
        i = c["items"]
        n221 = D(5) if D(i["2.2.1"]) == 6 else D(0)
        n211 = D(9) if D(i["2.1.1"]) == 8 else D(0)
        want_total[c["city"]] = D(c["total"]) - D(i["2.2.1"]) - D(i["2.1.1"]) + n221 + n211
        g = got[c["city"]]
        assert D(str(g["items"]["2.2.1"])) == n221
        assert D(str(g["items"]["2.1.1"])) == n211
        assert D(str(g["categories"]["基础平台"])) == D(c["categories"]["基础平台"]) - D(i["2.2.1"]) - D(i["2.1.1"]) + n221 + n211
    want_rank = ranks(want_total)
    for city in CITY_ORDER:
        assert D(str(got[city]["total"])) == want_total[city], city
        assert got[city]["rank"] == want_rank[city], city


# ------------------------------------------------------------------------------------------ broken rubrics


def _lines_cited(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"第\s*(\d+)\s*行", text)]


def test_toml_syntax_error_names_its_line(cap, tmp_path):
    p = edit(tmp_path / "bad.toml", ('id = "1.1.1"\n', 'id = "1.1.1\n'))
    n = line_of(p, 'id = "1.1.1')
    assert run(["score", str(C01), "--rubric", str(p), "-o", str(tmp_path / "r.xlsx")]) == 2
    assert n in _lines_cited(cap.err())
    assert not (tmp_path / "r.xlsx").exists()


def test_unknown_method_names_the_line_of_its_item(cap, tmp_path):
    p = edit(tmp_path / "bad.toml", ('    method = "threshold"\n    derived = "network_coverage"\n',
                                     '    method = "thresholdx"\n    derived = "network_coverage"\n'))
    first, last = line_of(p, 'id = "2.2.1"'), line_of(p, '"thresholdx"')
    for argv in (["score", str(C01), "-o", str(tmp_path / "r.xlsx")], ["rubric", "show"], ["validate", str(C01)],
                 ["template", "-o", str(tmp_path / "t.xlsx")]):
        assert run([*argv, "--rubric", str(p)]) == 2, argv
    cited = _lines_cited(cap.err())
    assert cited and all(first <= n <= last for n in cited), (cited, first, last)
    assert "2.2.1" in cap.err() and "thresholdx" in cap.err()
    assert not (tmp_path / "r.xlsx").exists() and not (tmp_path / "t.xlsx").exists()


def test_points_that_do_not_add_up_name_the_line(cap, tmp_path):
    p = edit(tmp_path / "bad.toml", ('id = "2.2.1"\n    name = "网络覆盖率达标"\n    max = 6',
                                     'id = "2.2.1"\n    name = "网络覆盖率达标"\n    max = 5'))
    first = line_of(p, 'name = "网络系统"')
    last = first + 6  # … down to the edited `max = 5` of 2.2.1
    assert p.read_text(encoding="utf-8").splitlines()[last - 1].strip() == "max = 5"
    assert run(["score", str(C01), "--rubric", str(p), "-o", str(tmp_path / "r.xlsx")]) == 2
    cited = _lines_cited(cap.err())
    assert cited and all(first <= n <= last for n in cited), cited
    # `rubric check` on it reports the same problem (README: check looks at points adding up) and fails
    assert run(["rubric", "check", str(p)]) != 0
    assert "5" in cap.err() + cap.out()


def test_a_missing_rubric_file_is_exit_2(cap, tmp_path):
    assert run(["rubric", "show", "--rubric", str(tmp_path / "none.toml")]) == 2


# ------------------------------------------------------------------------------------------ check


def test_check_flags_331_on_the_shipped_rubric(cap):
    # a finding is a 提醒: the rubric is usable (exit 0) unless --strict asks for exit 1
    assert run(["rubric", "check", "--strict"]) == 1
    text = cap.out()
    assert _has_id(text, "3.3.1")
    # 3.3.1: 4 − 1 × 3 (all three lr_* missing) = 1 point for doing nothing
    line = next(ln for ln in text.splitlines() if _has_id(ln, "3.3.1"))
    assert re.search(r"(?<![\d.])1\s*分", line), line
    # 1.2.3 (1 − 0.5 × 3 → 0) and 4.3.1 (3 − 1 × 3 = 0) reach 0: not flagged; nothing else is either
    for iid in ITEM_IDS:
        if iid != "3.3.1":
            assert not _has_id(text, iid), iid


def test_check_with_explicit_path_of_the_shipped_rubric(cap):
    assert run(["rubric", "check", str(SHIPPED)]) == 0
    assert "可以使用；另有 1 条提醒" in cap.out()
    assert run(["rubric", "check", str(SHIPPED), "--strict"]) == 1


def test_check_flags_unused_parameter_and_unreachable_full_marks(cap, tmp_path):
    p = edit(tmp_path / "lint.toml",
             ('tiers = { "全市" = "4", "市本级" = "2", "未实现" = "0" }',
              'tiers = { "全市" = "3", "市本级" = "2", "未实现" = "0" }'),
             ("[[parameters]]\nkey = \"funding_per_insured_yuan\"",
              "[[parameters]]\nkey = \"spare_threshold\"\nlabel = \"备用阈值\"\ntype = \"decimal\"\ndefault = \"1\"\n\n"
              "[[parameters]]\nkey = \"funding_per_insured_yuan\""))
    tomllib.loads(p.read_text(encoding="utf-8"))  # still valid TOML
    assert run(["rubric", "check", str(p), "--strict"]) == 1
    text = cap.out()
    assert "spare_threshold" in text
    line = next(ln for ln in text.splitlines() if _has_id(ln, "3.1.1"))
    assert "3" in line and "4" in line  # top tier 3 of a 4-point item
    assert _has_id(text, "3.3.1")


def test_check_flags_a_deduction_floor_above_zero(cap, tmp_path):
    # 1.2.3 with 0.2 per missing rule: 1 − 0.2 × 3 = 0.4 for doing nothing
    p = edit(tmp_path / "floor.toml", ('fields = ["om_db", "om_network", "om_security"]\n    deduct = "0.5"',
                                       'fields = ["om_db", "om_network", "om_security"]\n    deduct = "0.2"'))
    assert run(["rubric", "check", str(p), "--strict"]) == 1
    line = next(ln for ln in cap.out().splitlines() if _has_id(ln, "1.2.3"))
    assert "0.4" in line


def test_check_flags_a_target_above_100_percent(cap, tmp_path):
    # 2.1.1 compares a share of three yes/no answers (at most 100 %) with 1.5: never reachable
    p = edit(tmp_path / "t.toml", ('derived = "dc_city_concentration"\n    target = "dc_concentration_target"',
                                   'derived = "dc_city_concentration"\n    target = "1.5"'))
    assert run(["rubric", "check", str(p), "--strict"]) == 1
    assert _has_id(cap.out(), "2.1.1")


def test_check_clean_rubric_exits_0(cap, tmp_path):
    # the shipped rubric's only quirk removed: 3.3.1 with 2 off per missing system (4 − 2 × 3 → 0)
    p = edit(tmp_path / "ok.toml", ('fields = ["lr_inspection", "lr_arbitration", "lr_employment_filing"]\n    deduct = "1"',
                                    'fields = ["lr_inspection", "lr_arbitration", "lr_employment_filing"]\n    deduct = "2"'))
    assert run(["rubric", "check", str(p)]) == 0


def test_check_refuses_a_default_outside_its_own_range(cap, tmp_path):
    # network_coverage_target: max 1 (100 %), default written as 1.5 — a value --param would refuse
    p = edit(tmp_path / "d.toml", ('default = "0.95"\nmin = "0"\nmax = "1"\n\n[[parameters]]\nkey = "upload_rate_target"',
                                   'default = "1.5"\nmin = "0"\nmax = "1"\n\n[[parameters]]\nkey = "upload_rate_target"'))
    assert run(["rubric", "check", str(p)]) == 1
    key_line = line_of(p, 'key = "network_coverage_target"')
    assert f"第 {key_line} 行" in cap.out()
    assert "network_coverage_target 的默认值 1.5 超出它自己的取值范围" in cap.out()


def test_check_refuses_a_negative_deduction(cap, tmp_path):
    # 1.2.3 with −0.5 per missing rule would add points for what is missing
    p = edit(tmp_path / "n.toml", ('fields = ["om_db", "om_network", "om_security"]\n    deduct = "0.5"',
                                   'fields = ["om_db", "om_network", "om_security"]\n    deduct = "-0.5"'))
    assert run(["rubric", "check", str(p)]) == 1
    assert "1.2.3" in cap.out() and "deduct 须大于 0" in cap.out()
