"""Build the illustrative sample inputs: ``jiangsu_2026_sample.xlsx`` (the collection template, filled in)
and its CSV twin ``jiangsu_2026_sample.csv`` (UTF-8 with BOM, wide layout: header = field keys).

Run with the project's venv:  ``/work/venv/bin/python sample_data/make_sample.py [OUTDIR]``
(OUTDIR defaults to this folder). The figures are invented but plausible; they are designed so that
the 13 totals are all different, strong and weak cities mix, and several items sit exactly on their
threshold (see README.md beside this script). ``tests/test_golden.py`` holds the hand-calculated scores.
"""

from __future__ import annotations

import csv
import sys
import warnings
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
XLSX_NAME = "jiangsu_2026_sample.xlsx"
CSV_NAME = "jiangsu_2026_sample.csv"

BOOL_FIELDS = (
    "leading_group", "it_mgmt_measures", "requirements_mgmt", "om_db", "om_network", "om_security",
    "std_network", "std_core_platform", "std_security", "dc_city_si", "dc_city_hr", "dc_city_lr",
    "dc_county_si", "dc_county_hr", "dc_county_lr", "dr_center", "security_level_protection", "digital_cert",
    "hr_market_platform", "lr_inspection", "lr_arbitration", "lr_employment_filing", "xr_pension_transfer",
    "xr_eligibility_cert", "xr_medical_settlement", "card_standard", "card_use_si", "card_use_hr", "card_use_lr",
    "data_monitoring", "fund_supervision", "grassroots_platform", "grassroots_services", "one_window",
)
UPLOAD_FIELDS = ("upload_rate_pension", "upload_rate_medical", "upload_rate_unemployment", "upload_rate_injury",
                 "upload_rate_maternity")
NET_LEVELS = ("city", "county", "street", "community")

