"""Shared test helpers: a city whose figures earn full marks, and one-call scoring of a record."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from jsscore import engine
from jsscore.rubric import load

ROOT = Path(__file__).resolve().parent.parent
# RUBRIC.md's item table, copied by hand (never read from the rubric file under test)
ITEM_MAX = {
    "1.1.1": 2, "1.1.2a": 2, "1.1.2b": 2, "1.1.3a": 1, "1.1.3b": 1, "1.2.1": 2, "1.2.2": 1, "1.2.3": 1,
    "1.3.1": 1, "1.3.2": 3, "1.3.3": 1, "2.1.1": 8, "2.1.2": 2, "2.2.1": 6, "2.3.1": 2, "2.3.2": 1, "2.3.3": 1,
    "3.1.1": 4, "3.1.2": 4, "3.2.1": 5, "3.3.1": 4, "3.4.1": 3, "3.5.1": 1, "3.5.2": 1, "3.5.3": 1,
    "4.1.1": 6, "4.2.1": 6, "4.3.1": 3, "5.1.1": 5, "5.2.1": 3, "5.2.2": 2,
    "6.1.1": 5, "6.2.1": 5, "6.3.1": 2, "6.3.2": 1, "6.3.3": 2,
}
CASES = ROOT / "tests" / "data"  # copies of the shared real-world cases the tests use (CI has no ../shared)


@pytest.fixture
def cap(monkeypatch):
    """Record what the CLI prints (its rich consoles swapped for recording ones, 200 columns wide)."""
    import io
    from types import SimpleNamespace

    from rich.console import Console

    from jsscore import cli

    o = Console(record=True, width=200, file=io.StringIO())
    e = Console(record=True, width=200, file=io.StringIO())
    monkeypatch.setattr(cli, "out", o)
    monkeypatch.setattr(cli, "err", e)
    return SimpleNamespace(out=lambda: o.export_text(clear=False), err=lambda: e.export_text(clear=False),
                           all=lambda: o.export_text(clear=False) + e.export_text(clear=False))


def canon(name) -> str:
    """A city name as the tool reports it (with 市)."""
    name = str(name).strip()
    return name if name.endswith("市") else name + "市"


def c01_coverage() -> dict:
    """Network coverage of each city of the clean case C01, computed here from its cells (Σ connected / Σ total)."""
    from fractions import Fraction

    import openpyxl

    ws = openpyxl.load_workbook(CASES / "C01_wps_dimension_a1.xlsx").active
    head = [c.value for c in ws[1]]
    out = {}
    for r in ws.iter_rows(min_row=2, values_only=True):
        v = dict(zip(head, r, strict=False))
        conn = sum(v[f"net_conn_{lv}"] for lv in ("city", "county", "street", "community"))
        total = sum(v[f"net_total_{lv}"] for lv in ("city", "county", "street", "community"))
        out[canon(v["city"])] = Fraction(conn, total)
    return out


def competition_ranks(totals: dict) -> dict:
    """Competition ranking (1, 2, 2, 4), ties listed in the rubric's fixed city order."""
    order_of = [c for r in (("南京市", "无锡市", "常州市", "苏州市", "镇江市"), ("南通市", "扬州市", "泰州市"),
                            ("徐州市", "连云港市", "淮安市", "盐城市", "宿迁市")) for c in r]
    order = sorted(totals, key=lambda c: (-totals[c], order_of.index(c)))
    out: dict = {}
    for i, c in enumerate(order):
        out[c] = out[order[i - 1]] if i and totals[c] == totals[order[i - 1]] else i + 1
    return out


@pytest.fixture(scope="session")
def rubric():
    return load()


def perfect_values() -> dict:
    """Figures of a 苏南 city that earn all 100 points (every bool yes, every ratio at 100 %)."""
    D = Decimal
    v = {
        "city_it_staff": D(20), "city_om_funding": D("1000"), "urban_insured": D(1000000),
        "county_total": D(6), "county_with_it_body": D(6), "county_staffed_3plus": D(6),
        "net_total_city": D(10), "net_conn_city": D(10), "net_total_county": D(20), "net_conn_county": D(20),
        "net_total_street": D(50), "net_conn_street": D(50), "net_total_community": D(100),
        "net_conn_community": D(100), "si_centralization": "全市", "rural_urban_si_deploy": "省平台集中",
        "integration_count": D(3), "card_holders": D(100), "card_target": D(100),
        "upload_rate_pension": D(1), "upload_rate_medical": D(1), "upload_rate_unemployment": D(1),
        "upload_rate_injury": D(1), "upload_rate_maternity": D(1), "website_score": D(100), "hotline_score": D(100),
    }
    for key in ("leading_group", "it_mgmt_measures", "requirements_mgmt", "om_db", "om_network", "om_security",
                "std_network", "std_core_platform", "std_security", "dc_city_si", "dc_city_hr", "dc_city_lr",
                "dc_county_si", "dc_county_hr", "dc_county_lr", "dr_center", "security_level_protection",
                "digital_cert", "hr_market_platform", "lr_inspection", "lr_arbitration", "lr_employment_filing",
                "xr_pension_transfer", "xr_eligibility_cert", "xr_medical_settlement", "card_standard",
                "card_use_si", "card_use_hr", "card_use_lr", "data_monitoring", "fund_supervision",
                "grassroots_platform", "grassroots_services", "one_window"):
        v[key] = True
    return v


def score_one(rubric, changes: dict | None = None, region: str = "苏南", city: str = "南京市", **params):
    """Score one city: perfect figures with ``changes`` applied; ``params`` as --param overrides."""
    values = perfect_values()
    values.update(changes or {})
    p = engine.parse_params(rubric, [f"{k.replace('__', '.')}={v}" for k, v in params.items()])
    return engine.score_city(rubric, engine.CityRecord(city, region, values), p)
