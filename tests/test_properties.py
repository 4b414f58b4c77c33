"""Property tests of the scoring contract (RUBRIC.md), with hypothesis.

City records are generated field by field from the rubric's own data dictionary
(``jsscore.rubric.load().fields``): bools, enums from their choices, counts within their minimum and
maximum with every "connected/established" count at most its total, percentages in [0, 1] with up to
three decimals, assessment scores in 0..100. The properties, each argued from RUBRIC.md:

* every item lies in [0, its maximum], has two decimals; a category is the sum of its items; the total
  is the sum of the categories (RUBRIC.md "Items": categories sum rounded items, total sums categories);
* improving any one figure never lowers any item nor the total — improving means the direction that
  helps: a bool to yes, a count of done things up, a percentage up, an enum to a better tier, and a
  *denominator* (参保人数, 县数, 网点总数, 持卡目标) down;
* the order of the records does not matter (same result per city, same ranks, same listing);
* ranks follow the stated rule: competition = 1 + number of strictly higher totals, dense = 1 + number
  of distinct higher totals; ties listed in the table's fixed city order;
* a CSV and an xlsx holding the same figures give the same results;
* scoring the same file twice gives the same JSON and the same workbook apart from the timestamp.
"""

from __future__ import annotations

import csv
import json
import math
import re
import warnings
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from conftest import perfect_values
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jsscore import cli, engine, intake
from jsscore.report import jsonout
from jsscore.rubric import load

D = Decimal
RUBRIC = load()
F = RUBRIC.fields
CITIES = list(RUBRIC.city_order)
REGION = RUBRIC.city_region()
OTHERS = ["苏州工业园区", "省本级"]