# Per city:
#   staff, funding (万元), urban_insured (人), counties (total, with IT body, staffed ≥3),
#   outlets per level ((total, connected) for city/county/street/community),
#   card (holders, target), upload rates in percent points (pension, medical, unemployment, injury, maternity),
#   website, hotline, si_centralization, rural_urban_si_deploy, integration_count,
#   and the yes/no fields answered 否 (every other yes/no field is 是).
CITIES: dict[str, dict] = {
    "南京市": dict(
        staff=22, funding="1800", insured=5_620_000, counties=(11, 11, 9),
        net=((28, 28), (98, 96), (101, 101), (1203, 1180)), card=(9_050_000, 9_000_000),
        upload=("99.2", "98.7", "97.5", "98.1", "96.9"), website="96.5", hotline="94",
        si="全市", rural="省平台集中", integration=3, no=("card_use_lr",)),
    "无锡市": dict(
        staff=18, funding="1350", insured=4_080_000, counties=(7, 7, 7),
        net=((16, 16), (66, 64), (82, 82), (960, 940)), card=(6_420_000, 6_300_000),
        upload=("98.4", "95.0", "97.2", "96.8", "97.7"), website="91.2", hotline="95.5",
        si="全市", rural="省平台集中", integration=2, no=("om_security", "xr_medical_settlement")),
    "常州市": dict(
        staff=16, funding="860", insured=2_650_000, counties=(6, 6, 5),
        net=((12, 12), (44, 40), (61, 58), (683, 650)), card=(4_310_000, 4_200_000),
        upload=("97.9", "96.3", "95.8", "96.6", "97.0"), website="89.4", hotline="90.6",
        si="全市", rural="市平台集中并向省交换", integration=3, no=("dr_center", "fund_supervision")),
    "苏州市": dict(
        staff=26, funding="2600", insured=8_150_000, counties=(9, 9, 9),
        net=((35, 35), (120, 120), (96, 96), (2060, 2041)), card=(11_800_000, 11_500_000),
        upload=("99.5", "99.1", "98.8", "99.0", "98.6"), website="97.3", hotline="96.1",
        si="全市", rural="省平台集中", integration=3, no=()),
    "镇江市": dict(
        staff=12, funding="450", insured=1_420_000, counties=(6, 6, 4),
        net=((10, 10), (32, 31), (50, 49), (780, 752)), card=(3_150_000, 3_100_000),
        upload=("97.1", "96.0", "95.9", "96.4", "95.6"), website="85", hotline="88.8",
        si="全市", rural="省平台集中", integration=2, no=("lr_employment_filing", "grassroots_services")),
    "南通市": dict(
        staff=13, funding="980", insured=3_060_000, counties=(7, 7, 6),
        net=((14, 14), (58, 56), (96, 94), (1820, 1750)), card=(7_260_000, 7_260_000),
        upload=("98.0", "97.3", "96.1", "96.9", "95.4"), website="90", hotline="92.5",
        si="全市", rural="省平台集中", integration=3, no=("digital_cert", "data_monitoring")),
    "扬州市": dict(
        staff=11, funding="549", insured=1_830_000, counties=(6, 5, 4),
        net=((11, 11), (36, 35), (84, 80), (1460, 1395)), card=(4_380_000, 4_450_000),
        upload=("96.2", "95.8", "95.1", "96.0", "95.3"), website="86.6", hotline="89.9",
        si="全市", rural="市平台集中并向省交换", integration=2, no=("card_use_hr",)),
    "泰州市": dict(
        staff=9, funding="520", insured=1_710_000, counties=(6, 6, 3),
        net=((10, 10), (30, 29), (88, 85), (1650, 1540)), card=(4_200_000, 4_100_000),
        upload=("96.5", "94.2", "95.5", "96.0", "95.2"), website="83.7", hotline="87.2",
        si="全市", rural="省平台集中", integration=3, no=("xr_eligibility_cert",)),
    "徐州市": dict(
        staff=8, funding="1000", insured=3_240_000, counties=(10, 10, 7),
        net=((18, 18), (86, 84), (157, 152), (2480, 2390)), card=(9_100_000, 9_000_000),
        upload=("97.6", "96.5", "95.9", "96.2", "95.7"), website="88", hotline="91.3",
        si="市本级", rural="省平台集中", integration=3,
        no=("requirements_mgmt", "om_network", "xr_medical_settlement")),
    "连云港市": dict(
        staff=9, funding="380", insured=1_280_000, counties=(6, 5, 2),
        net=((9, 9), (26, 24), (70, 66), (1580, 1420)), card=(4_360_000, 4_500_000),
        upload=("95.3", "93.8", "92.4", "94.6", "91.9"), website="78.5", hotline="82",
        si="市本级", rural="市平台集中并向省交换", integration=1,
        no=("dr_center", "lr_arbitration", "lr_employment_filing", "card_use_lr", "fund_supervision",
            "grassroots_platform")),
    "淮安市": dict(
        staff=10, funding="500", insured=1_560_000, counties=(7, 7, 5),
        net=((12, 12), (40, 38), (98, 95), (850, 804)), card=(5_020_000, 4_900_000),
        upload=("96.6", "95.9", "95.2", "95.8", "95.5"), website="84.3", hotline="86.9",
        si="全市", rural="省平台集中", integration=2, no=("std_security", "security_level_protection")),
    "盐城市": dict(
        staff=7, funding="700", insured=2_280_000, counties=(9, 8, 6),
        net=((15, 15), (62, 60), (128, 124), (2420, 2330)), card=(7_185_600, 7_200_000),
        upload=("96.8", "95.5", "95.1", "96.1", "95.4"), website="82.4", hotline="85.5",
        si="全市", rural="省平台集中", integration=3, no=("dc_county_lr", "one_window")),
    "宿迁市": dict(
        staff=6, funding="320", insured=1_350_000, counties=(5, 3, 1),
        net=((8, 8), (22, 19), (118, 98), (1450, 1130)), card=(3_980_000, 4_600_000),
        upload=("93.5", "91.2", "88.7", "90.3", "89.6"), website="72.6", hotline="76.3",
        si="市本级", rural="未部署", integration=0,
        no=("requirements_mgmt", "om_db", "om_network", "om_security", "std_core_platform", "dc_county_hr",
            "dc_county_lr", "dr_center", "digital_cert", "lr_inspection", "lr_arbitration", "lr_employment_filing",
            "xr_medical_settlement", "card_use_hr", "card_use_lr", "data_monitoring", "fund_supervision",
            "grassroots_services", "one_window")),
}


