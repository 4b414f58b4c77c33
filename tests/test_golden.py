"""Golden test: the illustrative sample in sample_data/ scored end to end through the CLI.

Every expected figure below was calculated by hand from the figures in sample_data/make_sample.py and
the rules of shared/spec/RUBRIC.md (never copied from the tool's output): each item a city does not
earn in full is listed with its arithmetic; every other item is at its maximum. Items are rounded
half-up to 2 places; a category is the sum of its rounded items; the total the sum of categories.
"""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import json
import re
import sys
import warnings
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import openpyxl
import pytest

from jsscore.cli import run

D = Decimal
ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data"
XLSX = SAMPLE / "jiangsu_2026_sample.xlsx"
CSV = SAMPLE / "jiangsu_2026_sample.csv"

SHEETS = ["排名汇总", "分项得分", "扣分明细", "派生指标", "填报数据", "问题清单", "规则与参数"]
CATEGORIES = {"1": "管理机制", "2": "基础平台", "3": "应用系统", "4": "社会保障卡", "5": "资源开发", "6": "公共服务"}

# The 36 item ids and their maxima (RUBRIC.md "Items").
ITEM_MAX = {
    "1.1.1": D(2), "1.1.2a": D(2), "1.1.2b": D(2), "1.1.3a": D(1), "1.1.3b": D(1), "1.2.1": D(2), "1.2.2": D(1),
    "1.2.3": D(1), "1.3.1": D(1), "1.3.2": D(3), "1.3.3": D(1),
    "2.1.1": D(8), "2.1.2": D(2), "2.2.1": D(6), "2.3.1": D(2), "2.3.2": D(1), "2.3.3": D(1),
    "3.1.1": D(4), "3.1.2": D(4), "3.2.1": D(5), "3.3.1": D(4), "3.4.1": D(3), "3.5.1": D(1), "3.5.2": D(1),
    "3.5.3": D(1),
    "4.1.1": D(6), "4.2.1": D(6), "4.3.1": D(3),
    "5.1.1": D(5), "5.2.1": D(3), "5.2.2": D(2),
    "6.1.1": D(5), "6.2.1": D(5), "6.3.1": D(2), "6.3.2": D(1), "6.3.3": D(2),
}

