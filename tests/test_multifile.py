"""Per-city forms and many files in one run (issue 3, parts 1–2).

The 13 forms are made with `jsscore template --city <name>`, then filled the way a city would: find the
row by its field key in column A and the city's column by the `city` row, and type in the figures of that
city's row in the clean province-wide case C01. Scoring the 13 returns together (as files, or as the
folder holding them) must give exactly the JSON cities of scoring C01 itself; C01's totals and ranks are
the hand-checked reference of shared/cases/C01_wps_dimension_a1.expect.json.
"""

from __future__ import annotations

import json
import re
import shutil
import warnings
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pytest
from conftest import canon as _canon

from jsscore.cli import run

CASES = Path(__file__).resolve().parent / "data"  # copies of ../shared/cases files (CI has no ../shared)
C01 = CASES / "C01_wps_dimension_a1.xlsx"
EXPECT = json.loads((CASES / "C01_wps_dimension_a1.expect.json").read_text(encoding="utf-8"))

REGION = {**dict.fromkeys(["南京市", "无锡市", "常州市", "苏州市", "镇江市"], "苏南"),
          **dict.fromkeys(["南通市", "扬州市", "泰州市"], "苏中"),
          **dict.fromkeys(["徐州市", "连云港市", "淮安市", "盐城市", "宿迁市"], "苏北")}


def c01_rows() -> dict[str, dict]:
    """C01's figures by canonical city: field key → the cell's value."""
    ws = openpyxl.load_workbook(C01).active
    head = [c.value for c in ws[1]]
    out = {}
    for r in ws.iter_rows(min_row=2, values_only=True):
        if r[0]:
            out[_canon(r[0])] = dict(zip(head, r, strict=False))
    return out