def _number(text: str) -> int | float:
    d = Decimal(text)
    return int(d) if d == d.to_integral_value() else float(d)


def records() -> dict[str, dict]:
    """Field key → value per city, typed for the workbook: bool as 是/否, pct as a fraction (float),
    numbers as int/float, enums as their labels. The CSV writes the same values as text."""
    out: dict[str, dict] = {}
    for city, c in CITIES.items():
        unknown = set(c["no"]) - set(BOOL_FIELDS)
        if unknown:
            raise SystemExit(f"{city}: unknown yes/no fields {sorted(unknown)}")
        v: dict = {
            "city_it_staff": c["staff"], "city_om_funding": _number(c["funding"]), "urban_insured": c["insured"],
            "county_total": c["counties"][0], "county_with_it_body": c["counties"][1],
            "county_staffed_3plus": c["counties"][2],
            "si_centralization": c["si"], "rural_urban_si_deploy": c["rural"], "integration_count": c["integration"],
            "card_holders": c["card"][0], "card_target": c["card"][1],
            "website_score": _number(c["website"]), "hotline_score": _number(c["hotline"]),
        }
        for level, (total, conn) in zip(NET_LEVELS, c["net"], strict=True):
            v[f"net_total_{level}"] = total
            v[f"net_conn_{level}"] = conn
        for key, rate in zip(UPLOAD_FIELDS, c["upload"], strict=True):
            v[key] = ("pct", rate)
        for key in BOOL_FIELDS:
            v[key] = "否" if key in c["no"] else "是"
        out[city] = v
    return out


def write_xlsx(path: Path) -> None:
    import openpyxl

    from jsscore import __version__
    from jsscore.report import template
    from jsscore.rubric import load

    rubric = load()
    template.write(rubric, path, None, __version__)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(path)
    ws = wb[template.DATA_SHEET]
    rows = {ws.cell(r, 1).value: r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value}
    cols = {ws.cell(rows["city"], c).value: c for c in range(2, ws.max_column + 1) if ws.cell(rows["city"], c).value}
    data = records()
    for city, values in data.items():
        col = cols[city]
        for key, value in values.items():
            cell = ws.cell(rows[key], col)
            if isinstance(value, tuple):  # a percentage: an Excel percent cell holding the fraction
                cell.value = float(Decimal(value[1]) / 100)
                if "%" not in cell.number_format:
                    raise SystemExit(f"{key}: template cell {cell.coordinate} is not percent-formatted")
            else:
                cell.value = value
    missing = [k for k in rubric.fields if k not in rows]
    if missing:
        raise SystemExit(f"template lacks rows for {missing}")
    wb.save(path)


def write_csv(path: Path) -> None:
    from jsscore.rubric import load

    rubric = load()
    region = rubric.city_region()
    keys = list(rubric.fields)
    data = records()
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, lineterminator="\r\n")
        w.writerow(keys)
        for city, values in data.items():
            row = []
            for k in keys:
                if k == "city":
                    row.append(city)
                elif k == "region":
                    row.append(region[city])
                else:
                    v = values[k]
                    row.append(f"{v[1]}%" if isinstance(v, tuple) else str(v))
            w.writerow(row)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    outdir = Path(args[0]) if args else HERE
    outdir.mkdir(parents=True, exist_ok=True)
    write_xlsx(outdir / XLSX_NAME)
    write_csv(outdir / CSV_NAME)
    print(f"wrote {outdir / XLSX_NAME} and {outdir / CSV_NAME}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
