"""Item scoring, table-driven: every one of the 36 item ids at full marks and at each losing value,
plus the boundaries, rounding and parameter overrides of RUBRIC.md.

Every expected figure below is worked out by hand in the row's comment (or as a literal written from
that comment); nothing is copied from a run of the code under test. Scores are exact Decimals.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import NamedTuple

import pytest
from conftest import perfect_values, score_one

from jsscore import engine
from jsscore.methods import round_half_up

D = Decimal

# RUBRIC.md "Items": id → pts (maximum), in the contract's order.
MAX = {
    "1.1.1": D(2), "1.1.2a": D(2), "1.1.2b": D(2), "1.1.3a": D(1), "1.1.3b": D(1),
    "1.2.1": D(2), "1.2.2": D(1), "1.2.3": D(1),
    "1.3.1": D(1), "1.3.2": D(3), "1.3.3": D(1),
    "2.1.1": D(8), "2.1.2": D(2), "2.2.1": D(6),
    "2.3.1": D(2), "2.3.2": D(1), "2.3.3": D(1),
    "3.1.1": D(4), "3.1.2": D(4), "3.2.1": D(5), "3.3.1": D(4), "3.4.1": D(3),
    "3.5.1": D(1), "3.5.2": D(1), "3.5.3": D(1),
    "4.1.1": D(6), "4.2.1": D(6), "4.3.1": D(3),
    "5.1.1": D(5), "5.2.1": D(3), "5.2.2": D(2),
    "6.1.1": D(5), "6.2.1": D(5), "6.3.1": D(2), "6.3.2": D(1), "6.3.3": D(2),
}
ALL_IDS = list(MAX)

CATEGORY_MAX = {"管理机制": D(17), "基础平台": D(20), "应用系统": D(23), "社会保障卡": D(15), "资源开发": D(10),
                "公共服务": D(15)}


class Row(NamedTuple):
    item: str
    changes: dict
    expected: Decimal
    reason: tuple[str, ...] | None  # fragments the reason must contain; None: no reason (full marks)
    region: str = "苏南"
    city: str = "南京市"
    params: dict = {}  # read only
    note: str = ""


# ---------------------------------------------------------------------------------------------
# full-marks rows: the perfect city earns each item's maximum and gives no reason

FULL_ROWS = [Row(i, {}, MAX[i], None, note="perfect") for i in ALL_IDS]

# ---------------------------------------------------------------------------------------------
# yes/no items: yes → max, no → 0 with a reason naming the field and "否", missing → 0 ("未填报")

BINARY = [
    ("1.1.1", "leading_group", "市级信息化领导工作小组已成立"),
    ("1.2.1", "it_mgmt_measures", "已建立信息化管理办法"),
    ("1.2.2", "requirements_mgmt", "已建立需求管理制度"),
    ("1.3.1", "std_network", "符合网络建设标准规范"),
    ("1.3.2", "std_core_platform", "符合核心平台数据和应用标准"),
    ("1.3.3", "std_security", "符合信息安全标准"),
    ("2.3.1", "dr_center", "已建立市级灾备中心"),
    ("2.3.2", "security_level_protection", "已完成信息系统安全等级保护"),
    ("2.3.3", "digital_cert", "数字证书已有应用"),
    ("3.2.1", "hr_market_platform", "已建立统一的人力资源市场平台"),
    ("3.5.1", "xr_pension_transfer", "实现异地养老保险关系转移"),
    ("3.5.2", "xr_eligibility_cert", "实现异地待遇领取资格认证"),
    ("3.5.3", "xr_medical_settlement", "实现异地就医结算"),
    ("4.2.1", "card_standard", "社会保障卡符合部省统一标准"),
    ("5.2.1", "data_monitoring", "已开展数据监测分析应用"),
    ("5.2.2", "fund_supervision", "已开展基金监督应用"),
    ("6.3.1", "grassroots_platform", "已建成统一的基层信息服务平台"),
    ("6.3.2", "grassroots_services", "已拓展基层应用服务项目"),
    ("6.3.3", "one_window", "各级经办服务窗口实现一窗式办理"),
]
BINARY_ROWS = (
    [Row(i, {k: True}, MAX[i], None, note="yes") for i, k, _ in BINARY]
    + [Row(i, {k: False}, D(0), (label, "否"), note="no") for i, k, label in BINARY]
    + [Row(i, {k: None}, D(0), (label, "未填报"), note="missing") for i, k, label in BINARY]
)

# ---------------------------------------------------------------------------------------------
# 1.1.2a city IT headcount ≥ staff_min[region] (15 苏南 / 10 苏中 / 8 苏北)

STAFF_ROWS = [
    Row("1.1.2a", {"city_it_staff": D(15)}, D(2), None, note="苏南 exactly 15"),
    Row("1.1.2a", {"city_it_staff": D(14)}, D(0), ("14人", "15人", "苏南"), note="苏南 14 < 15"),
    Row("1.1.2a", {"city_it_staff": D(10)}, D(2), None, "苏中", "扬州市", note="苏中 exactly 10"),
    Row("1.1.2a", {"city_it_staff": D(9)}, D(0), ("9人", "10人", "苏中"), "苏中", "扬州市", note="苏中 9 < 10"),
    Row("1.1.2a", {"city_it_staff": D(8)}, D(2), None, "苏北", "徐州市", note="苏北 exactly 8"),
    Row("1.1.2a", {"city_it_staff": D(7)}, D(0), ("7人", "8人", "苏北"), "苏北", "徐州市", note="苏北 7 < 8"),
    Row("1.1.2a", {"city_it_staff": D(0)}, D(0), ("0人", "15人"), note="nobody"),
    # staff_min.苏北=9: 8 no longer enough in 苏北, 9 is; 苏南 keeps its own 15
    Row("1.1.2a", {"city_it_staff": D(9)}, D(2), None, "苏北", "徐州市", {"staff_min__苏北": 9}, "override 9 ≥ 9"),
    Row("1.1.2a", {"city_it_staff": D(8)}, D(0), ("8人", "9人", "苏北"), "苏北", "宿迁市", {"staff_min__苏北": 9},
        "override 8 < 9"),
    Row("1.1.2a", {"city_it_staff": D(14)}, D(0), ("14人", "15人"), params={"staff_min__苏北": 9},
        note="override of 苏北 leaves 苏南 at 15"),
]

# ---------------------------------------------------------------------------------------------
# 1.1.2b funding: city_om_funding × 10000 ≥ urban_insured × 3 元

FUNDING_ROWS = [
    # 3214567 人 × 3 元 = 9643701 元 = 964.3701 万元 → exactly adequate
    Row("1.1.2b", {"urban_insured": D(3214567), "city_om_funding": D("964.3701")}, D(2), None,
        note="exactly adequate"),
    # 964.37 万元 = 9643700 元 < 9643701 元: one yuan short → 0; ratio 9643700/9643701 = 99.99998963…%
    Row("1.1.2b", {"urban_insured": D(3214567), "city_om_funding": D("964.37")}, D(0),
        ("低于达标线 100%", "964.37万元，达标需 964.3701万元）"), note="one yuan short"),
    # 1234567 人 × 3 元 = 3703701 元 = 370.3701 万元 needed
    Row("1.1.2b", {"urban_insured": D(1234567), "city_om_funding": D(300)}, D(0), ("300万元，达标需 370.3701万元）",),
        note="need to the yuan"),
    # 1000000 人 × 3 元 = 300 万元
    Row("1.1.2b", {"urban_insured": D(1000000), "city_om_funding": D(300)}, D(2), None, note="300 = 300"),
    Row("1.1.2b", {"urban_insured": D(1000000), "city_om_funding": D("299.99")}, D(0), ("低于达标线 100%",),
        note="299.99 < 300"),
    # nothing required when nobody is insured
    Row("1.1.2b", {"urban_insured": D(0), "city_om_funding": D(0)}, D(2), None, note="insured 0, funding 0"),
    Row("1.1.2b", {"urban_insured": D(0), "city_om_funding": D(5)}, D(2), None, note="insured 0, funding 5"),
    # funding_per_insured_yuan=4: 1000000 × 4 = 400 万元
    Row("1.1.2b", {"urban_insured": D(1000000), "city_om_funding": D(400)}, D(2), None,
        params={"funding_per_insured_yuan": 4}, note="4 元: 400 = 400"),
    Row("1.1.2b", {"urban_insured": D(1000000), "city_om_funding": D(399)}, D(0), ("99.75%", "低于达标线 100%"),
        params={"funding_per_insured_yuan": 4}, note="4 元: 399/400 = 99.75%"),
]

# ---------------------------------------------------------------------------------------------
# 1.1.3a / 1.1.3b: 1 point × ratio (按比得分), rounded half-up to 2 places

COUNTY_ROWS = []
for _item, _key in (("1.1.3a", "county_with_it_body"), ("1.1.3b", "county_staffed_3plus")):
    COUNTY_ROWS += [
        Row(_item, {"county_total": D(6), _key: D(6)}, D(1), None, note="6/6"),
        # 1/3 = 0.3333… → 0.33
        Row(_item, {"county_total": D(3), _key: D(1)}, D("0.33"), ("1/3", "33.33%", "0.33"), note="1/3"),
        # 2/3 = 0.6666… → 0.67
        Row(_item, {"county_total": D(3), _key: D(2)}, D("0.67"), ("2/3", "66.67%", "0.67"), note="2/3"),
        # 1/6 = 0.1666… → 0.17
        Row(_item, {"county_total": D(6), _key: D(1)}, D("0.17"), ("1/6", "16.67%", "0.17"), note="1/6"),
        # 5/6 = 0.8333… → 0.83
        Row(_item, {"county_total": D(6), _key: D(5)}, D("0.83"), ("5/6", "83.33%", "0.83"), note="5/6"),
        # 1/2 = 0.5 exactly
        Row(_item, {"county_total": D(4), _key: D(2)}, D("0.5"), ("2/4", "50.00%"), note="2/4"),
        # 1/8 = 0.125 → half-up 0.13
        Row(_item, {"county_total": D(8), _key: D(1)}, D("0.13"), ("1/8", "0.13"), note="1/8 half-up"),
        Row(_item, {"county_total": D(6), _key: D(0)}, D(0), ("0/6",), note="0/6"),
    ]

# ---------------------------------------------------------------------------------------------
# 1.2.3 om_*: 1 − 0.5 per missing, not below 0;  3.3.1 lr_*: 4 − 1 per missing (literal: none → 1);
# 4.3.1 card_use_*: 3 − 1 per missing

OM = ("om_db", "om_network", "om_security")
LR = ("lr_inspection", "lr_arbitration", "lr_employment_filing")
CARD = ("card_use_si", "card_use_hr", "card_use_lr")


def _missing(keys, n):
    """The first n of keys answered no, the rest yes."""
    return {k: i >= n for i, k in enumerate(keys)}


DEDUCT_ROWS = [
    Row("1.2.3", _missing(OM, 0), D(1), None, note="none missing"),
    Row("1.2.3", _missing(OM, 1), D("0.5"), ("缺 1 项", "已建立数据库运维管理制度", "扣 0.5 分"), note="1 − 0.5"),
    Row("1.2.3", _missing(OM, 2), D(0), ("缺 2 项", "扣 1 分"), note="1 − 2×0.5 = 0"),
    Row("1.2.3", _missing(OM, 3), D(0), ("缺 3 项",), note="1 − 3×0.5 = −0.5 → 0"),
    Row("1.2.3", {"om_security": False}, D("0.5"), ("已建立安全运维管理制度",), note="only security missing"),
    Row("3.3.1", _missing(LR, 0), D(4), None, note="all three"),
    Row("3.3.1", _missing(LR, 1), D(3), ("缺 1 项", "扣 1 分"), note="4 − 1"),
    Row("3.3.1", _missing(LR, 2), D(2), ("缺 2 项", "扣 2 分"), note="4 − 2"),
    Row("3.3.1", _missing(LR, 3), D(1), ("缺 3 项", "扣 3 分"), note="literal: 4 − 3 = 1 with none done"),
    Row("4.3.1", _missing(CARD, 0), D(3), None, note="all three"),
    Row("4.3.1", _missing(CARD, 1), D(2), ("缺 1 项", "用卡领域覆盖社会保险"), note="3 − 1"),
    Row("4.3.1", _missing(CARD, 2), D(1), ("缺 2 项",), note="3 − 2"),
    Row("4.3.1", _missing(CARD, 3), D(0), ("缺 3 项",), note="3 − 3"),
    Row("4.3.1", {"card_use_lr": False}, D(2), ("用卡领域覆盖劳动关系",), note="only lr missing"),
]

# ---------------------------------------------------------------------------------------------
# 2.1.1 / 2.1.2 data concentration = yes-count / 3 ≥ dc_concentration_target (1.00)

DC_ROWS = []
for _item, _prefix, _label in (("2.1.1", "dc_city", "市本级业务数据集中度"), ("2.1.2", "dc_county", "区县业务数据集中度")):
    _keys = (f"{_prefix}_si", f"{_prefix}_hr", f"{_prefix}_lr")
    DC_ROWS += [
        Row(_item, _missing(_keys, 0), MAX[_item], None, note="3/3"),
        # 2/3 = 66.67% < 100%
        Row(_item, _missing(_keys, 1), D(0), (_label, "66.67%", "低于达标线 100%"), note="2/3 < 1"),
        Row(_item, _missing(_keys, 2), D(0), ("33.33%", "低于达标线 100%"), note="1/3 < 1"),
        Row(_item, _missing(_keys, 3), D(0), ("0.00%", "低于达标线 100%"), note="0/3 < 1"),
        # dc_concentration_target=0.66: 2/3 = 0.6667 ≥ 0.66 → full; 1/3 still short
        Row(_item, _missing(_keys, 1), MAX[_item], None, params={"dc_concentration_target": "0.66"},
            note="target 0.66: 2/3 enough"),
        Row(_item, _missing(_keys, 2), D(0), ("33.33%", "低于达标线 66%"), params={"dc_concentration_target": "0.66"},
            note="target 0.66: 1/3 short"),
    ]

# ---------------------------------------------------------------------------------------------
# 2.2.1 network coverage = Σconn / Σtotal ≥ 0.95


def _net(total_community, conn_community, city=(10, 10), county=(20, 20), street=(50, 50)):
    return {"net_total_city": D(city[0]), "net_conn_city": D(city[1]), "net_total_county": D(county[0]),
            "net_conn_county": D(county[1]), "net_total_street": D(street[0]), "net_conn_street": D(street[1]),
            "net_total_community": D(total_community), "net_conn_community": D(conn_community)}


NET_ROWS = [
    # totals 10+20+50+120 = 200; 95% of 200 = 190 connected: 10+20+50+110
    Row("2.2.1", _net(120, 110), D(6), None, note="190/200 = 95% exactly"),
    # one outlet fewer: 189/200 = 94.5%
    Row("2.2.1", _net(120, 109), D(0), ("网络覆盖率", "94.50%", "低于达标线 95%"), note="189/200"),
    # the same shortfall at another level: street 49 of 50 → 189/200
    Row("2.2.1", _net(120, 110, street=(50, 49)), D(0), ("94.50%", "低于达标线 95%"), note="street short"),
    # totals 180 (perfect fixture); 95% of 180 = 171 → 10+20+50+91
    Row("2.2.1", _net(100, 91), D(6), None, note="171/180 = 95% exactly"),
    Row("2.2.1", _net(100, 90), D(0), ("94.44%", "低于达标线 95%", "合计 170，达标需 171）"), note="170/180 = 94.444…%"),
    # totals 10+20+50+97 = 177; 95% of 177 = 168.15 outlets, so 169 are needed (a count is whole)
    Row("2.2.1", _net(97, 80), D(0), ("合计 160，达标需 169）",), note="160/177; 168.15 → 169"),
    # 94999/100000 = 94.999% prints as 95.00% at 2 places, so more places are shown: totals
    # 10+20+50+99920 = 100000, conn 10+20+50+94919 = 94999
    Row("2.2.1", _net(99920, 94919), D(0), ("94.999%", "低于达标线 95%"), note="94.999% not shown as 95.00%"),
    # network_coverage_target=0.98: 196/200 = 98% enough, 195/200 = 97.5% not
    Row("2.2.1", _net(120, 116), D(6), None, params={"network_coverage_target": "0.98"}, note="98% at 0.98"),
    Row("2.2.1", _net(120, 115), D(0), ("97.50%", "低于达标线 98%"), params={"network_coverage_target": "0.98"},
        note="97.5% at 0.98"),
    # 190/200 = 95% is enough by default but not at 0.98
    Row("2.2.1", _net(120, 110), D(0), ("95.00%", "低于达标线 98%"), params={"network_coverage_target": "0.98"},
        note="95% at 0.98"),
    # the target may be written as a percentage too
    Row("2.2.1", _net(120, 116), D(6), None, params={"network_coverage_target": "98%"}, note="98% written 98%"),
]

# ---------------------------------------------------------------------------------------------
# tiers: 3.1.1, 3.1.2 (enum labels), 3.4.1 (integration count)

TIER_ROWS = [
    Row("3.1.1", {"si_centralization": "全市"}, D(4), None, note="全市"),
    Row("3.1.1", {"si_centralization": "市本级"}, D(2), ("市本级", "2 分"), note="市本级"),
    Row("3.1.1", {"si_centralization": "未实现"}, D(0), ("未实现", "0 分"), note="未实现"),
    Row("3.1.2", {"rural_urban_si_deploy": "省平台集中"}, D(4), None, note="省平台集中"),
    Row("3.1.2", {"rural_urban_si_deploy": "市平台集中并向省交换"}, D(2), ("市平台集中并向省交换", "2 分"),
        note="市平台"),
    Row("3.1.2", {"rural_urban_si_deploy": "未部署"}, D(0), ("未部署",), note="未部署"),
    Row("3.4.1", {"integration_count": D(3)}, D(3), None, note="3"),
    Row("3.4.1", {"integration_count": D(2)}, D(2), ("2", "得 2 分"), note="2"),
    Row("3.4.1", {"integration_count": D(1)}, D(1), ("得 1 分",), note="1"),
    Row("3.4.1", {"integration_count": D(0)}, D(0), ("得 0 分",), note="0"),
]

# ---------------------------------------------------------------------------------------------
# 4.1.1 card_rate = holders / target ≥ 1

CARD_ROWS = [
    Row("4.1.1", {"card_holders": D(100), "card_target": D(100)}, D(6), None, note="100/100"),
    Row("4.1.1", {"card_holders": D(99), "card_target": D(100)}, D(0), ("持卡率", "99.00%", "低于达标线 100%"),
        note="99/100"),
    Row("4.1.1", {"card_holders": D(101), "card_target": D(100)}, D(6), None, note="101/100 over target"),
    Row("4.1.1", {"card_holders": D(8765432), "card_target": D(8765432)}, D(6), None, note="large, equal"),
    # 8765431/8765432 = 99.99998859…% → 5 places 99.99999% (2..4 places would print 100.00…%)
    Row("4.1.1", {"card_holders": D(8765431), "card_target": D(8765432)}, D(0), ("99.99999%", "低于达标线 100%"),
        note="large, one holder short"),
    Row("4.1.1", {"card_holders": D(0), "card_target": D(100)}, D(0), ("0.00%",), note="no holders"),
]

# ---------------------------------------------------------------------------------------------
# 5.1.1 min of the five upload rates ≥ upload_rate_target (0.95)

RATES = ("upload_rate_pension", "upload_rate_medical", "upload_rate_unemployment", "upload_rate_injury",
         "upload_rate_maternity")

UPLOAD_ROWS = [
    Row("5.1.1", dict.fromkeys(RATES, D("0.95")), D(5), None, note="all exactly 0.95"),
    Row("5.1.1", {"upload_rate_injury": D("0.95")}, D(5), None, note="min exactly 0.95"),
    Row("5.1.1", {"upload_rate_injury": D("0.949")}, D(0), ("五险中最低数据上传率", "94.90%", "低于达标线 95%"),
        note="min 0.949"),
    Row("5.1.1", {"upload_rate_maternity": D("0.949"), "upload_rate_pension": D("0.5")}, D(0), ("50.00%",),
        note="the smallest decides"),
    # upload_rate_target=0.9: 0.9 enough, 0.899 not
    Row("5.1.1", {"upload_rate_medical": D("0.9")}, D(5), None, params={"upload_rate_target": "0.9"},
        note="target 0.9, min 0.9"),
    Row("5.1.1", {"upload_rate_medical": D("0.899")}, D(0), ("89.90%", "低于达标线 90%"),
        params={"upload_rate_target": "0.9"}, note="target 0.9, min 0.899"),
    # 97.5%: 0.975 enough, 0.974 not; the target is shown as 97.5%
    Row("5.1.1", {"upload_rate_medical": D("0.975")}, D(5), None, params={"upload_rate_target": "97.5%"},
        note="target 97.5%, min 0.975"),
    Row("5.1.1", {"upload_rate_medical": D("0.974")}, D(0), ("97.40%", "低于达标线 97.5%"),
        params={"upload_rate_target": "97.5%"}, note="target 97.5%, min 0.974"),
]

# ---------------------------------------------------------------------------------------------
# 6.1.1 / 6.2.1 converted: 5 × score / full, rounded half-up

CONVERTED_ROWS = [
    Row("6.1.1", {"website_score": D(100)}, D(5), None, note="100/100"),
    # 5 × 86.5 / 100 = 4.325 → 4.33
    Row("6.1.1", {"website_score": D("86.5")}, D("4.33"), ("86.5", "4.33"), note="4.325 half-up"),
    # 5 × 86.49 / 100 = 4.3245 → 4.32
    Row("6.1.1", {"website_score": D("86.49")}, D("4.32"), ("86.49", "4.32"), note="4.3245 down"),
    # 5 × 86.4 / 100 = 4.32 exactly
    Row("6.1.1", {"website_score": D("86.4")}, D("4.32"), ("86.4",), note="4.32 exact"),
    Row("6.1.1", {"website_score": D(0)}, D(0), ("0",), note="0"),
    # website_full=50: 5 × 50/50 = 5; 5 × 43.25 / 50 = 4.325 → 4.33; 5 × 40/50 = 4
    Row("6.1.1", {"website_score": D(50)}, D(5), None, params={"website_full": 50}, note="full 50: 50"),
    Row("6.1.1", {"website_score": D("43.25")}, D("4.33"), ("43.25", "50", "4.33"), params={"website_full": 50},
        note="full 50: 43.25"),
    Row("6.1.1", {"website_score": D(40)}, D(4), ("40", "50", "折算得 4.00 分"), params={"website_full": 50},
        note="full 50: 40; the converted score with two places, as every score is shown"),
    # 5 × 94 / 100 = 4.7, shown 4.70
    Row("6.2.1", {"hotline_score": D(94)}, D("4.7"), ("94 分（满分 100），折算得 4.70 分",), note="4.70"),
    Row("6.2.1", {"hotline_score": D(100)}, D(5), None, note="100/100"),
    # 5 × 80.1 / 100 = 4.005 → 4.01
    Row("6.2.1", {"hotline_score": D("80.1")}, D("4.01"), ("80.1", "4.01"), note="4.005 half-up"),
    # 5 × 80.09 / 100 = 4.0045 → 4.00
    Row("6.2.1", {"hotline_score": D("80.09")}, D(4), ("80.09",), note="4.0045 down"),
    # 5 × 99.99 / 100 = 4.9995 → 5.00 after rounding: full marks reached only by rounding
    Row("6.2.1", {"hotline_score": D("99.99")}, D(5), None, note="4.9995 → 5.00"),
    # hotline_full=120: 5 × 60/120 = 2.5; 5 × 100/120 = 4.1666… → 4.17
    Row("6.2.1", {"hotline_score": D(60)}, D("2.5"), ("60", "120"), params={"hotline_full": 120},
        note="full 120: 60"),
    Row("6.2.1", {"hotline_score": D(100)}, D("4.17"), ("4.17",), params={"hotline_full": 120},
        note="full 120: 100"),
]

# ---------------------------------------------------------------------------------------------
# figures left blank and allowed through (--allow-missing: value None, "已按 0/否 计分"): a blank never
# earns points, and the reason says 未填报. In particular a blank funding or insured count must not reach
# 1.1.2b's "nothing required" full marks, which is only for a real urban_insured 0.

MISSING_ROWS = [
    Row("1.1.2a", {"city_it_staff": None}, D(0), ("未填报",), note="staff blank"),
    Row("1.1.2b", {"city_om_funding": None}, D(0), ("未填报",), note="funding blank"),
    Row("1.1.2b", {"urban_insured": None}, D(0), ("未填报",), note="insured blank"),
    Row("1.1.2b", {"urban_insured": D(0), "city_om_funding": None}, D(0), ("未填报",), note="insured 0, funding blank"),
    Row("1.1.3a", {"county_with_it_body": None}, D(0), ("无法计算",), note="county count blank"),
    Row("1.2.3", {"om_db": None}, D("0.5"), ("已建立数据库运维管理制度",), note="blank counts as missing"),
    Row("2.1.1", {"dc_city_si": None}, D(0), ("未填报",), note="dc blank"),
    Row("2.2.1", {"net_conn_city": None}, D(0), ("未填报",), note="conn blank"),
    Row("3.1.1", {"si_centralization": None}, D(0), ("未填报",), note="enum blank"),
    Row("3.4.1", {"integration_count": None}, D(0), ("未填报",), note="count blank"),
    Row("4.1.1", {"card_holders": None}, D(0), ("未填报",), note="holders blank"),
    Row("5.1.1", {"upload_rate_injury": None}, D(0), ("未填报",), note="rate blank"),
    Row("6.1.1", {"website_score": None}, D(0), ("未填报",), note="website blank"),
]

ROWS = (FULL_ROWS + BINARY_ROWS + STAFF_ROWS + FUNDING_ROWS + COUNTY_ROWS + DEDUCT_ROWS + DC_ROWS + NET_ROWS
        + TIER_ROWS + CARD_ROWS + UPLOAD_ROWS + CONVERTED_ROWS + MISSING_ROWS)


def _row_id(r: Row) -> str:
    return f"{r.item}-{r.note}"


@pytest.mark.parametrize("row", ROWS, ids=_row_id)
def test_item(rubric, row: Row):
    res = score_one(rubric, row.changes, region=row.region, city=row.city, **row.params)
    got = res.items[row.item]
    assert got.score == row.expected
    assert got.max == MAX[row.item]
    # two places, as the contract rounds
    assert got.score.as_tuple().exponent == -2
    if row.reason is None:
        assert got.reason is None
    else:
        assert got.reason, f"{row.item} lost points but gave no reason"
        for frag in row.reason:
            assert frag in got.reason, f"{frag!r} not in {got.reason!r}"


def test_every_item_has_full_and_losing_rows():
    full = {r.item for r in ROWS if r.expected == MAX[r.item] and not r.changes}
    losing = {r.item for r in ROWS if r.expected < MAX[r.item]}
    assert full == set(ALL_IDS)
    assert losing == set(ALL_IDS)
    assert len(ALL_IDS) == 36


def test_only_the_changed_item_loses(rubric):
    # one outlet short of 95%: 2.2.1 loses its 6 points and nothing else moves
    res = score_one(rubric, _net(120, 109))
    lost = {i: s.score for i, s in res.items.items() if s.score != MAX[i]}
    assert lost == {"2.2.1": D(0)}
    assert res.categories["基础平台"] == D(14)  # 20 − 6
    assert res.total == D(94)


# ---------------------------------------------------------------------------------------------
# the perfect city, categories and total


def test_perfect_city_scores_100(rubric):
    res = score_one(rubric)
    assert {i: s.score for i, s in res.items.items()} == MAX
    assert all(s.reason is None for s in res.items.values())
    assert res.categories == CATEGORY_MAX
    assert res.total == D(100)


def test_category_is_sum_of_rounded_items(rubric):
    # county 1/6 twice: each item 1/6 = 0.1666… → 0.17; 管理机制 = 17 − 2 + 0.17 + 0.17 = 15.34
    # (rounding the exact sum 15 + 1/3 = 15.333… would give 15.33)
    res = score_one(rubric, {"county_total": D(6), "county_with_it_body": D(1), "county_staffed_3plus": D(1)})
    assert res.items["1.1.3a"].score == D("0.17")
    assert res.items["1.1.3b"].score == D("0.17")
    assert res.categories["管理机制"] == D("15.34")
    assert res.total == D("98.34")


def test_total_is_sum_of_categories(rubric):
    # website 86.5 → 4.33, hotline 80.1 → 4.01: 公共服务 = 4.33 + 4.01 + 2 + 1 + 2 = 13.34
    # (exact: 4.325 + 4.005 + 5 = 13.33). leading_group no → 管理机制 15.
    # county 1/3 and 2/3 of 3: 0.33 + 0.67 = 1.00 → 管理机制 = 15 − 2 + 0.33 + 0.67 = 14.00
    # total = 14 + 20 + 23 + 15 + 10 + 13.34 = 95.34
    res = score_one(rubric, {"website_score": D("86.5"), "hotline_score": D("80.1"), "leading_group": False,
                             "county_total": D(3), "county_with_it_body": D(1), "county_staffed_3plus": D(2)})
    assert res.categories == {"管理机制": D(14), "基础平台": D(20), "应用系统": D(23), "社会保障卡": D(15),
                              "资源开发": D(10), "公共服务": D("13.34")}
    assert res.total == D("95.34")
    assert res.total == sum(res.categories.values())


def test_all_zero_city(rubric):
    # every yes/no answered no, every figure at its worst; what remains is 3.3.1's literal 1 point
    # (4 − 3 × 1) and 1.1.2b (urban_insured 0 → nothing required → 2)
    values = {k: (False if v is True else v) for k, v in perfect_values().items()}
    values.update({"city_it_staff": D(0), "city_om_funding": D(0), "urban_insured": D(0),
                   "county_with_it_body": D(0), "county_staffed_3plus": D(0), "net_conn_city": D(0),
                   "net_conn_county": D(0), "net_conn_street": D(0), "net_conn_community": D(0),
                   "si_centralization": "未实现", "rural_urban_si_deploy": "未部署", "integration_count": D(0),
                   "card_holders": D(0), **dict.fromkeys(RATES, D(0)), "website_score": D(0),
                   "hotline_score": D(0)})
    res = score_one(rubric, values)
    assert {i: s.score for i, s in res.items.items() if s.score} == {"1.1.2b": D(2), "3.3.1": D(1)}
    assert res.categories["管理机制"] == D(2)
    assert res.categories["应用系统"] == D(1)
    assert res.total == D(3)
    assert all(res.items[i].reason for i in ALL_IDS if i not in ("1.1.2b",))


# ---------------------------------------------------------------------------------------------
# derived ratios are exact


def test_derived_exact(rubric):
    res = score_one(rubric, {"urban_insured": D(3214567), "city_om_funding": D("964.37"), **_net(120, 109),
                             "county_total": D(3), "county_with_it_body": D(1), "dc_city_lr": False,
                             "card_holders": D(99), "upload_rate_injury": D("0.949")})
    d = res.derived
    assert d["funding_adequacy"] == Fraction(9643700, 9643701)  # 964.37×10000 / (3214567×3)
    assert d["network_coverage"] == Fraction(189, 200)
    assert d["network_coverage_community"] == Fraction(109, 120)
    assert d["network_coverage_city"] == Fraction(1)
    assert d["county_it_body_ratio"] == Fraction(1, 3)
    assert d["dc_city_concentration"] == Fraction(2, 3)
    assert d["dc_county_concentration"] == Fraction(1)
    assert d["card_rate"] == Fraction(99, 100)
    assert d["min_upload_rate"] == Fraction(949, 1000)
    assert score_one(rubric, {"urban_insured": D(0)}).derived["funding_adequacy"] is None


# ---------------------------------------------------------------------------------------------
# rounding


@pytest.mark.parametrize(("x", "expected"), [
    (Fraction(4325, 1000), "4.33"),   # 4.325 → up
    (Fraction(4005, 1000), "4.01"),   # 4.005 → up (a float would give 4.00)
    (Fraction(43245, 10000), "4.32"),  # 4.3245 → down
    (Fraction(1, 3), "0.33"),
    (Fraction(2, 3), "0.67"),
    (Fraction(1, 6), "0.17"),
    (Fraction(5, 6), "0.83"),
    (Fraction(1, 8), "0.13"),         # 0.125 → up
    (Fraction(1, 200), "0.01"),       # 0.005 → up
    (Fraction(1, 201), "0.00"),       # 0.004975… → down
    (Fraction(Decimal("1.005")), "1.01"),
    (Fraction(Decimal("2.675")), "2.68"),  # the classic float trap: round(2.675, 2) == 2.67
    (Fraction(1, 2), "0.50"),
    (Fraction(0), "0.00"),
    (Fraction(6), "6.00"),
])
def test_round_half_up(x, expected):
    got = round_half_up(x)
    assert isinstance(got, Decimal)
    assert str(got) == expected


# ---------------------------------------------------------------------------------------------
# ranking


def _result(rubric, city, region, changes, **params):
    return score_one(rubric, changes, region=region, city=city, **params)


def _field(rubric):
    # 南京市 100; 无锡市 and 苏州市 98 (leading_group no, −2); 徐州市 97 (std_core_platform no, −3)
    # passed in scrambled order: the tie must come out in the table's order (无锡 before 苏州)
    return [
        _result(rubric, "苏州市", "苏南", {"leading_group": False}),
        _result(rubric, "徐州市", "苏北", {"std_core_platform": False}),
        _result(rubric, "无锡市", "苏南", {"leading_group": False}),
        _result(rubric, "南京市", "苏南", {}),
    ]


def test_rank_competition(rubric):
    out = engine.rank(_field(rubric), rubric, "competition")
    assert [(r.city, r.total, r.rank) for r in out] == [
        ("南京市", D(100), 1), ("无锡市", D(98), 2), ("苏州市", D(98), 2), ("徐州市", D(97), 4)]


def test_rank_dense(rubric):
    out = engine.rank(_field(rubric), rubric, "dense")
    assert [(r.city, r.rank) for r in out] == [("南京市", 1), ("无锡市", 2), ("苏州市", 2), ("徐州市", 3)]


def test_rank_default_is_competition(rubric):
    out = engine.rank(_field(rubric), rubric)
    assert [r.rank for r in out] == [1, 2, 2, 4]


def test_rank_tie_across_regions_in_table_order(rubric):
    # leading_group no (−2) + std_core_platform no (−3) = 95: 宿迁市 (苏北), 南通市 (苏中), 镇江市 (苏南)
    # tie → listed 镇江, 南通, 宿迁 (table order across regions); 泰州市 100 first
    ch = {"leading_group": False, "std_core_platform": False}
    res = [_result(rubric, "宿迁市", "苏北", ch), _result(rubric, "南通市", "苏中", ch),
           _result(rubric, "泰州市", "苏中", {}), _result(rubric, "镇江市", "苏南", ch)]
    out = engine.rank(res, rubric, "competition")
    assert [(r.city, r.total, r.rank) for r in out] == [
        ("泰州市", D(100), 1), ("镇江市", D(95), 2), ("南通市", D(95), 2), ("宿迁市", D(95), 2)]
    out = engine.rank(res, rubric, "dense")
    assert [r.rank for r in out] == [1, 2, 2, 2]


def test_rank_ties_at_top_and_after(rubric):
    # 100, 100, 99, 99, 98 → competition 1,1,3,3,5; dense 1,1,2,2,3
    res = [_result(rubric, "盐城市", "苏北", {"std_network": False, "std_security": False}),   # 98
           _result(rubric, "淮安市", "苏北", {"std_network": False}),                           # 99
           _result(rubric, "扬州市", "苏中", {}),                                               # 100
           _result(rubric, "常州市", "苏南", {"std_security": False}),                          # 99
           _result(rubric, "连云港市", "苏北", {})]                                             # 100
    out = engine.rank(res, rubric, "competition")
    assert [(r.city, r.rank) for r in out] == [("扬州市", 1), ("连云港市", 1), ("常州市", 3), ("淮安市", 3),
                                               ("盐城市", 5)]
    out = engine.rank(res, rubric, "dense")
    assert [(r.city, r.rank) for r in out] == [("扬州市", 1), ("连云港市", 1), ("常州市", 2), ("淮安市", 2),
                                               ("盐城市", 3)]


def test_score_all_uses_rank_method_param(rubric):
    values = perfect_values()
    recs = [engine.CityRecord("苏州市", "苏南", {**values, "leading_group": False}),
            engine.CityRecord("徐州市", "苏北", {**values, "std_core_platform": False}),
            engine.CityRecord("无锡市", "苏南", {**values, "leading_group": False}),
            engine.CityRecord("南京市", "苏南", values)]
    out = engine.score_all(rubric, recs, engine.parse_params(rubric, ["rank_method=dense"]))
    assert [(r.city, r.rank) for r in out] == [("南京市", 1), ("无锡市", 2), ("苏州市", 2), ("徐州市", 3)]
    out = engine.score_all(rubric, recs, engine.parse_params(rubric))
    assert [(r.city, r.rank) for r in out] == [("南京市", 1), ("无锡市", 2), ("苏州市", 2), ("徐州市", 4)]


# ---------------------------------------------------------------------------------------------
# parameters


def test_param_defaults(rubric):
    p = engine.parse_params(rubric)
    assert p["staff_min.苏南"] == D(15)
    assert p["staff_min.苏中"] == D(10)
    assert p["staff_min.苏北"] == D(8)
    assert p["funding_per_insured_yuan"] == D(3)
    assert p["dc_concentration_target"] == D(1)
    assert p["network_coverage_target"] == D("0.95")
    assert p["upload_rate_target"] == D("0.95")
    assert p["website_full"] == D(100)
    assert p["hotline_full"] == D(100)
    assert p["rank_method"] == "competition"


def test_param_overrides(rubric):
    p = engine.parse_params(rubric, ["network_coverage_target=0.98", "staff_min.苏北=9", "rank_method=dense",
                                     "upload_rate_target=97.5%", "website_full=50"])
    assert p["network_coverage_target"] == D("0.98")
    assert p["staff_min.苏北"] == D(9)
    assert p["staff_min.苏南"] == D(15)
    assert p["rank_method"] == "dense"
    assert p["upload_rate_target"] == D("0.975")
    assert p["website_full"] == D(50)


@pytest.mark.parametrize("bad", [
    "no_such_param=1", "network_coverage_target=abc", "network_coverage_target=1.5", "rank_method=olympic",
    "website_full=0", "staff_min.苏北=-1", "network_coverage_target", "funding_per_insured_yuan=5%",
    "staff_min.苏北=8.5",  # a headcount is whole
    "funding_per_insured_yuan=0",  # a zero rate leaves the funding ratio undefined: > 0 is required
    "funding_per_insured_yuan=1e400", "website_full=1e-400",  # beyond any sense (and exact arithmetic)
])
def test_bad_param_is_refused(rubric, bad):
    with pytest.raises(engine.ParamError):
        engine.parse_params(rubric, [bad])


def test_bad_params_all_reported(rubric):
    with pytest.raises(engine.ParamError) as e:
        engine.parse_params(rubric, ["no_such_param=1", "rank_method=olympic"])
    assert "no_such_param" in str(e.value)
    assert "rank_method" in str(e.value)


def test_rule_text_shows_parameters(rubric):
    res = score_one(rubric, network_coverage_target="0.98", staff_min__苏南=16)
    assert "98%" in res.rule("2.2.1")
    assert "16" in res.rule("1.1.2a")
