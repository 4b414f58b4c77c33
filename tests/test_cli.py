"""The command line: exit codes, output naming, --quiet, --json shape, --param, help/version; through
``jsscore.cli.run`` (exit codes), ``typer.testing.CliRunner`` on ``jsscore.cli.app``, and the installed
script in a subprocess. Inputs are copies of the sample CSV in tmp_path (sample_data is never written)."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from jsscore import __version__
from jsscore.cli import app, run

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_CSV = ROOT / "sample_data" / "jiangsu_2026_sample.csv"
SAMPLE_XLSX = ROOT / "sample_data" / "jiangsu_2026_sample.xlsx"

ITEM_IDS = [
    "1.1.1", "1.1.2a", "1.1.2b", "1.1.3a", "1.1.3b", "1.2.1", "1.2.2", "1.2.3", "1.3.1", "1.3.2", "1.3.3",
    "2.1.1", "2.1.2", "2.2.1", "2.3.1", "2.3.2", "2.3.3",
    "3.1.1", "3.1.2", "3.2.1", "3.3.1", "3.4.1", "3.5.1", "3.5.2", "3.5.3",
    "4.1.1", "4.2.1", "4.3.1", "5.1.1", "5.2.1", "5.2.2", "6.1.1", "6.2.1", "6.3.1", "6.3.2", "6.3.3",
]
CATEGORIES = ["管理机制", "基础平台", "应用系统", "社会保障卡", "资源开发", "公共服务"]


def read_rows(path: Path = SAMPLE_CSV) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))


def write_rows(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


@pytest.fixture
def good(tmp_path) -> Path:
    dst = tmp_path / "各市填报.csv"
    shutil.copyfile(SAMPLE_CSV, dst)
    return dst


@pytest.fixture
def blank_cell(tmp_path) -> Path:
    """The sample with 南京市's city_it_staff left blank (a required cell)."""
    rows = read_rows()
    col = rows[0].index("city_it_staff")
    (r,) = [i for i, row in enumerate(rows) if row[0] == "南京市"]
    rows[r][col] = ""
    return write_rows(tmp_path / "缺项.csv", rows)


def outputs(folder: Path) -> list[str]:
    """Files a run may have left in the folder (results, json, temporaries)."""
    return sorted(p.name for p in folder.iterdir() if "评分结果" in p.name or p.suffix == ".json"
                  or p.name.startswith(".jsscore-") or p.name.startswith("out"))


# ---------------------------------------------------------------------------------------------- exit codes (run)


def test_good_file_exit_0(good, tmp_path, capsys):
    out = tmp_path / "out.xlsx"
    assert run(["score", str(good), "-o", str(out)]) == 0
    assert out.exists()
    printed = capsys.readouterr().out
    assert "苏州市" in printed and "99.68" in printed  # the ranking table: 苏州市 first with 99.68


def test_blank_required_cell_exit_1_no_output(blank_cell, tmp_path, capsys):
    before = blank_cell.read_bytes()
    code = run(["score", str(blank_cell), "-o", str(tmp_path / "out.xlsx"), "--json", str(tmp_path / "out.json")])
    assert code == 1
    err = capsys.readouterr().err
    assert "南京市" in err and "city_it_staff" in err and "D2" in err  # city, field and cell named
    assert outputs(tmp_path) == []  # neither workbook nor JSON nor a temporary left behind
    assert blank_cell.read_bytes() == before


def test_blank_cell_in_template_names_sheet_and_cell(tmp_path, capsys):
    wb = openpyxl.load_workbook(SAMPLE_XLSX)
    ws = wb["填报表"]
    rows = {ws.cell(r, 1).value: r for r in range(1, ws.max_row + 1)}
    cols = {ws.cell(rows["city"], c).value: c for c in range(1, ws.max_column + 1)}
    cell = ws.cell(rows["card_target"], cols["泰州市"])
    cell.value = None
    src = tmp_path / "填报.xlsx"
    wb.save(src)
    assert run(["score", str(src), "-q"]) == 1
    err = capsys.readouterr().err
    assert f"填报表!{cell.coordinate}" in err and "泰州市" in err and "card_target" in err
    assert outputs(tmp_path) == []