def _load(path: Path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return openpyxl.load_workbook(path)


def data_sheet(wb):
    """The sheet whose column A holds the field keys (found by the `city` key, not by its name)."""
    return next(ws for ws in wb.worksheets if any(ws.cell(r, 1).value == "city" for r in range(1, 30)))


def form_cells(ws) -> tuple[dict[str, int], int]:
    """Row of every field key (column A) and the column of the (single) city in the `city` row."""
    rows = {ws.cell(r, 1).value: r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value}
    city_row = rows["city"]
    cols = [c for c in range(2, ws.max_column + 1) if str(ws.cell(city_row, c).value or "") in REGION]
    assert len(cols) == 1, [ws.cell(city_row, c).value for c in range(1, ws.max_column + 1)]
    return rows, cols[0]


def fill(path: Path, figures: dict) -> None:
    wb = _load(path)
    ws = data_sheet(wb)
    rows, col = form_cells(ws)
    for key, v in figures.items():
        if key in ("city", "region"):
            continue
        ws.cell(rows[key], col).value = v
    wb.save(path)


@pytest.fixture(scope="module")
def returns(tmp_path_factory):
    """13 filled per-city forms in a folder, and C01 scored on its own (JSON)."""
    base = tmp_path_factory.mktemp("multi")
    folder = base / "各市报送"
    folder.mkdir()
    figures = c01_rows()
    paths = {}
    for city in figures:
        short = city[:-1]  # `--city 南京`: the name without 市
        p = folder / f"{short}.xlsx"
        assert run(["template", "--city", short, "-o", str(p)]) == 0
        fill(p, figures[city])
        paths[city] = p
    ref = base / "c01.json"
    assert run(["score", str(C01), "-o", str(base / "c01.xlsx"), "--json", str(ref), "-q"]) == 0
    return SimpleNamespace(base=base, folder=folder, paths=paths, figures=figures,
                           ref=json.loads(ref.read_text(encoding="utf-8")))


def _score_json(args: list[str], out_dir: Path, name: str = "r") -> tuple[int, dict | None]:
    jp = out_dir / f"{name}.json"
    rc = run(["score", *args, "-o", str(out_dir / f"{name}.xlsx"), "--json", str(jp), "-q", "-f"])
    return rc, (json.loads(jp.read_text(encoding="utf-8")) if jp.exists() else None)


# ------------------------------------------------------------------------------------------ forms


def test_reference_matches_hand_checked_expectation(returns):
    got = {c["city"]: (c["rank"], Decimal(str(c["total"]))) for c in returns.ref["cities"]}
    want = {c["city"]: (c["rank"], Decimal(c["total"])) for c in EXPECT["expected"]}
    assert got == want


def test_per_city_form_has_its_city_and_region_filled_in(returns):
    for city, p in returns.paths.items():
        wb = _load(p)
        ws = data_sheet(wb)
        rows, col = form_cells(ws)
        assert ws.cell(rows["city"], col).value == city
        assert ws.cell(rows["region"], col).value == REGION[city]
        props = {q.name: q.value for q in wb.custom_doc_props}
        assert "jsscore_template_version" in props
        assert props.get("jsscore_rubric_version")


def test_cities_option_makes_one_form_for_a_subset(tmp_path):
    p = tmp_path / "两市.xlsx"
    assert run(["template", "--cities", "南京,苏州", "-o", str(p)]) == 0
    wb = _load(p)
    ws = data_sheet(wb)
    rows = {ws.cell(r, 1).value: r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value}
    names = [ws.cell(rows["city"], c).value for c in range(2, ws.max_column + 1)]
    assert [n for n in names if n in REGION] == ["南京市", "苏州市"]


def test_unknown_city_for_template_is_a_usage_error(tmp_path):
    assert run(["template", "--city", "上海", "-o", str(tmp_path / "x.xlsx")]) == 2
    assert not (tmp_path / "x.xlsx").exists()


# ------------------------------------------------------------------------------------------ merge


def test_thirteen_files_score_like_the_province_file(returns, tmp_path):
    rc, doc = _score_json([str(p) for p in returns.paths.values()], tmp_path)
    assert rc == 0
    assert doc["cities"] == returns.ref["cities"]
    assert len(doc["inputs"]) == 13
    assert doc["issues"] == []


def test_folder_skips_lock_hidden_and_result_files(returns, tmp_path):
    folder = tmp_path / "收件箱"
    shutil.copytree(returns.folder, folder)
    # an Excel lock file and a hidden file: neither is a workbook, so reading either would fail loudly
    (folder / "~$lock.xlsx").write_bytes(b"\x08someone \x00\x00" + b"\x20" * 40)
    (folder / ".x.xlsx").write_bytes(b"not a workbook")
    # a ranked workbook jsscore wrote earlier, left among the returns: not a return either
    shutil.copy(returns.base / "c01.xlsx", folder / "去年评分结果.xlsx")
    rc, doc = _score_json([str(folder)], tmp_path)
    assert rc == 0
    assert doc["cities"] == returns.ref["cities"]
    names = sorted(Path(i["path"]).name for i in doc["inputs"])
    assert names == sorted(p.name for p in returns.paths.values())


def test_same_city_different_figures_is_an_error_naming_files_and_field(returns, tmp_path, cap):
    folder = tmp_path / "dup"
    shutil.copytree(returns.folder, folder)
    second = folder / "南京_更正.xlsx"
    shutil.copy(returns.paths["南京市"], second)
    wb = _load(second)
    ws = data_sheet(wb)
    rows, col = form_cells(ws)
    ws.cell(rows["city_it_staff"], col).value = 3  # 17 in the first file
    wb.save(second)
    rc, doc = _score_json([str(folder)], tmp_path)
    assert rc == 1
    assert doc is None  # no result written
    text = cap.all()
    line = next((ln for ln in text.splitlines() if "南京_更正.xlsx" in ln and "南京.xlsx" in ln), None)
    assert line is not None, text
    assert "city_it_staff" in line or "市级信息化人员编制数" in line


def test_identical_duplicate_is_scored_once_and_a_missing_city_listed(returns, tmp_path):
    folder = tmp_path / "dup2"
    shutil.copytree(returns.folder, folder)
    shutil.copy(returns.paths["南京市"], folder / "南京_再次报送.xlsx")  # the same return sent twice
    (folder / "扬州.xlsx").unlink()  # 扬州 has not sent its return
    rc, doc = _score_json([str(folder)], tmp_path)
    assert rc == 0
    # 南京 once, with the same figures; 扬州 absent; everybody else as in the province file
    ref = {c["city"]: c for c in returns.ref["cities"]}
    assert [c["city"] for c in doc["cities"]] == [c for c in ref if c != "扬州市"]
    for c in doc["cities"]:
        assert c["total"] == ref[c["city"]]["total"] and c["items"] == ref[c["city"]]["items"]
        # 扬州 was 10th of 13 (expect.json): the three below it move up one place, the others keep theirs
        r = ref[c["city"]]["rank"]
        assert c["rank"] == (r - 1 if r > 10 else r)
    dups = [i for i in doc["issues"] if i["city"] == "南京市"]
    assert len(dups) == 1
    assert dups[0]["severity"] == "warning"
    assert "南京_再次报送.xlsx" in dups[0]["message"]
    missing = [i for i in doc["issues"] if i["city"] == "扬州市"]
    assert len(missing) == 1 and missing[0]["severity"] == "warning"
    assert len(doc["issues"]) == 2


def test_require_all_makes_a_missing_city_an_error(returns, tmp_path, cap):
    folder = tmp_path / "twelve2"
    shutil.copytree(returns.folder, folder)
    (folder / "扬州.xlsx").unlink()
    rc = run(["score", str(folder), "-o", str(tmp_path / "r.xlsx"), "--require-all"])
    assert rc == 1
    assert not (tmp_path / "r.xlsx").exists()
    assert "扬州市" in cap.all()


def _set_prop(src: Path, dst: Path, name: str, value: str) -> None:
    wb = _load(src)
    props = wb.custom_doc_props
    for p in props:
        if p.name == name:
            p.value = value
            break
    else:  # pragma: no cover - the template always has it
        raise AssertionError(f"{name} missing from {src}")
    wb.save(dst)


def _versions_in(text: str) -> set[str]:
    return set(re.findall(r"\d+(?:\.\d+)*", text))


def test_outdated_forms_are_warnings_naming_the_versions(returns, tmp_path):
    current = {p.name: p.value for p in _load(returns.paths["南京市"]).custom_doc_props}["jsscore_template_version"]
    assert current != "0"
    folder = tmp_path / "old"
    shutil.copytree(returns.folder, folder)
    _set_prop(returns.paths["南京市"], folder / "南京.xlsx", "jsscore_template_version", "0")
    _set_prop(returns.paths["苏州市"], folder / "苏州.xlsx", "jsscore_rubric_version", "2019.7")
    rc, doc = _score_json([str(folder)], tmp_path)
    assert rc == 0  # warnings: the figures are still read
    assert doc["cities"] == returns.ref["cities"]
    old = {Path(i["file"]).name: i["message"] for i in doc["issues"] if i["code"] == "template_outdated"}
    assert set(old) == {"南京.xlsx", "苏州.xlsx"}
    assert {"0", str(current)} <= _versions_in(old["南京.xlsx"])
    assert "2019.7" in _versions_in(old["苏州.xlsx"])
    assert len(doc["issues"]) == 2


def test_validate_reads_the_folder_too(returns, cap):
    assert run(["validate", str(returns.folder)]) == 0


def test_scoring_a_folder_twice_with_the_default_output(returns, tmp_path, cap):
    folder = tmp_path / "twice"
    shutil.copytree(returns.folder, folder)
    assert run(["score", str(folder), "-q"]) == 0
    # README workflow step 4, run again (e.g. after one city sent a correction): must still score the
    # 13 returns and nothing else, whatever the first run left behind
    assert run(["score", str(folder), "-q", "-f", "--json", str(tmp_path / "again.json")]) == 0
    doc = json.loads((tmp_path / "again.json").read_text(encoding="utf-8"))
    assert doc["cities"] == returns.ref["cities"]
    assert len(doc["inputs"]) == 13


def test_cities_option_does_not_repeat_a_city(tmp_path):
    p = tmp_path / "重复.xlsx"
    rc = run(["template", "--cities", "南京,南京市", "-o", str(p)])
    if rc == 0:  # de-duplicated: one column
        ws = data_sheet(_load(p))
        rows = {ws.cell(r, 1).value: r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value}
        names = [ws.cell(rows["city"], c).value for c in range(2, ws.max_column + 1)]
        assert [n for n in names if n in REGION] == ["南京市"]
    else:  # or refused as a usage error
        assert rc == 2