# Per city, in expected rank order: region, the items below their maximum (hand arithmetic in the
# comments), the six category scores (管理机制 17, 基础平台 20, 应用系统 23, 社会保障卡 15, 资源开发 10,
# 公共服务 15) and the total.
EXPECTED: dict[str, dict] = {
    "苏州市": dict(
        rank=1, region="苏南",
        lost={
            "6.1.1": D("4.87"),  # 5 × 97.3 / 100 = 4.865 → 4.87 (half-up; banker's rounding would give 4.86)
            "6.2.1": D("4.81"),  # 5 × 96.1 / 100 = 4.805 → 4.81
        },
        # 公共服务 4.87 + 4.81 + 2 + 1 + 2 = 14.68
        cats=(D(17), D(20), D(23), D(15), D(10), D("14.68")),
        total=D("99.68"),  # 17 + 20 + 23 + 15 + 10 + 14.68
    ),
    "南京市": dict(
        rank=2, region="苏南",
        lost={
            "1.1.3b": D("0.82"),  # 1 × 9/11 = 0.8181… → 0.82
            "4.3.1": D(2),  # 3 − 1 × 1 (card_use_lr 否)
            "6.1.1": D("4.83"),  # 5 × 96.5 / 100 = 4.825 → 4.83 (half-up)
            "6.2.1": D("4.70"),  # 5 × 94 / 100 = 4.7
        },
        # 管理机制 17 − 0.18 = 16.82; 社保卡 6 + 6 + 2 = 14; 公共服务 4.83 + 4.70 + 5 = 14.53
        cats=(D("16.82"), D(20), D(23), D(14), D(10), D("14.53")),
        total=D("98.35"),  # 16.82 + 20 + 23 + 14 + 10 + 14.53
    ),
    "无锡市": dict(
        rank=3, region="苏南",
        lost={
            "1.2.3": D("0.5"),  # 1 − 0.5 × 1 (om_security 否)
            "3.4.1": D(2),  # integration_count 2
            "3.5.3": D(0),  # xr_medical_settlement 否
            "6.1.1": D("4.56"),  # 5 × 91.2 / 100
            "6.2.1": D("4.78"),  # 5 × 95.5 / 100 = 4.775 → 4.78
        },
        # 5.1.1 kept: lowest upload rate 95.0% = target 95% → 5.
        # 管理机制 17 − 0.5; 应用系统 23 − 1 − 1 = 21; 公共服务 4.56 + 4.78 + 5 = 14.34
        cats=(D("16.5"), D(20), D(21), D(15), D(10), D("14.34")),
        total=D("96.84"),  # 16.5 + 20 + 21 + 15 + 10 + 14.34
    ),
    "南通市": dict(
        rank=4, region="苏中",
        lost={
            "1.1.3b": D("0.86"),  # 6/7 = 0.857142… → 0.86
            "2.3.3": D(0),  # digital_cert 否
            "5.2.1": D(0),  # data_monitoring 否
            "6.1.1": D("4.50"),  # 5 × 90 / 100
            "6.2.1": D("4.63"),  # 5 × 92.5 / 100 = 4.625 → 4.63 (half-up; banker's would give 4.62)
        },
        # 4.1.1 kept: card holders 7,260,000 = target 7,260,000 → rate 1 → 6.
        # 管理机制 17 − 0.14 = 16.86; 基础平台 20 − 1; 资源开发 10 − 3; 公共服务 4.50 + 4.63 + 5 = 14.13
        cats=(D("16.86"), D(19), D(23), D(15), D(7), D("14.13")),
        total=D("94.99"),  # 16.86 + 19 + 23 + 15 + 7 + 14.13
    ),
    "徐州市": dict(
        rank=5, region="苏北",
        lost={
            "1.1.3b": D("0.70"),  # 7/10
            "1.2.2": D(0),  # requirements_mgmt 否
            "1.2.3": D("0.5"),  # om_network 否: 1 − 0.5
            "3.1.1": D(2),  # si_centralization 市本级
            "3.5.3": D(0),  # xr_medical_settlement 否
            "6.1.1": D("4.40"),  # 5 × 88 / 100
            "6.2.1": D("4.57"),  # 5 × 91.3 / 100 = 4.565 → 4.57
        },
        # 1.1.2a kept: staff 8 = 苏北 minimum 8 → 2.
        # 管理机制 17 − 0.3 − 1 − 0.5 = 15.2; 应用系统 23 − 2 − 1 = 20; 公共服务 4.40 + 4.57 + 5 = 13.97
        cats=(D("15.2"), D(20), D(20), D(15), D(10), D("13.97")),
        total=D("94.17"),  # 15.2 + 20 + 20 + 15 + 10 + 13.97
    ),
    "镇江市": dict(
        rank=6, region="苏南",
        lost={
            "1.1.2a": D(0),  # staff 12 < 苏南 15
            "1.1.3b": D("0.67"),  # 4/6 = 0.666… → 0.67
            "3.3.1": D(3),  # 4 − 1 × 1 (lr_employment_filing 否)
            "3.4.1": D(2),  # integration_count 2
            "6.1.1": D("4.25"),  # 5 × 85 / 100
            "6.2.1": D("4.44"),  # 5 × 88.8 / 100
            "6.3.2": D(0),  # grassroots_services 否
        },
        # 管理机制 17 − 2 − 0.33 = 14.67; 应用系统 23 − 1 − 1 = 21; 公共服务 4.25 + 4.44 + 2 + 0 + 2 = 12.69
        cats=(D("14.67"), D(20), D(21), D(15), D(10), D("12.69")),
        total=D("93.36"),  # 14.67 + 20 + 21 + 15 + 10 + 12.69
    ),
    "常州市": dict(
        rank=7, region="苏南",
        lost={
            "1.1.3b": D("0.83"),  # 5/6 = 0.8333… → 0.83
            "2.3.1": D(0),  # dr_center 否
            "3.1.2": D(2),  # rural_urban_si_deploy 市平台集中并向省交换
            "5.2.2": D(0),  # fund_supervision 否
            "6.1.1": D("4.47"),  # 5 × 89.4 / 100
            "6.2.1": D("4.53"),  # 5 × 90.6 / 100
        },
        # 2.2.1 kept: (12 + 40 + 58 + 650) / (12 + 44 + 61 + 683) = 760/800 = 95.00% = target → 6.
        # 管理机制 17 − 0.17 = 16.83; 基础平台 20 − 2; 应用系统 23 − 2; 资源开发 10 − 2; 公共服务 4.47 + 4.53 + 5 = 14
        cats=(D("16.83"), D(18), D(21), D(15), D(8), D(14)),
        total=D("92.83"),  # 16.83 + 18 + 21 + 15 + 8 + 14
    ),
    "淮安市": dict(
        rank=8, region="苏北",
        lost={
            "1.1.3b": D("0.71"),  # 5/7 = 0.714285… → 0.71
            "1.3.3": D(0),  # std_security 否
            "2.2.1": D(0),  # (12 + 38 + 95 + 804) / (12 + 40 + 98 + 850) = 949/1000 = 94.9% < 95%
            "2.3.2": D(0),  # security_level_protection 否
            "3.4.1": D(2),  # integration_count 2
            "6.1.1": D("4.22"),  # 5 × 84.3 / 100 = 4.215 → 4.22
            "6.2.1": D("4.35"),  # 5 × 86.9 / 100 = 4.345 → 4.35 (half-up; banker's would give 4.34)
        },
        # 管理机制 17 − 0.29 − 1 = 15.71; 基础平台 20 − 6 − 1 = 13; 应用系统 23 − 1; 公共服务 4.22 + 4.35 + 5 = 13.57
        cats=(D("15.71"), D(13), D(22), D(15), D(10), D("13.57")),
        total=D("89.28"),  # 15.71 + 13 + 22 + 15 + 10 + 13.57
    ),
    "扬州市": dict(
        rank=9, region="苏中",
        lost={
            "1.1.3a": D("0.83"),  # 5/6 → 0.83
            "1.1.3b": D("0.67"),  # 4/6 → 0.67
            "3.1.2": D(2),  # 市平台集中并向省交换
            "3.4.1": D(2),  # integration_count 2
            "4.1.1": D(0),  # 4,380,000 / 4,450,000 = 0.9843 < 1
            "4.3.1": D(2),  # 3 − 1 (card_use_hr 否)
            "6.1.1": D("4.33"),  # 5 × 86.6 / 100
            "6.2.1": D("4.50"),  # 5 × 89.9 / 100 = 4.495 → 4.50
        },
        # 1.1.2b kept: 549 万元 × 10000 / (1,830,000 × 3 元) = 5,490,000 / 5,490,000 = 1 → 2.
        # 管理机制 17 − 0.17 − 0.33 = 16.5; 应用系统 23 − 2 − 1 = 20; 社保卡 0 + 6 + 2 = 8;
        # 公共服务 4.33 + 4.50 + 5 = 13.83
        cats=(D("16.5"), D(20), D(20), D(8), D(10), D("13.83")),
        total=D("88.33"),  # 16.5 + 20 + 20 + 8 + 10 + 13.83
    ),
    "盐城市": dict(
        rank=10, region="苏北",
        lost={
            "1.1.2a": D(0),  # staff 7 < 苏北 8
            "1.1.3a": D("0.89"),  # 8/9 = 0.888… → 0.89
            "1.1.3b": D("0.67"),  # 6/9 = 0.666… → 0.67
            "2.1.2": D(0),  # county concentration 2/3 < 100% (dc_county_lr 否)
            "4.1.1": D(0),  # 7,185,600 / 7,200,000 = 0.998 < 1
            "6.1.1": D("4.12"),  # 5 × 82.4 / 100
            "6.2.1": D("4.28"),  # 5 × 85.5 / 100 = 4.275 → 4.28
            "6.3.3": D(0),  # one_window 否
        },
        # 管理机制 17 − 2 − 0.11 − 0.33 = 14.56; 基础平台 20 − 2; 社保卡 15 − 6; 公共服务 4.12 + 4.28 + 2 + 1 = 11.40
        cats=(D("14.56"), D(18), D(23), D(9), D(10), D("11.40")),
        total=D("85.96"),  # 14.56 + 18 + 23 + 9 + 10 + 11.40
    ),
    "泰州市": dict(
        rank=11, region="苏中",
        lost={
            "1.1.2a": D(0),  # staff 9 < 苏中 10
            "1.1.3b": D("0.50"),  # 3/6
            "2.2.1": D(0),  # (10 + 29 + 85 + 1540) / (10 + 30 + 88 + 1650) = 1664/1778 = 93.59% < 95%
            "3.5.2": D(0),  # xr_eligibility_cert 否
            "5.1.1": D(0),  # lowest upload rate 94.2% (medical) < 95%
            "6.1.1": D("4.19"),  # 5 × 83.7 / 100 = 4.185 → 4.19 (half-up; banker's would give 4.18)
            "6.2.1": D("4.36"),  # 5 × 87.2 / 100
        },
        # 管理机制 17 − 2 − 0.5 = 14.5; 基础平台 20 − 6; 应用系统 23 − 1; 资源开发 10 − 5; 公共服务 4.19 + 4.36 + 5
        cats=(D("14.5"), D(14), D(22), D(15), D(5), D("13.55")),
        total=D("84.05"),  # 14.5 + 14 + 22 + 15 + 5 + 13.55
    ),
    "连云港市": dict(
        rank=12, region="苏北",
        lost={
            "1.1.2b": D(0),  # 380 × 10000 / (1,280,000 × 3) = 3,800,000 / 3,840,000 = 0.9896 < 1
            "1.1.3a": D("0.83"),  # 5/6
            "1.1.3b": D("0.33"),  # 2/6 = 0.333… → 0.33
            "2.2.1": D(0),  # (9 + 24 + 66 + 1420) / (9 + 26 + 70 + 1580) = 1519/1685 = 90.15%
            "2.3.1": D(0),  # dr_center 否
            "3.1.1": D(2),  # 市本级
            "3.1.2": D(2),  # 市平台集中并向省交换
            "3.3.1": D(2),  # 4 − 1 × 2 (lr_arbitration, lr_employment_filing 否)
            "3.4.1": D(1),  # integration_count 1
            "4.1.1": D(0),  # 4,360,000 / 4,500,000 = 0.9689
            "4.3.1": D(2),  # 3 − 1 (card_use_lr 否)
            "5.1.1": D(0),  # lowest upload rate 91.9%
            "5.2.2": D(0),  # fund_supervision 否
            "6.1.1": D("3.93"),  # 5 × 78.5 / 100 = 3.925 → 3.93 (half-up; banker's would give 3.92)
            "6.2.1": D("4.10"),  # 5 × 82 / 100
            "6.3.1": D(0),  # grassroots_platform 否
        },
        # 1.1.2a kept: staff 9 ≥ 苏北 8.
        # 管理机制 2 + 2 + 0 + 0.83 + 0.33 + 2 + 1 + 1 + 1 + 3 + 1 = 14.16; 基础平台 8 + 2 + 0 + 0 + 1 + 1 = 12;
        # 应用系统 2 + 2 + 5 + 2 + 1 + 1 + 1 + 1 = 15; 社保卡 0 + 6 + 2 = 8; 资源开发 0 + 3 + 0 = 3;
        # 公共服务 3.93 + 4.10 + 0 + 1 + 2 = 11.03
        cats=(D("14.16"), D(12), D(15), D(8), D(3), D("11.03")),
        total=D("63.19"),  # 14.16 + 12 + 15 + 8 + 3 + 11.03
    ),
    "宿迁市": dict(
        rank=13, region="苏北",
        lost={
            "1.1.2a": D(0),  # staff 6 < 苏北 8
            "1.1.2b": D(0),  # 320 × 10000 / (1,350,000 × 3) = 3,200,000 / 4,050,000 = 0.790
            "1.1.3a": D("0.60"),  # 3/5
            "1.1.3b": D("0.20"),  # 1/5
            "1.2.2": D(0),  # requirements_mgmt 否
            "1.2.3": D(0),  # all three om_* 否: max(0, 1 − 0.5 × 3) = 0
            "1.3.2": D(0),  # std_core_platform 否
            "2.1.2": D(0),  # county concentration 1/3
            "2.2.1": D(0),  # (8 + 19 + 98 + 1130) / (8 + 22 + 118 + 1450) = 1255/1598 = 78.54%
            "2.3.1": D(0),  # dr_center 否
            "2.3.3": D(0),  # digital_cert 否
            "3.1.1": D(2),  # 市本级
            "3.1.2": D(0),  # 未部署
            "3.3.1": D(1),  # none of the three lr_* done: max(0, 4 − 1 × 3) = 1 (the literal rule)
            "3.4.1": D(0),  # integration_count 0
            "3.5.3": D(0),  # xr_medical_settlement 否
            "4.1.1": D(0),  # 3,980,000 / 4,600,000 = 0.865
            "4.3.1": D(1),  # 3 − 1 × 2 (card_use_hr, card_use_lr 否)
            "5.1.1": D(0),  # lowest upload rate 88.7%
            "5.2.1": D(0),  # data_monitoring 否
            "5.2.2": D(0),  # fund_supervision 否
            "6.1.1": D("3.63"),  # 5 × 72.6 / 100
            "6.2.1": D("3.82"),  # 5 × 76.3 / 100 = 3.815 → 3.82
            "6.3.2": D(0),  # grassroots_services 否
            "6.3.3": D(0),  # one_window 否
        },
        # 管理机制 2 + 0 + 0 + 0.6 + 0.2 + 2 + 0 + 0 + 1 + 0 + 1 = 6.8; 基础平台 8 + 0 + 0 + 0 + 1 + 0 = 9;
        # 应用系统 2 + 0 + 5 + 1 + 0 + 1 + 1 + 0 = 10; 社保卡 0 + 6 + 1 = 7; 资源开发 0;
        # 公共服务 3.63 + 3.82 + 2 + 0 + 0 = 9.45
        cats=(D("6.8"), D(9), D(10), D(7), D(0), D("9.45")),
        total=D("42.25"),  # 6.8 + 9 + 10 + 7 + 0 + 9.45
    ),
}
ORDER = list(EXPECTED)  # expected ranking, best first


