"""The shipped rubric matches RUBRIC.md (ids, points, fields, parameters, cities), and broken copies of
it are refused with every problem listed at once, each with its line ("第 N 行")."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from jsscore.rubric import RubricError, default_path, load

D = Decimal

# RUBRIC.md "Items": the 36 ids (the contract) with their points, in order.
ITEMS = [
    ("1.1.1", 2), ("1.1.2a", 2), ("1.1.2b", 2), ("1.1.3a", 1), ("1.1.3b", 1),
    ("1.2.1", 2), ("1.2.2", 1), ("1.2.3", 1),
    ("1.3.1", 1), ("1.3.2", 3), ("1.3.3", 1),
    ("2.1.1", 8), ("2.1.2", 2), ("2.2.1", 6),
    ("2.3.1", 2), ("2.3.2", 1), ("2.3.3", 1),
    ("3.1.1", 4), ("3.1.2", 4), ("3.2.1", 5), ("3.3.1", 4), ("3.4.1", 3),
    ("3.5.1", 1), ("3.5.2", 1), ("3.5.3", 1),
    ("4.1.1", 6), ("4.2.1", 6), ("4.3.1", 3),
    ("5.1.1", 5), ("5.2.1", 3), ("5.2.2", 2),
    ("6.1.1", 5), ("6.2.1", 5), ("6.3.1", 2), ("6.3.2", 1), ("6.3.3", 2),
]

# RUBRIC.md "Category maxima": 17 + 20 + 23 + 15 + 10 + 15 = 100
CATEGORIES = [("管理机制", 17), ("基础平台", 20), ("应用系统", 23), ("社会保障卡", 15), ("资源开发", 10), ("公共服务", 15)]

# RUBRIC.md "Data dictionary": every key, with its type
FIELDS = {
    "city": "text", "region": "region", "leading_group": "bool", "city_it_staff": "int",
    "city_om_funding": "number", "urban_insured": "int", "county_total": "int", "county_with_it_body": "int",
    "county_staffed_3plus": "int", "it_mgmt_measures": "bool", "requirements_mgmt": "bool",
    "om_db": "bool", "om_network": "bool", "om_security": "bool",
    "std_network": "bool", "std_core_platform": "bool", "std_security": "bool",
    "dc_city_si": "bool", "dc_city_hr": "bool", "dc_city_lr": "bool",
    "dc_county_si": "bool", "dc_county_hr": "bool", "dc_county_lr": "bool",
    "net_total_city": "int", "net_conn_city": "int", "net_total_county": "int", "net_conn_county": "int",
    "net_total_street": "int", "net_conn_street": "int", "net_total_community": "int",
    "net_conn_community": "int",
    "dr_center": "bool", "security_level_protection": "bool", "digital_cert": "bool",
    "si_centralization": "enum", "rural_urban_si_deploy": "enum", "hr_market_platform": "bool",
    "lr_inspection": "bool", "lr_arbitration": "bool", "lr_employment_filing": "bool",
    "integration_count": "int",
    "xr_pension_transfer": "bool", "xr_eligibility_cert": "bool", "xr_medical_settlement": "bool",
    "card_holders": "int", "card_target": "int", "card_standard": "bool",
    "card_use_si": "bool", "card_use_hr": "bool", "card_use_lr": "bool",
    "upload_rate_pension": "pct", "upload_rate_medical": "pct", "upload_rate_unemployment": "pct",
    "upload_rate_injury": "pct", "upload_rate_maternity": "pct",
    "data_monitoring": "bool", "fund_supervision": "bool", "website_score": "number", "hotline_score": "number",
    "grassroots_platform": "bool", "grassroots_services": "bool", "one_window": "bool",
}

REGIONS = {
    "苏南": ("南京市", "无锡市", "常州市", "苏州市", "镇江市"),
    "苏中": ("南通市", "扬州市", "泰州市"),
    "苏北": ("徐州市", "连云港市", "淮安市", "盐城市", "宿迁市"),
}

PARAMS = {
    "staff_min.苏南": D(15), "staff_min.苏中": D(10), "staff_min.苏北": D(8), "funding_per_insured_yuan": D(3),
    "dc_concentration_target": D("1.00"), "network_coverage_target": D("0.95"), "upload_rate_target": D("0.95"),
    "website_full": D(100), "hotline_full": D(100), "rank_method": "competition",
}


@pytest.fixture(scope="module")
def shipped():
    return load()


def test_loads(shipped):
    assert shipped.total == D(100)
    assert len(shipped.items) == 36
    assert len(shipped.sha256) == 64


def test_item_ids_exactly_the_contract(shipped):
    assert [i.id for i in shipped.items] == [i for i, _ in ITEMS]


def test_item_points(shipped):
    assert {i.id: i.max for i in shipped.items} == {i: D(p) for i, p in ITEMS}


def test_categories(shipped):
    assert [(c.name, c.max) for c in shipped.categories] == [(n, D(m)) for n, m in CATEGORIES]
    assert sum(c.max for c in shipped.categories) == D(100)
    for c in shipped.categories:
        assert sum(i.max for i in c.items) == c.max
        for w in c.work_items:
            assert sum(i.max for i in w.items) == w.max


def test_items_in_their_category(shipped):
    # the first digit of an id is its category (1 管理机制 … 6 公共服务)
    names = [n for n, _ in CATEGORIES]
    for it in shipped.items:
        assert it.category == names[int(it.id[0]) - 1]


def test_every_field_of_the_data_dictionary(shipped):
    missing = set(FIELDS) - set(shipped.fields)
    assert not missing
    assert {k: shipped.fields[k].type for k in FIELDS} == FIELDS


def test_field_units_and_choices(shipped):
    f = shipped.fields
    assert f["city_it_staff"].unit == "人"
    assert f["urban_insured"].unit == "人"
    assert f["city_om_funding"].unit == "万元"
    assert f["si_centralization"].choices == ("全市", "市本级", "未实现")
    assert f["rural_urban_si_deploy"].choices == ("省平台集中", "市平台集中并向省交换", "未部署")
    assert f["county_total"].min == D(1)
    assert f["card_target"].min == D(1)
    assert f["county_with_it_body"].max_field == "county_total"
    assert f["net_conn_city"].max_field == "net_total_city"
    assert f["integration_count"].max == D(3)
    assert f["website_score"].max_param == "website_full"
    assert f["hotline_score"].max_param == "hotline_full"


def test_regions_and_city_order(shipped):
    assert shipped.regions == REGIONS
    assert len(shipped.city_order) == 13
    assert shipped.city_order[:3] == ("南京市", "无锡市", "常州市")


def test_parameters(shipped):
    assert shipped.defaults() == PARAMS
    assert shipped.parameters["rank_method"].choices == ("competition", "dense")


def test_every_item_input_is_a_field(shipped):
    for it in shipped.items:
        assert it.inputs(shipped), it.id
        for k in it.inputs(shipped):
            assert k in shipped.fields


# ---------------------------------------------------------------------------------------------
# broken copies

SHIPPED_TEXT = default_path().read_text(encoding="utf-8")


def _line_no(text: str, needle: str, nth: int = 0) -> int:
    """1-based line of the nth line containing needle."""
    hits = [n for n, line in enumerate(text.splitlines(), 1) if needle in line]
    return hits[nth]


def _item_block(text: str, item_id: str, nth: int = 0) -> range:
    """Lines of the item table whose id is item_id: its [[…items]] header through its last key."""
    lines = text.splitlines()
    at = _line_no(text, f'id = "{item_id}"', nth)
    start = at - 1  # the header line just above
    assert "[[categories.work_items.items]]" in lines[start - 1]
    end = at
    while end < len(lines) and lines[end].strip():
        end += 1
    return range(start, end + 1)


def _edit_item(text: str, item_id: str, key: str, new: str) -> tuple[str, int]:
    """Replace the value of ``key`` inside item ``item_id``; return the text and the edited line."""
    lines = text.splitlines(keepends=True)
    for n in _item_block(text, item_id):
        if re.match(rf"\s*{re.escape(key)}\s*=", lines[n - 1]):
            indent = lines[n - 1][: len(lines[n - 1]) - len(lines[n - 1].lstrip())]
            lines[n - 1] = f"{indent}{key} = {new}\n"
            return "".join(lines), n
    raise AssertionError(f"{key} not in {item_id}")


def _write(tmp_path, text):
    p = tmp_path / "broken.toml"
    p.write_text(text, encoding="utf-8")
    return p


def _lines_in(problem: str) -> list[int]:
    return [int(n) for n in re.findall(r"第 (\d+) 行", problem)]


def _load_problems(tmp_path, text) -> list[str]:
    with pytest.raises(RubricError) as e:
        load(_write(tmp_path, text))
    return e.value.problems


def test_unchanged_copy_loads(tmp_path):
    r = load(_write(tmp_path, SHIPPED_TEXT))
    assert len(r.items) == 36


def test_four_problems_reported_at_once(tmp_path):
    text = SHIPPED_TEXT
    # 1. 1.1.1 worth 3 instead of 2: 工作机构 (8) no longer equals its items (3+2+2+1+1 = 9)
    text, max_line = _edit_item(text, "1.1.1", "max", "3")
    # 2. 1.1.3b renamed 1.1.3a: a duplicate id, reported at the second (duplicate) one
    text, dup_line = _edit_item(text, "1.1.3b", "id", '"1.1.3a"')
    # 3. 2.3.1 reads a field that does not exist
    text, field_line = _edit_item(text, "2.3.1", "field", '"dr_centre"')
    # 4. 5.2.1 names an unknown method
    text, method_line = _edit_item(text, "5.2.1", "method", '"binarry"')

    problems = _load_problems(tmp_path, text)
    assert len(problems) == 4, problems
    for p in problems:
        assert len(_lines_in(p)) == 1, p

    def one(*words):
        hits = [p for p in problems if all(w in p for w in words)]
        assert len(hits) == 1, (words, problems)
        return _lines_in(hits[0])[0]

    work_item_line = _line_no(text, 'name = "工作机构"')
    assert one("工作机构", "8", "9") in {work_item_line, *_item_block(text, "1.1.1")}
    assert max_line in _item_block(text, "1.1.1")
    dup = one("1.1.3a", "重复")
    assert dup in _item_block(text, "1.1.3a", nth=1)  # the duplicate, not the original
    assert dup_line in _item_block(text, "1.1.3a", nth=1)
    assert dup not in _item_block(text, "1.1.3a", nth=0)
    line = one("2.3.1", "dr_centre")
    assert line in _item_block(text, "2.3.1") and field_line in _item_block(text, "2.3.1")
    line = one("5.2.1", "binarry")
    assert line in _item_block(text, "5.2.1") and method_line in _item_block(text, "5.2.1")


def test_more_problems_reported_at_once(tmp_path):
    text = SHIPPED_TEXT
    # a category max that is not the sum of its work items: 管理机制 18 ≠ 8 + 4 + 5 = 17; the rubric
    # total 100 then differs from 18 + 20 + 23 + 15 + 10 + 15 = 101
    cat_line = _line_no(text, 'name = "管理机制"')
    lines = text.splitlines(keepends=True)
    assert lines[cat_line].strip() == "max = 17"
    lines[cat_line] = "max = 18\n"
    text = "".join(lines)
    # a derived ratio that reads an unknown field
    text = text.replace('numerator = ["city_om_funding"]', 'numerator = ["city_om_fundin"]')
    # a threshold whose target is neither a number nor a parameter
    text, _ = _edit_item(text, "2.2.1", "target", '"network_coverage_targt"')
    # tiers that forget one of the enum's labels
    text, _ = _edit_item(text, "3.1.1", "tiers", '{ "全市" = "4", "市本级" = "2" }')
    # a field of an unknown type (which also makes 2.3.1, a yes/no item reading it, wrong: 7 problems)
    text = text.replace('key = "dr_center"\nlabel = "已建立市级灾备中心"\ntype = "bool"',
                        'key = "dr_center"\nlabel = "已建立市级灾备中心"\ntype = "boolean"')

    problems = _load_problems(tmp_path, text)
    assert len(problems) == 7, problems

    def one(*words):
        hits = [p for p in problems if all(w in p for w in words)]
        assert len(hits) == 1, (words, problems)
        lines_ = _lines_in(hits[0])
        assert len(lines_) == 1, hits[0]
        return lines_[0]

    assert one("管理机制", "18", "17") in (cat_line, cat_line + 1)
    assert one("总分", "100", "101") == _line_no(text, "total = 100")
    assert one("city_om_fundin") == _line_no(text, '"city_om_fundin"')
    assert one("2.2.1", "network_coverage_targt") in _item_block(text, "2.2.1")
    assert one("3.1.1", "未实现") in _item_block(text, "3.1.1")
    key_line = _line_no(text, 'key = "dr_center"')
    assert one("字段 dr_center", "boolean") in (key_line, key_line + 1, key_line + 2)
    assert one("2.3.1", "boolean") in _item_block(text, "2.3.1")


def test_toml_syntax_error_has_line(tmp_path):
    lines = SHIPPED_TEXT.splitlines(keepends=True)
    n = _line_no(SHIPPED_TEXT, 'id = "1.1.1"')
    lines[n - 1] = '    id = "1.1.1\n'  # unterminated string
    problems = _load_problems(tmp_path, "".join(lines))
    assert len(problems) == 1
    assert _lines_in(problems[0]) == [n]
    assert "TOML" in problems[0]


def test_duplicate_field_key_reported_at_the_duplicate(tmp_path):
    # a second [[fields]] block with key = "dr_center" appended after the last field
    dup = '\n[[fields]]\nkey = "dr_center"\nlabel = "重复"\ntype = "bool"\ngroup = "基础平台"\n'
    anchor = "# 跨字段检查。"
    text = SHIPPED_TEXT.replace(anchor, dup + "\n" + anchor)
    problems = _load_problems(tmp_path, text)
    assert len(problems) == 1, problems
    assert "dr_center" in problems[0] and "重复" in problems[0]
    assert _lines_in(problems[0]) == [_line_no(text, 'key = "dr_center"', nth=1)]


def test_unreadable_file(tmp_path):
    with pytest.raises(RubricError) as e:
        load(tmp_path / "no_such.toml")
    assert len(e.value.problems) == 1


def test_error_message_lists_all(tmp_path):
    text, _ = _edit_item(SHIPPED_TEXT, "2.3.1", "field", '"dr_centre"')
    text, _ = _edit_item(text, "5.2.1", "method", '"binarry"')
    with pytest.raises(RubricError) as e:
        load(_write(tmp_path, text))
    assert "2 处问题" in str(e.value)
    for p in e.value.problems:
        assert p in str(e.value)