def test_unreadable_file_exit_2(tmp_path, capsys):
    bad = tmp_path / "坏文件.xlsx"
    bad.write_bytes(b"this is not a workbook at all")
    assert run(["score", str(bad), "-o", str(tmp_path / "out.xlsx")]) == 2
    assert "坏文件.xlsx" in capsys.readouterr().err
    assert outputs(tmp_path) == []


def test_missing_file_exit_2(tmp_path, capsys):
    assert run(["score", str(tmp_path / "不存在.csv"), "-o", str(tmp_path / "out.xlsx")]) == 2
    assert "不存在.csv" in capsys.readouterr().err
    assert outputs(tmp_path) == []


@pytest.mark.parametrize("param", [
    "no_such_key=1",  # unknown key
    "network_coverage_target=abc",  # not a number
    "network_coverage_target=1.5",  # a pct above 100%
    "rank_method=alphabetical",  # not a choice
    "staff_min.苏北=-1",  # below the parameter's minimum
    "network_coverage_target",  # no "="
])
def test_bad_param_exit_2(param, good, tmp_path, capsys):
    assert run(["score", str(good), "-o", str(tmp_path / "out.xlsx"), "--param", param]) == 2
    assert "参数" in capsys.readouterr().err
    assert outputs(tmp_path) == []


def test_unknown_option_exit_2(good, capsys):
    assert run(["score", str(good), "--no-such-option"]) == 2
    assert "--no-such-option" in capsys.readouterr().err


def test_no_input_exit_2(capsys):
    assert run(["score"]) == 2


# ---------------------------------------------------------------------------------------------- output behaviour


