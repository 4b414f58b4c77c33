"""Cell parsing per the data dictionary of RUBRIC.md: bool spellings, numbers and units, percentages,
enum labels, and the refusals with their problem codes. Expected values are written by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from jsscore.problems import CATALOGUE
from jsscore.readers import values
from jsscore.readers.values import parse
from jsscore.rubric import load

D = Decimal
NBSP, ZWSP, IDSP = "\u00a0", "\u200b", "\u3000"

F = load().fields
BOOL = F["leading_group"]
STAFF = F["city_it_staff"]  # int, 人
FUNDING = F["city_om_funding"]  # number, 万元
INSURED = F["urban_insured"]  # int, 人
COUNTY = F["county_total"]  # int, 个
WEBSITE = F["website_score"]  # number, 分
RATE = F["upload_rate_pension"]  # pct
SI = F["si_centralization"]  # enum 全市 / 市本级 / 未实现
DEPLOY = F["rural_urban_si_deploy"]  # enum 省平台集中 / 市平台集中并向省交换 / 未部署


def ok(p, value, *, warning=None):
    assert p.error is None, p.error
    assert p.value == value
    assert type(p.value) is type(value)
    if warning is None:
        assert p.warning is None, p.warning
    else:
        assert p.warning is not None and p.warning[0] == warning


def refused(p, code):
    assert p.value is None
    assert p.error is not None and p.error[0] == code, p.error
    assert code in CATALOGUE


# ---------------------------------------------------------------------------------------------
# bool: 是/否, 有/无, Y/N, yes/no, true/false, 1/0, √/×, ✓/✗ — case- and width-insensitive, spaces ignored

YES = ["是", "有", "Y", "y", "yes", "YES", "Yes", "true", "TRUE", "True", "1", "√", "✓",
       "Ｙ", "ｙ", "ＹＥＳ", "ｙｅｓ", "ＴＲＵＥ", "Ｔｒｕｅ", "１",  # full-width
       " 是 ", f"{IDSP}是{IDSP}", f"是{NBSP}", f"{ZWSP}是", "\t有\n", " y ", " √ ",
       True, 1, 1.0]
NO = ["否", "无", "N", "n", "no", "NO", "No", "false", "FALSE", "False", "0", "×", "✗",
      "Ｎ", "ｎ", "ＮＯ", "ｎｏ", "ＦＡＬＳＥ", "Ｆａｌｓｅ", "０",
      " 否 ", f"{IDSP}否{IDSP}", f"否{NBSP}", f"{ZWSP}无", " × ", " ✗ ",
      False, 0, 0.0]


@pytest.mark.parametrize("raw", YES, ids=repr)
def test_bool_yes(raw):
    ok(parse(BOOL, raw), True)


@pytest.mark.parametrize("raw", NO, ids=repr)
def test_bool_no(raw):
    ok(parse(BOOL, raw), False)


@pytest.mark.parametrize("raw", ["待定", "不详", "2", 2, 0.5, -1, "是的", "yes/no", "是否", "OK", "对", "x?"], ids=repr)
def test_bool_refused(raw):
    refused(parse(BOOL, raw), "bad_bool")


@pytest.mark.parametrize("raw", [None, "", "   ", f"{NBSP}{IDSP}", ZWSP], ids=repr)
def test_blank_is_missing(raw):
    for f in (BOOL, STAFF, FUNDING, RATE, SI):
        refused(parse(f, raw), "missing_value")


# ---------------------------------------------------------------------------------------------
# numbers


@pytest.mark.parametrize(("field", "raw", "value"), [
    (FUNDING, "１６５４．０７", D("1654.07")),       # full-width digits and point
    (FUNDING, "1654.07", D("1654.07")),
    (FUNDING, 1654.07, D("1654.07")),               # a float cell: the figure shown, no binary noise
    (FUNDING, 0.1, D("0.1")),
    (FUNDING, 1253, D(1253)),
    (INSURED, "2,305,118", D(2305118)),             # thousands separators
    (INSURED, "２，３０５，１１８", D(2305118)),      # full-width digits and commas
    (INSURED, 2305118, D(2305118)),
    (INSURED, 2305118.0, D(2305118)),
    (STAFF, f"15{NBSP}", D(15)),                    # trailing NBSP
    (STAFF, "15 ", D(15)),                          # trailing space
    (STAFF, f"{IDSP}15{IDSP}", D(15)),
    (STAFF, f"1{ZWSP}5", D(15)),                    # zero-width space inside
    (STAFF, "15人", D(15)),                         # the field's own unit
    (STAFF, "15 人", D(15)),
    (STAFF, "15.0", D(15)),                         # integral value in an int field
    (FUNDING, "1253.68万元", D("1253.68")),         # the field's own unit
    (FUNDING, "1,253.68 万元", D("1253.68")),
    (COUNTY, "6个", D(6)),
    (WEBSITE, "86.5分", D("86.5")),
    (WEBSITE, "0", D(0)),
], ids=repr)
def test_number_accepted(field, raw, value):
    ok(parse(field, raw), value)


def test_int_value_is_integral():
    p = parse(STAFF, "15.0")
    assert p.value == D(15)
    assert p.value.as_tuple().exponent == 0  # shown as 15, not 15.0


@pytest.mark.parametrize(("field", "raw", "got"), [
    (STAFF, "60万人", "万人"),          # 人 field given 万人
    (INSURED, "230.5万人", "万人"),
    (FUNDING, "16540700元", "元"),      # 万元 field given 元
    (FUNDING, "1.65亿元", "亿元"),
    (STAFF, "15个", "个"),              # 人 field given 个
    (INSURED, "15人次", "人次"),
], ids=repr)
def test_other_unit_refused(field, raw, got):
    p = parse(field, raw)
    refused(p, "wrong_unit")
    assert p.error[1]["got"] == got
    assert p.error[1]["unit"] == field.unit


@pytest.mark.parametrize(("raw", "word"), [("约12", "约"), ("30左右", "左右"), ("大约15", "大约"), ("12余", "余"),
                                           ("约 12 人", "约")], ids=repr)
def test_qualifier_refused(raw, word):
    p = parse(STAFF, raw)
    refused(p, "approximate")
    assert p.error[1]["word"] == word


@pytest.mark.parametrize("raw", ["十二", "十五", "一百二十", "贰拾"], ids=repr)
def test_chinese_numeral_refused(raw):
    refused(parse(STAFF, raw), "chinese_numeral")


@pytest.mark.parametrize("raw", ["12.5", 12.5, "15.5人"], ids=repr)
def test_not_integer(raw):
    refused(parse(STAFF, raw), "not_integer")


def test_fraction_fine_in_number_field():
    ok(parse(FUNDING, "12.5"), D("12.5"))


@pytest.mark.parametrize("raw", [dt.datetime(2024, 3, 15), dt.date(2024, 3, 15), dt.datetime(1900, 1, 15)], ids=repr)
def test_date_refused(raw):
    for f in (STAFF, FUNDING, RATE):
        refused(parse(f, raw), "date_value")


@pytest.mark.parametrize("raw", ["#DIV/0!", "#N/A", "#VALUE!", "#REF!", " #div/0! "], ids=repr)
def test_excel_error(raw):
    for f in (STAFF, FUNDING, RATE, BOOL, SI):
        refused(parse(f, raw), "excel_error")


@pytest.mark.parametrize("raw", ["abc", "十二个人吧", "12-15", "1.2.3", True, False, float("nan"), "15 people"], ids=repr)
def test_not_a_number(raw):
    refused(parse(STAFF, raw), "not_a_number")


# ---------------------------------------------------------------------------------------------
# pct: a percent cell, "96.9%" text, or plain points with a header saying so; guesses carry a warning


def test_pct_percent_cell():
    ok(parse(RATE, 0.969, percent_cell=True), D("0.969"))


def test_pct_percent_cell_one():
    ok(parse(RATE, 1, percent_cell=True), D(1))


@pytest.mark.parametrize(("raw", "value"), [
    ("96.9%", D("0.969")),        # 96.9 / 100
    ("96.9 %", D("0.969")),
    ("９６．９％", D("0.969")),     # full-width
    ("100%", D(1)),
    ("0%", D(0)),
    ("95%", D("0.95")),
], ids=repr)
def test_pct_text(raw, value):
    ok(parse(RATE, raw), value)


def test_pct_plain_fraction_warns():
    ok(parse(RATE, 0.969), D("0.969"), warning="pct_guessed")


def test_pct_plain_fraction_text_warns():
    ok(parse(RATE, "0.969"), D("0.969"), warning="pct_guessed")


def test_pct_plain_points_warns():
    # 96.9 / 100 = 0.969
    ok(parse(RATE, 96.9), D("0.969"), warning="pct_guessed")


def test_pct_guess_warning_says_the_reading():
    p = parse(RATE, 96.9)
    assert p.warning[1]["shown"] == "96.9%"
    p = parse(RATE, 0.969)
    assert p.warning[1]["shown"] == "96.9%"


def test_pct_points_header_no_warning():
    ok(parse(RATE, 96.9, percent_points=True), D("0.969"))
    ok(parse(RATE, "96.9", percent_points=True), D("0.969"))
    ok(parse(RATE, 100, percent_points=True), D(1))


@pytest.mark.parametrize("kw", [{}, {"percent_cell": True}, {"percent_points": True}], ids=repr)
def test_pct_zero_no_warning(kw):
    p = parse(RATE, 0, **kw)
    assert p.error is None
    assert p.value == D(0)
    assert p.warning is None


@pytest.mark.parametrize(("raw", "kw"), [
    ("105%", {}),
    ("-1%", {}),
    (1.05, {"percent_cell": True}),   # 105 % as a percent cell
    (105, {"percent_points": True}),
    (150, {}),
    (-0.5, {}),
], ids=repr)
def test_pct_out_of_range(raw, kw):
    refused(parse(RATE, raw, **kw), "pct_out_of_range")


@pytest.mark.parametrize("raw", ["约95%", "高", "95%%", "九十五%"], ids=repr)
def test_pct_not_a_number(raw):
    p = parse(RATE, raw)
    assert p.value is None and p.error is not None


# ---------------------------------------------------------------------------------------------
# enum: exact labels after trimming spaces (incl. NBSP, ZWSP, ideographic) and folding full-width


@pytest.mark.parametrize(("field", "raw", "value"), [
    (SI, "全市", "全市"),
    (SI, " 全市 ", "全市"),
    (SI, f"全市{NBSP}", "全市"),
    (SI, f"{ZWSP}全市", "全市"),
    (SI, f"{IDSP}市本级{IDSP}", "市本级"),
    (SI, "全 市", "全市"),
    (SI, f"未{ZWSP}实现", "未实现"),
    (SI, "\t未实现\n", "未实现"),
    (DEPLOY, f"{NBSP}省平台集中 ", "省平台集中"),
    (DEPLOY, f"市平台集中{IDSP}并向省交换", "市平台集中并向省交换"),
    (DEPLOY, "未部署", "未部署"),
], ids=repr)
def test_enum_accepted(field, raw, value):
    ok(parse(field, raw), value)


@pytest.mark.parametrize(("field", "raw"), [
    (SI, "全省"), (SI, "市级"), (SI, "是"), (SI, "1"), (DEPLOY, "省平台"), (DEPLOY, "已部署"), (DEPLOY, 4),
], ids=repr)
def test_enum_refused(field, raw):
    p = parse(field, raw)
    refused(p, "bad_enum")
    assert "全市" in p.error[1]["choices"] or "省平台集中" in p.error[1]["choices"]


@pytest.mark.parametrize(("raw", "blank"), [
    (None, True), ("", True), (" ", True), ("\u3000", True), ("\u00a0\t", True), ("\u200b", True),
    ("\ufeff \u200d", True), ("\u00ad", True), ("\u3000是", False), ("\u200b5", False), ("是", False),
    ("0", False), (0, False), (0.0, False), (False, False),
])
def test_is_blank(raw, blank):
    """Blank means nothing visible after width folding and trimming every kind of space; the quick
    answer for a visible first character must agree with the full normalisation."""
    assert values.is_blank(raw) is blank