def expected_items(city: str) -> dict[str, Decimal]:
    return {i: EXPECTED[city]["lost"].get(i, m) for i, m in ITEM_MAX.items()}


def cats_of(city: str) -> dict[str, Decimal]:
    return dict(zip(CATEGORIES.values(), EXPECTED[city]["cats"], strict=True))


# ---------------------------------------------------------------------------------------------- fixtures


def _score(src: Path, outdir: Path, *extra: str) -> tuple[Path, dict]:
    out, js = outdir / "result.xlsx", outdir / "result.json"
    code = run(["score", str(src), "-o", str(out), "--json", str(js), "--quiet", *extra])
    assert code == 0
    return out, json.loads(js.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def xlsx_run(tmp_path_factory):
    return _score(XLSX, tmp_path_factory.mktemp("golden_xlsx"))


@pytest.fixture(scope="module")
def csv_run(tmp_path_factory):
    return _score(CSV, tmp_path_factory.mktemp("golden_csv"))


@pytest.fixture(scope="module")
def book(xlsx_run):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl drops the data-bar/chart extensions it does not know
        return openpyxl.load_workbook(xlsx_run[0])


def _city(doc: dict, name: str) -> dict:
    (c,) = [c for c in doc["cities"] if c["city"] == name]
    return c


# ---------------------------------------------------------------------------------------------- hand calc


def test_hand_calculation_is_self_consistent():
    """The expectations themselves add up: items → categories → total, lost items really lost, no ties."""
    assert sum(ITEM_MAX.values()) == 100
    for city, e in EXPECTED.items():
        items = expected_items(city)
        for i, s in e["lost"].items():
            assert s < ITEM_MAX[i], (city, i)
        for n, (cid, name) in enumerate(CATEGORIES.items()):
            assert sum(v for i, v in items.items() if i.split(".")[0] == cid) == e["cats"][n], (city, name)
        assert sum(e["cats"]) == e["total"], city
    totals = [e["total"] for e in EXPECTED.values()]
    assert totals == sorted(totals, reverse=True) and len(set(totals)) == 13
    assert [e["rank"] for e in EXPECTED.values()] == list(range(1, 14))


# ---------------------------------------------------------------------------------------------- JSON


@pytest.mark.parametrize("which", ["xlsx", "csv"])
def test_totals_categories_ranks(which, request):
    _, doc = request.getfixturevalue(f"{which}_run")
    assert [c["city"] for c in doc["cities"]] == ORDER
    for c in doc["cities"]:
        e = EXPECTED[c["city"]]
        assert c["rank"] == e["rank"], c["city"]
        assert c["region"] == e["region"], c["city"]
        assert D(str(c["total"])) == e["total"], c["city"]
        assert {k: D(str(v)) for k, v in c["categories"].items()} == cats_of(c["city"]), c["city"]


@pytest.mark.parametrize("which", ["xlsx", "csv"])
def test_every_item_of_every_city(which, request):
    _, doc = request.getfixturevalue(f"{which}_run")
    for c in doc["cities"]:
        assert {k: D(str(v)) for k, v in c["items"].items()} == expected_items(c["city"]), c["city"]
        # a reason for every item that lost points, and only for those
        assert set(c["reasons"]) == set(EXPECTED[c["city"]]["lost"]), c["city"]


@pytest.mark.parametrize(("city", "item", "score"), [
    ("常州市", "2.2.1", D(6)),  # coverage 760/800 = exactly 95%
    ("南通市", "4.1.1", D(6)),  # card holders == card target
    ("扬州市", "1.1.2b", D(2)),  # funding exactly adequate (549 万元 = 1,830,000 × 3 元)
    ("徐州市", "1.1.2a", D(2)),  # staff 8 = 苏北 minimum
    ("无锡市", "5.1.1", D(5)),  # lowest upload rate exactly 95.0%
    ("淮安市", "2.2.1", D(0)),  # 94.9% just below
    ("盐城市", "4.1.1", D(0)),  # card rate 99.8% just below
    ("连云港市", "1.1.2b", D(0)),  # funding 98.96% just below
    ("泰州市", "1.1.2a", D(0)),  # staff 9 < 苏中 10
    ("南京市", "6.1.1", D("4.83")),  # 4.825 half-up
    ("南通市", "6.2.1", D("4.63")),  # 4.625 half-up
    ("宿迁市", "3.3.1", D(1)),  # literal rule: none of three done still leaves 1
    ("宿迁市", "1.2.3", D(0)),  # 1 − 1.5 floored at 0
])
def test_threshold_and_rounding_items(xlsx_run, city, item, score):
    assert D(str(_city(xlsx_run[1], city)["items"][item])) == score


def test_derived_ratios(xlsx_run):
    doc = xlsx_run[1]
    cases = {
        ("常州市", "network_coverage"): Fraction(760, 800),
        ("淮安市", "network_coverage"): Fraction(949, 1000),
        ("泰州市", "network_coverage"): Fraction(1664, 1778),
        ("扬州市", "funding_adequacy"): Fraction(549 * 10000, 1_830_000 * 3),
        ("连云港市", "funding_adequacy"): Fraction(380 * 10000, 1_280_000 * 3),
        ("南通市", "card_rate"): Fraction(1),
        ("盐城市", "card_rate"): Fraction(7_185_600, 7_200_000),
        ("无锡市", "min_upload_rate"): Fraction(95, 100),
        ("泰州市", "min_upload_rate"): Fraction(942, 1000),
        ("南京市", "county_staffed_ratio"): Fraction(9, 11),
        ("盐城市", "dc_county_concentration"): Fraction(2, 3),
        ("宿迁市", "dc_city_concentration"): Fraction(1),
        ("宿迁市", "county_it_body_ratio"): Fraction(3, 5),
    }
    for (city, key), want in cases.items():
        assert _city(doc, city)["derived"][key] == pytest.approx(float(want), abs=1e-6), (city, key)


def test_json_metadata(xlsx_run, rubric):
    doc = xlsx_run[1]
    assert doc["rubric"]["version"] == rubric.version
    assert doc["rubric"]["id"] == rubric.id
    assert doc["rubric"]["parameters"]["network_coverage_target"] == 0.95
    assert doc["rubric"]["parameters"]["rank_method"] == "competition"
    assert [Path(i["path"]).name for i in doc["inputs"]] == [XLSX.name]
    assert doc["inputs"][0]["sha256"] == hashlib.sha256(XLSX.read_bytes()).hexdigest()
    assert doc["issues"] == []  # the sample is clean: no errors, no warnings


def test_csv_and_xlsx_give_the_same_cities(xlsx_run, csv_run):
    assert csv_run[1]["cities"] == xlsx_run[1]["cities"]
    assert csv_run[1]["issues"] == []
    assert csv_run[1]["inputs"][0]["sha256"] == hashlib.sha256(CSV.read_bytes()).hexdigest()


def test_parameters_move_the_threshold_cities(tmp_path):
    """network_coverage_target 96% and staff_min.苏北 9, recalculated by hand:
    常州市 coverage 95.00% < 96% → 2.2.1 = 0: 92.83 − 6 = 86.83;
    扬州市 coverage 1521/1591 = 95.60% < 96% → 2.2.1 = 0: 88.33 − 6 = 82.33;
    徐州市 staff 8 < 9 → 1.1.2a = 0: 94.17 − 2 = 92.17;
    every other city's coverage is ≥ 96% or already below 95%, and 连云港市 (9), 淮安市 (10) still reach 9."""
    _, doc = _score(XLSX, tmp_path, "--param", "network_coverage_target=0.96", "--param", "staff_min.苏北=9")
    totals = {c["city"]: D(str(c["total"])) for c in doc["cities"]}
    want = {city: e["total"] for city, e in EXPECTED.items()}
    want.update({"常州市": D("86.83"), "扬州市": D("82.33"), "徐州市": D("92.17")})
    assert totals == want
    assert [c["city"] for c in doc["cities"]] == ["苏州市", "南京市", "无锡市", "南通市", "镇江市", "徐州市", "淮安市",
                                                 "常州市", "盐城市", "泰州市", "扬州市", "连云港市", "宿迁市"]
    assert [c["rank"] for c in doc["cities"]] == list(range(1, 14))
    assert _city(doc, "常州市")["items"]["2.2.1"] == 0
    assert "96%" in _city(doc, "常州市")["reasons"]["2.2.1"]
    assert doc["rubric"]["parameters"]["network_coverage_target"] == 0.96
    assert doc["rubric"]["parameters"]["staff_min.苏北"] == 9


# ---------------------------------------------------------------------------------------------- workbook


def test_sheet_names_in_order(book):
    # the seven sheets of the brief, in this order; 得分率 (category score rates, added by commit 8e7219d)
    # is the only other sheet a plain run writes
    assert book.sheetnames[0] == "排名汇总"
    assert [s for s in book.sheetnames if s in SHEETS] == SHEETS
    assert set(book.sheetnames) - set(SHEETS) <= {"得分率"}


def test_category_rate_sheet(book):
    if "得分率" not in book.sheetnames:
        pytest.skip("no 得分率 sheet in this version")
    ws = book["得分率"]
    assert [ws.cell(1, c).value for c in range(1, 8)] == ["设区市"] + [f"{n}得分率" for n in CATEGORIES.values()]
    row = {ws.cell(r, 1).value: r for r in range(2, 15)}
    assert list(row) == ORDER
    # 连云港市: 14.16/17, 12/20, 15/23, 8/15, 3/10, 11.03/15
    want = [14.16 / 17, 12 / 20, 15 / 23, 8 / 15, 3 / 10, 11.03 / 15]
    assert [ws.cell(row["连云港市"], c).value for c in range(2, 8)] == pytest.approx(want, abs=1e-9)


def test_summary_sheet(book):
    ws = book["排名汇总"]
    head = next(r for r in range(1, 10) if ws.cell(r, 1).value == "名次")
    assert [ws.cell(head, c).value for c in range(2, 4)] == ["设区市", "区域"]
    assert str(ws.cell(head, 4).value).startswith("总分")
    cat_cols = {}
    for c in range(5, ws.max_column + 1):
        for name in CATEGORIES.values():
            if str(ws.cell(head, c).value or "").startswith(name):
                cat_cols[name] = c
    assert list(cat_cols) == list(CATEGORIES.values())
    rows = [tuple(ws.cell(head + 1 + i, c).value for c in range(1, 5)) for i in range(13)]
    assert rows == [(e["rank"], city, e["region"], float(e["total"])) for city, e in EXPECTED.items()]
    for i, city in enumerate(ORDER):
        got = {name: ws.cell(head + 1 + i, c).value for name, c in cat_cols.items()}
        assert got == {k: float(v) for k, v in cats_of(city).items()}, city


def test_item_sheet(book):
    # one row per city (rank order) under a header of item ids, item names and each item's maximum
    ws = book["分项得分"]
    assert [ws.cell(1, c).value for c in range(1, 5)] == ["名次", "设区市", "区域", "总分"]
    assert [ws.cell(1, c).value for c in range(5, 41)] == list(ITEM_MAX)
    assert [ws.cell(3, c).value for c in range(5, 41)] == [float(v) for v in ITEM_MAX.values()]
    assert [ws.cell(r, 2).value for r in range(4, 17)] == ORDER
    for city in ("宿迁市", "扬州市", "常州市"):
        row = 4 + ORDER.index(city)
        got = {ws.cell(1, c).value: ws.cell(row, c).value for c in range(5, 41)}
        assert got == {k: float(v) for k, v in expected_items(city).items()}, city
        assert ws.cell(row, 4).value == float(EXPECTED[city]["total"])


def test_deduction_sheet(book):
    ws = book["扣分明细"]
    head = [ws.cell(1, c).value for c in range(1, 9)]
    assert head == ["名次", "设区市", "编号", "评分项", "满分", "得分", "失分", "原因"]
    rows = [[ws.cell(r, c).value for c in range(1, 9)] for r in range(2, ws.max_row + 1) if ws.cell(r, 2).value]
    assert len(rows) == sum(len(e["lost"]) for e in EXPECTED.values())
    taizhou = {r[2]: r for r in rows if r[1] == "泰州市"}
    assert set(taizhou) == set(EXPECTED["泰州市"]["lost"])
    for item, r in taizhou.items():
        want = EXPECTED["泰州市"]["lost"][item]
        assert r[0] == 11
        assert (r[4], r[5], r[6]) == (float(ITEM_MAX[item]), float(want), float(ITEM_MAX[item] - want)), item
    reasons = {i: r[7] for i, r in taizhou.items()}
    assert re.search(r"93\.59?%|93\.6%", reasons["2.2.1"]) and "95%" in reasons["2.2.1"]  # 1664/1778
    assert "94.2" in reasons["5.1.1"]  # the lowest upload rate
    assert "9" in reasons["1.1.2a"] and "10" in reasons["1.1.2a"]  # staff 9 vs 苏中 10
    assert "83.7" in reasons["6.1.1"] and "4.19" in reasons["6.1.1"]
    yangzhou = {r[2]: r[7] for r in rows if r[1] == "扬州市"}
    assert re.search(r"98\.4\d?%", yangzhou["4.1.1"])  # 4,380,000 / 4,450,000 = 98.43%
    # items exactly at their threshold are not deductions
    assert not [r for r in rows if (r[1], r[2]) in {("常州市", "2.2.1"), ("南通市", "4.1.1"), ("扬州市", "1.1.2b"),
                                                     ("徐州市", "1.1.2a"), ("无锡市", "5.1.1")}]
    assert "苏州市" in {r[1] for r in rows} and all(r[0] == EXPECTED[r[1]]["rank"] for r in rows)


def test_derived_sheet(book, rubric):
    ws = book["派生指标"]
    labels = {ws.cell(1, c).value: c for c in range(1, ws.max_column + 1)}
    city_row = {ws.cell(r, 1).value: r for r in range(2, 15)}
    assert list(city_row) == ORDER

    def at(city, key):
        return ws.cell(city_row[city], labels[rubric.derived[key].label]).value

    assert at("常州市", "network_coverage") == pytest.approx(0.95, abs=1e-12)
    assert at("扬州市", "funding_adequacy") == pytest.approx(1.0, abs=1e-12)
    assert at("南通市", "card_rate") == pytest.approx(1.0, abs=1e-12)
    assert at("无锡市", "min_upload_rate") == pytest.approx(0.95, abs=1e-12)
    assert at("泰州市", "network_coverage") == pytest.approx(1664 / 1778, abs=1e-9)
    assert at("宿迁市", "county_staffed_ratio") == pytest.approx(0.2, abs=1e-12)


def test_figures_and_problem_sheets(book):
    ws = book["填报数据"]
    keys = {ws.cell(1, c).value: c for c in range(1, ws.max_column + 1)}
    row = {ws.cell(r, keys["city"]).value: r for r in range(3, 16)}
    assert ws.cell(row["南京市"], keys["urban_insured"]).value == 5_620_000
    assert ws.cell(row["扬州市"], keys["city_om_funding"]).value == 549
    assert ws.cell(row["无锡市"], keys["upload_rate_medical"]).value == pytest.approx(0.95)
    assert book["问题清单"].cell(2, 1).value == "没有发现问题。"


def test_rules_sheet(book, rubric):
    ws = book["规则与参数"]
    cells = [[ws.cell(r, c).value for c in range(1, 4)] for r in range(1, ws.max_row + 1)]
    pairs = {r[0]: r[1] for r in cells if r[0]}
    assert pairs["规则版本"] == rubric.version
    assert pairs["规则标识"] == rubric.id
    assert pairs["规则文件 SHA-256"] == rubric.sha256
    assert pairs[XLSX.name] == hashlib.sha256(XLSX.read_bytes()).hexdigest()
    param = next(r for r in cells if r[0] == "network_coverage_target")
    assert param[2] == 0.95
    # a choice is shown by its Chinese label (RUBRIC.md: rank_method defaults to competition)
    param = next(r for r in cells if r[0] == "rank_method")
    assert param[2] == "竞争排名（1,2,2,4，与 Excel RANK 相同）"


# ---------------------------------------------------------------------------------------------- the sample files


def test_sample_xlsx_is_still_a_valid_template(rubric):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(XLSX)
    assert wb.sheetnames == ["说明", "填报表"]
    props = {p.name: p.value for p in wb.custom_doc_props.props}
    assert props.get("jsscore_rubric_version") == rubric.version
    ws = wb["填报表"]
    assert ws.protection.sheet
    rows = {ws.cell(r, 1).value: r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value}
    assert set(rows) == set(rubric.fields)
    covered = {r for dv in ws.data_validations.dataValidation for rng in dv.sqref.ranges
               for r in range(rng.min_row, rng.max_row + 1)}
    for key, f in rubric.fields.items():
        if key not in ("city", "region"):
            assert rows[key] in covered, key
        if f.type == "pct":
            assert all("%" in ws.cell(rows[key], c).number_format for c in range(6, 19)), key
    assert [ws.cell(rows["city"], c).value for c in range(6, 19)] == list(rubric.city_order)


def test_sample_csv_layout(rubric):
    raw = CSV.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0] == list(rubric.fields)
    assert [r[0] for r in rows[1:]] == list(rubric.city_order)
    col = {k: i for i, k in enumerate(rows[0])}
    by_city = {r[0]: r for r in rows[1:]}
    assert by_city["南京市"][col["upload_rate_maternity"]] == "96.9%"
    assert by_city["无锡市"][col["upload_rate_medical"]] == "95.0%"
    assert by_city["常州市"][col["dr_center"]] == "否" and by_city["常州市"][col["leading_group"]] == "是"
    assert by_city["南通市"][col["card_holders"]] == by_city["南通市"][col["card_target"]]