def test_quiet_prints_nothing_on_success(good, tmp_path, capsys):
    assert run(["score", str(good), "-o", str(tmp_path / "out.xlsx"), "--quiet"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    assert (tmp_path / "out.xlsx").exists()


def test_default_output_beside_input_then_renamed_then_forced(good, tmp_path, capsys):
    before = good.read_bytes()
    first = tmp_path / "各市填报_评分结果.xlsx"
    second = tmp_path / "各市填报_评分结果(2).xlsx"
    assert run(["score", str(good), "-q"]) == 0
    assert first.exists() and not second.exists()
    mtime = first.stat().st_mtime_ns
    assert run(["score", str(good), "-q"]) == 0
    assert second.exists() and first.stat().st_mtime_ns == mtime  # the existing output is kept
    assert run(["score", str(good), "-q", "--force"]) == 0
    assert not (tmp_path / "各市填报_评分结果(3).xlsx").exists()  # --force overwrites the default name
    assert good.read_bytes() == before  # the input is never touched
    assert openpyxl.load_workbook(first, read_only=True).sheetnames[0] == "排名汇总"


def test_explicit_output_taken_gets_a_new_name(good, tmp_path, capsys):
    out = tmp_path / "结果.xlsx"
    out.write_bytes(b"keep me")
    assert run(["score", str(good), "-o", str(out)]) == 0
    assert out.read_bytes() == b"keep me"
    assert (tmp_path / "结果(2).xlsx").exists()
    assert "结果(2).xlsx" in capsys.readouterr().out


def test_json_shape(good, tmp_path):
    js = tmp_path / "out.json"
    assert run(["score", str(good), "-o", str(tmp_path / "out.xlsx"), "--json", str(js), "-q"]) == 0
    doc = json.loads(js.read_text(encoding="utf-8"))
    assert {"rubric", "inputs", "cities", "issues"} <= set(doc)
    assert {"id", "version", "sha256", "parameters"} <= set(doc["rubric"])
    assert doc["rubric"]["parameters"]["network_coverage_target"] == 0.95
    assert doc["rubric"]["parameters"]["staff_min.苏南"] == 15
    assert doc["rubric"]["parameters"]["rank_method"] == "competition"
    assert len(doc["rubric"]["sha256"]) == 64
    assert [Path(i["path"]).name for i in doc["inputs"]] == [good.name] and len(doc["inputs"][0]["sha256"]) == 64
    assert isinstance(doc["issues"], list)
    assert len(doc["cities"]) == 13
    for c in doc["cities"]:
        assert set(c) == {"city", "region", "rank", "total", "categories", "items", "derived", "reasons"}
        assert c["city"].endswith("市") and c["region"] in ("苏南", "苏中", "苏北")
        assert isinstance(c["rank"], int) and isinstance(c["total"], (int, float))
        assert list(c["categories"]) == CATEGORIES
        assert list(c["items"]) == ITEM_IDS
        assert all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in c["items"].values())
        assert abs(sum(c["categories"].values()) - c["total"]) < 1e-9
        assert {"funding_adequacy", "county_it_body_ratio", "county_staffed_ratio", "dc_city_concentration",
                "dc_county_concentration", "network_coverage", "card_rate", "min_upload_rate"} <= set(c["derived"])
        assert set(c["reasons"]) <= set(ITEM_IDS) and all(isinstance(v, str) and v for v in c["reasons"].values())
    assert [c["rank"] for c in doc["cities"]] == list(range(1, 14))



@pytest.mark.parametrize("mutate", ["none", "issues"])
def test_json_file_is_the_document_streamed(good, tmp_path, mutate):
    """--json streams the document a city per line; read back it is exactly jsonout.build's dict,
    with an empty and with a non-empty issue list."""
    from jsscore import engine, intake
    from jsscore.report import jsonout
    from jsscore.rubric import load

    if mutate == "issues":  # a percentage written as plain points: read with a pct_guessed warning
        rows = read_rows(good)
        col = rows[0].index("upload_rate_pension")
        rows[1][col] = "97"
        write_rows(good, rows)
    js = tmp_path / "out.json"
    assert run(["score", str(good), "-o", str(tmp_path / "out.xlsx"), "--json", str(js), "-q"]) == 0
    text = js.read_text(encoding="utf-8")
    rb = load()
    params = engine.parse_params(rb)
    data = intake.gather([good], rb, params)
    doc = jsonout.build(engine.score_all(rb, data.records, params), rb, params, data.inputs, data.problems)
    assert json.loads(text) == json.loads(json.dumps(doc, ensure_ascii=False))
    assert (len(doc["issues"]) > 0) == (mutate == "issues")
    lines = text.splitlines()
    assert lines[0] == "{" and lines[-1] == "}"
    assert sum(1 for ln in lines if ln.startswith('    {"city": ')) == 13  # one line per city


def _tie_file(tmp_path: Path) -> Path:
    """Four cities: 苏州市 (99.68), 南京市 and 无锡市 with identical figures (both 苏南 → 98.35 each),
    宿迁市 (42.25); hand totals from tests/test_golden.py."""
    rows = read_rows()
    by_city = {r[0]: r for r in rows[1:]}
    wuxi = list(by_city["南京市"])
    wuxi[0] = "无锡市"
    return write_rows(tmp_path / "并列.csv", [rows[0], by_city["苏州市"], by_city["南京市"], wuxi, by_city["宿迁市"]])


@pytest.mark.parametrize(("extra", "ranks"), [
    ([], [1, 2, 2, 4]),  # competition (default): 1, 2, 2, 4
    (["--param", "rank_method=dense"], [1, 2, 2, 3]),  # dense (中国式排名): 1, 2, 2, 3
])
def test_rank_method(extra, ranks, tmp_path):
    src = _tie_file(tmp_path)
    js = tmp_path / "out.json"
    assert run(["score", str(src), "-o", str(tmp_path / "out.xlsx"), "--json", str(js), "-q", *extra]) == 0
    doc = json.loads(js.read_text(encoding="utf-8"))
    got = [(c["city"], c["rank"], c["total"]) for c in doc["cities"]]
    assert got == list(zip(["苏州市", "南京市", "无锡市", "宿迁市"], ranks, [99.68, 98.35, 98.35, 42.25], strict=True))
    assert doc["rubric"]["parameters"]["rank_method"] == ("dense" if extra else "competition")
    # nine cities not returned: warnings, not errors
    assert {i["code"] for i in doc["issues"]} == {"city_not_returned"} and len(doc["issues"]) == 9


# ---------------------------------------------------------------------------------------------- CliRunner


def test_cli_runner_score(good, tmp_path):
    out, js = tmp_path / "r.xlsx", tmp_path / "r.json"
    result = CliRunner().invoke(app, ["score", str(good), "-o", str(out), "--json", str(js)])
    assert result.exit_code == 0, result.output
    assert "苏州市" in result.output and str(out.name) in result.output
    assert out.exists() and json.loads(js.read_text(encoding="utf-8"))["cities"][0]["city"] == "苏州市"


def test_cli_runner_quiet(good, tmp_path):
    result = CliRunner().invoke(app, ["score", str(good), "-o", str(tmp_path / "r.xlsx"), "-q"])
    assert result.exit_code == 0
    assert result.output == ""


def test_cli_runner_help_and_version():
    runner = CliRunner()
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0 and "score" in result.output and "template" in result.output
    result = runner.invoke(app, ["score", "--help"])
    assert result.exit_code == 0 and "--param" in result.output and "--json" in result.output
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and __version__ in result.output


def test_usage_lines_in_chinese_without_typer_braces():
    """typer writes a required argument as {NAME}...; jsscore's usage lines read 用法：… 文件或文件夹...
    for a required argument and [路径] for an optional one."""
    runner = CliRunner()
    usage = {}
    for cmd in (["score"], ["validate"], ["rubric", "check"]):
        result = runner.invoke(app, [*cmd, "--help"], terminal_width=120)
        assert result.exit_code == 0
        usage[cmd[-1]] = next(ln.strip() for ln in result.output.splitlines() if "用法：" in ln)
    assert usage == {"score": "用法：jsscore score [选项] 文件或文件夹...",
                     "validate": "用法：jsscore validate [选项] [文件或文件夹]...",
                     "check": "用法：jsscore rubric check [选项] [路径]"}


def test_help_at_80_columns_is_folded_not_cut_off():
    # Chinese help has no spaces to wrap at; rich would cut such a line off with "…". Every help text
    # is there in full once the box drawing and the line breaks are taken out.
    import re

    def flat(args):
        result = CliRunner().invoke(app, args, terminal_width=80)
        assert result.exit_code == 0
        assert max(len(ln) for ln in result.output.splitlines()) <= 80
        return re.sub(r"[\s\u2500-\u257f]+", "", result.output)

    text = flat(["score", "--help"])
    for opt in ("--per-city", "--force", "--rubric"):
        helptext = next(p.help for p in _commands_params("score") if f"{opt}" in p.opts)
        assert re.sub(r"\s+", "", helptext) in text, opt
    text = flat(["--help"])
    assert "读取各设区市填报数据，校验、计分、排名，输出带说明的结果工作簿。" in text
    assert "退出码：0无问题，1有问题，2无法读取。" in text


def _commands_params(name):
    import typer.main

    return typer.main.get_command(app).commands[name].params


def test_run_help_and_version(capsys):
    assert run(["--help"]) == 0
    assert "score" in capsys.readouterr().out
    assert run(["--version"]) == 0
    assert __version__ in capsys.readouterr().out


def test_cli_runner_template(tmp_path):
    out = tmp_path / "t.xlsx"
    result = CliRunner().invoke(app, ["template", "-o", str(out)])
    assert result.exit_code == 0
    assert openpyxl.load_workbook(out).sheetnames == ["说明", "填报表"]


# ---------------------------------------------------------------------------------------------- installed script


def _script() -> list[str]:
    exe = Path(sys.executable).parent / ("jsscore.exe" if os.name == "nt" else "jsscore")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("jsscore")
    return [found] if found else [sys.executable, "-m", "jsscore"]


def _sub(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "NO_COLOR": "1", "COLUMNS": "200"}
    return subprocess.run([*_script(), *args], cwd=cwd, capture_output=True, text=True, encoding="utf-8",
                          env=env, timeout=120)


def test_installed_script_good_file(good, tmp_path):
    p = _sub("score", good.name, "--json", "r.json", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert "Traceback" not in p.stderr
    assert (tmp_path / "各市填报_评分结果.xlsx").exists()
    doc = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert [c["city"] for c in doc["cities"]][:2] == ["苏州市", "南京市"]


def test_piped_output_keeps_to_columns_when_set(good, tmp_path):
    # piped without COLUMNS the console is 160 wide (a log file, a wide window); COLUMNS=80 is obeyed
    from rich.cells import cell_len

    widths = {}
    for cols in ("80", None):
        env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
        env.update({"PYTHONIOENCODING": "utf-8", "NO_COLOR": "1", **({"COLUMNS": cols} if cols else {})})
        p = subprocess.run([*_script(), "score", good.name, "-o", f"r{cols}.xlsx"], cwd=tmp_path, capture_output=True,
                           text=True, encoding="utf-8", env=env, timeout=120)
        assert p.returncode == 0, p.stderr
        widths[cols] = max(cell_len(ln) for ln in p.stdout.splitlines())
    assert widths["80"] <= 80 < widths[None]


def test_installed_script_exit_codes(blank_cell, tmp_path):
    p = _sub("score", blank_cell.name, "-o", "x.xlsx", cwd=tmp_path)
    assert p.returncode == 1 and "Traceback" not in p.stderr
    assert not (tmp_path / "x.xlsx").exists()
    p = _sub("score", "missing.csv", cwd=tmp_path)
    assert p.returncode == 2 and "Traceback" not in p.stderr
    p = _sub("score", blank_cell.name, "--param", "bogus=1", cwd=tmp_path)
    assert p.returncode == 2
    p = _sub("--version", cwd=tmp_path)
    assert p.returncode == 0 and __version__ in p.stdout


# ---------------------------------------------------------------------------------------------- progress


def test_progress_bar_at_a_terminal_only(good, tmp_path, monkeypatch):
    """At a terminal, score shows each stage (reading, checking, scoring, writing) as a progress bar;
    with --quiet, or when the output is not a terminal, nothing of it is printed."""
    import io

    from rich.console import Console

    from jsscore import cli

    def run_with(terminal: bool, *extra: str) -> str:
        buf = io.StringIO()
        monkeypatch.setattr(cli, "out", Console(file=buf, force_terminal=terminal, width=120))
        out = tmp_path / f"r{terminal}{len(extra)}.xlsx"
        assert run(["score", str(good), "-o", str(out), "--json", str(tmp_path / "r.json"), "--force", *extra]) == 0
        return buf.getvalue()

    monkeypatch.setattr(cli, "PROGRESS_DELAY", 0)  # a bar from the first moment of each stage
    shown = run_with(True)
    for stage in ("正在读取", "正在校验", "正在计分", "正在写出结果"):
        assert stage in shown
    assert "100%" in shown
    assert not any(s in run_with(True, "--quiet") for s in ("正在", "━"))
    piped = run_with(False)
    assert "正在" not in piped and "━" not in piped and "100%" not in piped
    assert "结果工作簿" in piped  # the summary itself is still printed


def test_progress_bar_waits_before_it_appears(good, tmp_path, monkeypatch):
    """A stage shorter than PROGRESS_DELAY shows no bar at all, even at a terminal: 13 cities score
    in a fraction of a second and a bar flashing past would be noise."""
    import io

    from rich.console import Console

    from jsscore import cli

    buf = io.StringIO()
    monkeypatch.setattr(cli, "out", Console(file=buf, force_terminal=True, width=120))
    monkeypatch.setattr(cli, "PROGRESS_DELAY", 600)  # far longer than any stage of this run
    assert run(["score", str(good), "-o", str(tmp_path / "r.xlsx"), "--force"]) == 0
    text = buf.getvalue()
    assert "结果工作簿" in text
    assert "正在" not in text and "━" not in text


def test_write_reports_every_unit_of_every_pass(good, tmp_path):
    """The writer's ticks add up to passes(): one per unit per per-unit sheet (6), plus one per
    unit for the per-city sheets when asked for."""
    from jsscore import engine, intake
    from jsscore.report import Report, workbook
    from jsscore.rubric import load

    rb = load()
    params = engine.parse_params(rb)
    data = intake.gather([good], rb, params)
    ticks: list[int] = []
    results = engine.score_all(rb, data.records, params, ticks.append)
    assert sum(ticks) == 13
    rep = Report(results, rb, params, data.inputs, data.problems, "2026-12-03 00:00:00", "t", None)
    for per_city, passes in ((False, 6), (True, 7)):
        ticks.clear()
        workbook.write(rep, tmp_path / f"w{per_city}.xlsx", per_city=per_city, tick=ticks.append)
        assert workbook.passes(rep, per_city) == passes * 13 == sum(ticks)