FAST = settings(max_examples=60, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
MEDIUM = settings(max_examples=40, deadline=None, database=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
SLOW = settings(max_examples=20, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

# RUBRIC.md "Category maxima".
CATEGORY_MAX = {"管理机制": D(17), "基础平台": D(20), "应用系统": D(23), "社会保障卡": D(15), "资源开发": D(10),
                "公共服务": D(15)}

# Which way helps, read off the rules in RUBRIC.md "Items":
# denominators of a ratio that must reach a target or is scored pro rata — fewer is better;
LOWER_IS_BETTER = {"urban_insured", "county_total", "net_total_city", "net_total_county", "net_total_street",
                   "net_total_community", "card_target"}
# numerators, headcount, funding, counts of done things, assessment scores — more is better;
HIGHER_IS_BETTER = {"city_it_staff", "city_om_funding", "county_with_it_body", "county_staffed_3plus",
                    "net_conn_city", "net_conn_county", "net_conn_street", "net_conn_community",
                    "integration_count", "card_holders", "website_score", "hotline_score"}
# tiers from worst to best (3.1.1: 未实现 0 < 市本级 2 < 全市 4; 3.1.2: 未部署 0 < 市平台… 2 < 省平台集中 4).
ENUM_ORDER = {"si_centralization": ["未实现", "市本级", "全市"],
              "rural_urban_si_deploy": ["未部署", "市平台集中并向省交换", "省平台集中"]}

# Upper ends for counts the contract leaves open (plausible sizes; wide enough to cross every target).
CAP = {"county_total": D(20), "city_it_staff": D(40), "city_om_funding": D(5000), "urban_insured": D(10_000_000),
       "card_holders": D(10_000_000), "card_target": D(10_000_000)}
CAP_BY_UNIT = {"个": D(500)}


def test_directions_cover_the_data_dictionary():
    numeric = {k for k, f in F.items() if f.type in ("int", "number")}
    assert LOWER_IS_BETTER | HIGHER_IS_BETTER == numeric
    assert not LOWER_IS_BETTER & HIGHER_IS_BETTER
    assert {k for k, f in F.items() if f.type == "enum"} == set(ENUM_ORDER)
    for k, order in ENUM_ORDER.items():
        assert set(order) == set(F[k].choices)
    assert sum(CATEGORY_MAX.values()) == 100


# ------------------------------------------------------------------------------------------ strategies


def decimals(lo: Decimal, hi: Decimal, places: int) -> st.SearchStrategy[Decimal]:
    q = D(10) ** places
    return st.integers(math.ceil(lo * q), math.floor(hi * q)).map(lambda n: (D(n) / q).quantize(D(1).scaleb(-places)))


def upper(key: str, values: dict) -> Decimal:
    f = F[key]
    if f.max_field:
        return values[f.max_field]
    if f.max is not None:
        return f.max
    if f.max_param:
        return D(RUBRIC.defaults()[f.max_param])
    return CAP.get(key) or CAP_BY_UNIT.get(f.unit) or D(1000)


def lower(key: str, values: dict) -> Decimal:
    """The least value a field may take with the others fixed (its own minimum, the counts that must
    not exceed it, and the ≥1 sum of the network totals)."""
    f = F[key]
    lo = f.min if f.min is not None else D(0)
    for k, g in F.items():
        if g.max_field == key:
            lo = max(lo, values[k])
    for chk in RUBRIC.checks:
        if key in chk.fields:
            rest = sum((values[k] for k in chk.fields if k != key), D(0))
            lo = max(lo, chk.min - rest)
    return lo


def number(key: str, lo: Decimal, hi: Decimal) -> st.SearchStrategy[Decimal]:
    """A value of a numeric field in [lo, hi], often at or next to an end (where targets bite)."""
    places = st.just(0) if F[key].type == "int" else st.integers(0, 2)
    ends = [lo, hi] + ([lo + 1, hi - 1] if hi - lo > 2 else [])
    anywhere = places.flatmap(lambda p: decimals(lo, hi, p))
    return st.one_of(st.sampled_from(ends), anywhere, anywhere)  # a third at the ends, two thirds inside


@st.composite
def figures(draw) -> dict:
    v: dict = {}
    for key, f in F.items():
        if key in ("city", "region") or f.max_field:
            continue
        if f.type == "bool":
            v[key] = draw(st.booleans())
        elif f.type == "enum":
            v[key] = draw(st.sampled_from(f.choices))
        elif f.type == "pct":
            v[key] = draw(st.one_of(st.just(D(1)), decimals(D("0.9"), D(1), 3),
                                    st.integers(0, 3).flatmap(lambda p: decimals(D(0), D(1), p))))
        else:
            v[key] = draw(number(key, f.min if f.min is not None else D(0), upper(key, v)))
    for key, f in F.items():  # counts bounded by their total: drawn once the total is known
        if f.max_field:
            v[key] = draw(number(key, f.min or D(0), upper(key, v)))
    for chk in RUBRIC.checks:  # Σ network totals ≥ 1
        if sum(v[k] for k in chk.fields) < chk.min:
            v[chk.fields[0]] = chk.min
    return v


PARAMS = st.fixed_dictionaries({
    "network_coverage_target": st.sampled_from(["0.9", "0.95", "0.98", "1"]),
    "upload_rate_target": st.sampled_from(["0.9", "0.95", "1"]),
    "staff_min.苏北": st.sampled_from(["8", "9", "12"]),
    "rank_method": st.sampled_from(["competition", "dense"]),
}).map(lambda d: engine.parse_params(RUBRIC, [f"{k}={v}" for k, v in d.items()]))


def score(city: str, values: dict, params: dict) -> engine.CityResult:
    return engine.score_city(RUBRIC, engine.CityRecord(city, REGION[city], dict(values)), params)


# ------------------------------------------------------------------------------------------ properties


@FAST
@given(city=st.sampled_from(CITIES), values=figures(), params=PARAMS)
def test_items_within_bounds_and_sums_add_up(city, values, params):
    r = score(city, values, params)
    assert set(r.items) == {i.id for i in RUBRIC.items}
    by_cat: dict[str, Decimal] = {}
    for it in RUBRIC.items:
        s = r.items[it.id].score
        assert D(0) <= s <= it.max, (it.id, s)
        assert s.as_tuple().exponent == -2, (it.id, s)  # exact, two decimal places
        by_cat[it.category] = by_cat.get(it.category, D(0)) + s
    assert r.categories == by_cat
    for cat, s in r.categories.items():
        assert s <= CATEGORY_MAX[cat]
    assert r.total == sum(r.categories.values())
    assert D(0) <= r.total <= D(100)
    for it in RUBRIC.items:  # an item below its maximum always says why (RUBRIC.md "reasons")
        assert (r.items[it.id].reason is not None) == (r.items[it.id].score < it.max), it.id


def improvable(values: dict) -> list[str]:
    """The fields of a record that can still be improved, each alone, keeping the record valid."""
    out = []
    for key, f in F.items():
        v = values.get(key)
        if f.type == "bool" and v is False:
            out.append(key)
        elif f.type == "enum" and ENUM_ORDER[key].index(v) < len(ENUM_ORDER[key]) - 1:
            out.append(key)
        elif f.type == "pct" and v < 1:
            out.append(key)
        elif key in HIGHER_IS_BETTER and v < upper(key, values):
            out.append(key)
        elif key in LOWER_IS_BETTER and v > lower(key, values):
            out.append(key)
    return out


def better(key: str, values: dict) -> st.SearchStrategy:
    """A better value for one field (the direction that helps, within the field's valid range)."""
    f, v = F[key], values[key]
    if f.type == "bool":
        return st.just(True)
    if f.type == "enum":
        order = ENUM_ORDER[key]
        return st.sampled_from(order[order.index(v) + 1:])
    if f.type == "pct":
        step = D("0.001")
        return st.one_of(st.just(D(1)), decimals(v + step, D(1), 3))
    step = D(1) if f.type == "int" else D("0.01")
    if key in HIGHER_IS_BETTER:
        return number(key, v + step, upper(key, values))
    return number(key, lower(key, values), v - step)


@MEDIUM
@given(data=st.data(), city=st.sampled_from(CITIES), params=PARAMS)
def test_improving_one_figure_never_lowers_a_score(data, city, params):
    values = data.draw(figures())
    options = improvable(values)
    if not options:
        return  # a perfect record cannot improve
    # every improvable count, percentage and enum of the record, and up to 2 of its bools (each alone):
    # bools are half the dictionary and trivially monotone, the ratios are where it can go wrong
    bools = [k for k in options if F[k].type == "bool"]
    keys = [k for k in options if F[k].type != "bool"]
    if bools:
        keys += data.draw(st.lists(st.sampled_from(bools), max_size=2, unique=True))
    r0 = score(city, values, params)
    for key in keys:
        new = data.draw(better(key, values))
        after = dict(values, **{key: new})
        for k, f in F.items():  # still a valid record
            if f.max_field:
                assert after[k] <= after[f.max_field]
        r1 = score(city, after, params)
        for it in RUBRIC.items:
            assert r1.items[it.id].score >= r0.items[it.id].score, (key, values[key], new, it.id)
        assert r1.total >= r0.total


@MEDIUM
@given(data=st.data(), params=PARAMS)
def test_record_order_changes_nothing_and_ranks_follow_the_rule(data, params):
    cities = data.draw(st.lists(st.sampled_from(CITIES), min_size=2, max_size=8, unique=True))
    # units outside the table are accepted with an explicit region (RUBRIC.md "Cities and regions")
    others = data.draw(st.lists(st.sampled_from(OTHERS), max_size=2, unique=True))
    pool = data.draw(st.lists(figures(), min_size=1, max_size=3))  # few profiles: ties are common
    recs = [engine.CityRecord(c, REGION.get(c, "苏中"), dict(pool[data.draw(st.integers(0, len(pool) - 1))]))
            for c in cities + others]
    shuffled = data.draw(st.permutations(recs))

    def per_city(results):
        return {r.city: (r.rank, r.total, {k: v.score for k, v in r.items.items()}) for r in results}

    a = engine.score_all(RUBRIC, recs, params)
    b = engine.score_all(RUBRIC, list(shuffled), params)
    assert per_city(a) == per_city(b)
    known = [r.city for r in a if r.city in REGION]
    assert known == [r.city for r in b if r.city in REGION]  # the listing, too (tied units aside)
    totals = [r.total for r in a]
    order = {c: i for i, c in enumerate(CITIES)}
    for i, r in enumerate(a):
        if params["rank_method"] == "dense":
            assert r.rank == 1 + len({t for t in totals if t > r.total})
        else:
            assert r.rank == 1 + sum(1 for t in totals if t > r.total)
        if i:  # listed by total, ties in the table's order (units outside it after the 13 cities)
            p = a[i - 1]
            assert p.total > r.total or (p.total == r.total and order.get(p.city, 99) <= order.get(r.city, 99))


# ------------------------------------------------------------------------------------------ files


def cell_text(key: str, v) -> str:
    if isinstance(v, bool):
        return "是" if v else "否"
    if F[key].type == "pct":
        return format((v * 100).normalize(), "f") + "%"
    if isinstance(v, Decimal):
        return format(v, "f")
    return str(v)


def write_csv(path: Path, rows: list[tuple[str, dict]]) -> Path:
    keys = list(F)
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(keys)
        for city, v in rows:
            w.writerow([city, REGION[city]] + [cell_text(k, v[k]) for k in keys[2:]])
    return path


def write_xlsx(path: Path, rows: list[tuple[str, dict]]) -> Path:
    """Numbers as numbers, percentages as percent-formatted cells, bools as Excel TRUE/FALSE."""
    keys = list(F)
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("填报")
    pct = wb.add_format({"num_format": "0.0%"})
    for c, k in enumerate(keys):
        ws.write_string(0, c, k)
    for r, (city, v) in enumerate(rows, 1):
        ws.write_string(r, 0, city)
        ws.write_string(r, 1, REGION[city])
        for c, k in enumerate(keys[2:], 2):
            x = v[k]
            if isinstance(x, bool):
                ws.write_boolean(r, c, x)
            elif isinstance(x, str):
                ws.write_string(r, c, x)
            elif F[k].type == "pct":
                ws.write_number(r, c, float(x), pct)
            else:
                ws.write_number(r, c, int(x) if x == x.to_integral_value() else float(x))
    wb.close()
    return path


def results_of(path: Path) -> tuple[list, list]:
    params = engine.parse_params(RUBRIC, [])
    data = intake.gather([path], RUBRIC, params)
    assert not data.errors, [p.message for p in data.errors]
    doc = jsonout.build(engine.score_all(RUBRIC, data.records, params), RUBRIC, params, data.inputs, data.problems)
    return doc["cities"], sorted((i["code"], i["city"], i["field"]) for i in doc["issues"])


@SLOW
@given(data=st.data())
def test_csv_and_xlsx_of_the_same_figures_agree(tmp_path_factory, data):
    cities = data.draw(st.lists(st.sampled_from(CITIES), min_size=1, max_size=4, unique=True))
    rows = [(c, data.draw(figures())) for c in cities]
    folder = tmp_path_factory.mktemp("same")
    a = results_of(write_csv(folder / "各市.csv", rows))
    b = results_of(write_xlsx(folder / "各市.xlsx", rows))
    assert a == b
    assert {c["city"] for c in a[0]} == set(cities)


def _varied_rows() -> list[tuple[str, dict]]:
    """13 cities, each losing something different (deterministic), so ranks and reasons vary."""
    changes = [
        {}, {"leading_group": False}, {"city_it_staff": D(3)}, {"upload_rate_medical": D("0.9")},
        {"si_centralization": "市本级"}, {"net_conn_county": D(12)}, {"card_holders": D(60)},
        {"website_score": D("88.5")}, {}, {"county_with_it_body": D(2), "om_db": False},
        {"rural_urban_si_deploy": "未部署"}, {"integration_count": D(1)}, {"lr_inspection": False},
    ]
    return [(c, dict(perfect_values(), **ch)) for c, ch in zip(CITIES, changes, strict=True)]


TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?")


def _cells(path: Path) -> list:
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl: "Conditional Formatting extension is not supported"
        wb = openpyxl.load_workbook(path, read_only=True)
        for ws in wb.worksheets:
            for row in ws.iter_rows(values_only=True):
                out.append([TIMESTAMP.sub("<time>", v) if isinstance(v, str) else v for v in row])
        wb.close()
    return out


def _json(path: Path) -> dict:
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc.pop("generated", None)
    return json.loads(TIMESTAMP.sub("<time>", json.dumps(doc, ensure_ascii=False)))


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_scoring_twice_gives_identical_results(capsys, tmp_path, kind):
    src = (write_csv if kind == "csv" else write_xlsx)(tmp_path / f"各市.{kind}", _varied_rows())
    for n in (1, 2):
        assert cli.run(["score", str(src), "-o", str(tmp_path / f"r{n}.xlsx"), "--json", str(tmp_path / f"r{n}.json"),
                        "-q"]) == 0
    capsys.readouterr()
    j1, j2 = _json(tmp_path / "r1.json"), _json(tmp_path / "r2.json")
    assert j1 == j2
    assert len(j1["cities"]) == 13
    assert _cells(tmp_path / "r1.xlsx") == _cells(tmp_path / "r2.xlsx")