def test_make_sample_reproduces_the_committed_files(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("make_sample", SAMPLE / "make_sample.py")
    mod = importlib.util.module_from_spec(spec)
    monkeypatch.setattr(sys, "dont_write_bytecode", True)  # no __pycache__ inside sample_data
    spec.loader.exec_module(mod)
    assert mod.main([str(tmp_path)]) == 0
    assert (tmp_path / CSV.name).read_bytes() == CSV.read_bytes()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        new, old = openpyxl.load_workbook(tmp_path / XLSX.name), openpyxl.load_workbook(XLSX)
    def data(wb):  # field key → the 13 cities' cells
        ws = wb["填报表"]
        return {ws.cell(r, 1).value: [ws.cell(r, c).value for c in range(6, 19)]
                for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value}

    assert data(new) == data(old)


# ---------------------------------------------------------------------------------------------- regressions


def test_reason_never_claims_more_than_the_points_lost(xlsx_run):
    reason = _city(xlsx_run[1], "宿迁市")["reasons"]["1.2.3"]
    m = re.search(r"扣\s*([\d.]+)\s*分", reason)
    assert m is None or D(m.group(1)) <= ITEM_MAX["1.2.3"] - D(str(_city(xlsx_run[1], "宿迁市")["items"]["1.2.3"]))
