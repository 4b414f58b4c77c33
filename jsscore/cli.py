"""Command line: the only module with typer, exit codes and rich error panels. Commands stay thin.

Exit codes: 0 ok · 1 data problems found · 2 usage error, unreadable input or environment problem.
No Python traceback reaches a user; ``--debug`` shows it for developers.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.console import Console

from jsscore import __version__

app = typer.Typer(
    name="jsscore",
    help="江苏省人社信息化工作考核评分工具：生成填报模板、校验各市报送数据、计分排名并输出带说明的结果工作簿。",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)
rubric_app = typer.Typer(help="查看、导出、检查评分规则文件。", no_args_is_help=True)
app.add_typer(rubric_app, name="rubric")

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

EXIT_OK, EXIT_DATA, EXIT_USAGE = 0, 1, 2


class Exit(Exception):
    def __init__(self, code: int):
        self.code = code


def _fail(message: str, code: int = EXIT_USAGE) -> None:
    from rich.panel import Panel

    err.print(Panel(message, title="无法继续", border_style="red", expand=False))
    raise Exit(code)


def _version(value: bool) -> None:
    if value:
        out.print(f"jsscore {__version__}")
        raise typer.Exit(0)


@app.callback()
def main(
    version: bool = typer.Option(False, "--version", "-V", callback=_version, is_eager=True, help="显示版本号后退出。"),
    debug: bool = typer.Option(False, "--debug", help="出错时显示 Python 调用栈（供开发人员排查）。"),
) -> None:
    """江苏省人社信息化工作考核评分工具。"""
    _state["debug"] = debug


_state = {"debug": False}

RubricOpt = typer.Option(None, "--rubric", help="使用指定的评分规则文件（默认为内置规则；可用 jsscore rubric export 导出后修改）。")
ParamOpt = typer.Option(None, "--param", "-p", help="调整参数，格式 键=值，可重复，如 --param network_coverage_target=0.98。")


def _load_rubric(path: Path | None):
    from jsscore.rubric import RubricError, load

    try:
        return load(path)
    except RubricError as e:
        _fail(str(e))


def _params(rubric, overrides: list[str] | None):
    from jsscore.engine import ParamError, parse_params

    try:
        return parse_params(rubric, overrides or [])
    except ParamError as e:
        _fail(f"参数有误：\n{e}")


# ------------------------------------------------------------------------------------------ template


@app.command()
def template(
    output: Path = typer.Option(Path("考核数据填报表.xlsx"), "--output", "-o", help="输出文件路径。"),
    city: str | None = typer.Option(None, "--city", help="只生成某一个设区市的填报表，如 --city 南京。"),
    cities: str | None = typer.Option(None, "--cities", help="生成若干设区市的填报表，逗号分隔，如 --cities 南京,苏州。"),
    force: bool = typer.Option(False, "--force", "-f", help="输出文件已存在时直接覆盖。"),
    rubric: Path | None = RubricOpt,
) -> None:
    """生成空白的数据填报模板（各设区市按列填写）。"""
    from jsscore.intake import canonical_city
    from jsscore.report import template as tpl
    from jsscore.report.safe import OutputError, choose_output

    rb = _load_rubric(rubric)
    names: list[str] | None = None
    wanted = [city] if city else ([c for c in cities.replace("，", ",").split(",") if c.strip()] if cities else [])
    if city and cities:
        _fail("--city 与 --cities 只能选用一个。")
    if wanted:
        names = []
        for w in wanted:
            c = canonical_city(w, rb)
            if c not in rb.city_region():
                _fail(f"“{w}”不是江苏省 13 个设区市之一（可选：{'、'.join(rb.city_order)}）。")
            names.append(c)
        if output == Path("考核数据填报表.xlsx"):
            output = Path(f"考核数据填报表_{names[0] if len(names) == 1 else '多市'}.xlsx")
    try:
        path, renamed = choose_output(output, [], force)
        tpl.write(rb, path, names, __version__)
    except OutputError as e:
        _fail(str(e))
    out.print(f"已生成填报模板：[bold]{path}[/]" + ("（同名文件已存在，已另起文件名；加 --force 可覆盖）" if renamed else ""))


# ------------------------------------------------------------------------------------------ score


@app.command()
def score(
    inputs: list[Path] = typer.Argument(..., help="填报文件（.xlsx/.xls/.csv）或包含多个文件的文件夹，可多个。", show_default=False),
    output: Path | None = typer.Option(None, "--output", "-o", help="结果工作簿路径（默认：输入文件旁的 <文件名>_评分结果.xlsx）。"),
    json_path: Path | None = typer.Option(None, "--json", help="另存一份 JSON 格式的结果（供其他系统读取）。"),
    param: list[str] | None = ParamOpt,
    allow_missing: bool = typer.Option(False, "--allow-missing", help="空白的必填项按 0/否 计分并列为提醒（默认视为错误）。"),
    require_all: bool = typer.Option(False, "--require-all", help="缺少任何一个设区市的数据都视为错误。"),
    previous: Path | None = typer.Option(None, "--previous", help="上一年度的结果工作簿或 JSON，用于对比名次与得分变化。"),
    force: bool = typer.Option(False, "--force", "-f", help="结果文件已存在时直接覆盖。"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="只显示错误。"),
    rubric: Path | None = RubricOpt,
) -> None:
    """读取各设区市填报数据，校验、计分、排名，输出带说明的结果工作簿。"""
    import datetime as dt

    from jsscore import engine
    from jsscore.report import Report, console, jsonout, workbook
    from jsscore.report.safe import OutputError, choose_output

    rb = _load_rubric(rubric)
    params = _params(rb, param)
    data = _gather(inputs, rb, params, allow_missing, require_all)
    if data.errors:
        _report_errors(data)
        raise Exit(EXIT_DATA)
    prev = None
    if previous is not None:
        from jsscore import history

        try:
            prev = history.load_previous(previous)
        except history.HistoryError as e:
            _fail(str(e))
    results = engine.score_all(rb, data.records, params)
    rep = Report(results, rb, params, data.inputs, data.problems,
                 dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S"), __version__, prev)
    first = inputs[0]
    default = (first / f"{first.name}_评分结果.xlsx") if first.is_dir() else first.with_name(f"{first.stem}_评分结果.xlsx")
    try:
        path, renamed = choose_output(output or default, list(inputs), force)
        jpath = None
        if json_path is not None:
            jpath, _ = choose_output(json_path, list(inputs), True)
        workbook.write(rep, path)
        if jpath is not None:
            jsonout.write(jsonout.build(results, rb, params, data.inputs, data.problems), jpath)
    except OutputError as e:
        _fail(str(e))
    if not quiet:
        console.summary(out, rep, str(path), str(jpath) if json_path else None, renamed)


def _gather(inputs, rb, params, allow_missing=False, require_all=False):
    from jsscore import intake
    from jsscore.problems import InputError

    try:
        return intake.gather(list(inputs), rb, params, allow_missing=allow_missing, require_all=require_all)
    except InputError as e:
        _fail(str(e))


def _report_errors(data) -> None:
    from jsscore.report import console

    errors = data.errors
    console.print_problems(err, data.problems, f"发现 {len(errors)} 处错误（另有 {len(data.problems) - len(errors)} 条提醒），"
                           "未计分、未生成结果文件：")
    err.print("请按“说明”一列修改后重新运行；用 [bold]jsscore validate 文件 -o 退回清单.xlsx[/] 可生成发给各市的修改清单。")


# ------------------------------------------------------------------------------------------ validate


@app.command()
def validate(
    inputs: list[Path] = typer.Argument(None, help="填报文件或文件夹，可多个。", show_default=False),
    output: Path | None = typer.Option(None, "--output", "-o", help="生成退回修改清单工作簿（每个设区市一张表）。"),
    json_path: Path | None = typer.Option(None, "--json", help="以 JSON 格式保存校验结果。"),
    codes: bool = typer.Option(False, "--codes", help="列出所有问题代码及其含义后退出。"),
    strict: bool = typer.Option(False, "--strict", help="有提醒也按“发现问题”返回退出码 1。"),
    param: list[str] | None = ParamOpt,
    allow_missing: bool = typer.Option(False, "--allow-missing", help="空白的必填项只作提醒。"),
    require_all: bool = typer.Option(False, "--require-all", help="缺少任何一个设区市的数据都视为错误。"),
    force: bool = typer.Option(False, "--force", "-f", help="输出文件已存在时直接覆盖。"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="只显示错误。"),
    rubric: Path | None = RubricOpt,
) -> None:
    """只校验、不计分：按设区市列出所有问题，可生成发回各市的修改清单。退出码：0 无问题，1 有问题，2 无法读取。"""
    import datetime as dt
    import json

    from jsscore.problems import CATALOGUE
    from jsscore.report import console, feedback
    from jsscore.report.safe import OutputError, atomic_write_text, choose_output

    if codes:
        from rich.table import Table

        t = Table(title="问题代码一览", header_style="bold")
        for col in ("代码", "级别", "问题", "处理建议"):
            t.add_column(col)
        for c in CATALOGUE.values():
            t.add_row(c.code, "错误" if c.severity == "error" else "提醒", c.title, c.hint.replace("{unit}", "规定单位"))
        out.print(t)
        return
    if not inputs:
        _fail("请指定要校验的文件或文件夹，例如：jsscore validate 各市报送/")
    rb = _load_rubric(rubric)
    params = _params(rb, param)
    data = _gather(inputs, rb, params, allow_missing, require_all)
    now = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S")
    try:
        if output is not None:
            path, renamed = choose_output(output, list(inputs), force)
            feedback.write(data.problems, rb, path, data.inputs, now)
        if json_path is not None:
            jpath, _ = choose_output(json_path, list(inputs), True)
            doc = {"inputs": [{"path": p, "sha256": h} for p, h in data.inputs],
                   "cities": sorted({r.city for r in data.records}),
                   "errors": len(data.errors), "warnings": len(data.warnings),
                   "issues": [p.as_dict() for p in data.problems]}
            atomic_write_text(jpath, json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
    except OutputError as e:
        _fail(str(e))
    shown = data.problems if not quiet else data.errors
    if shown:
        console.print_problems(out, shown, f"共 {len(data.records)} 个设区市；错误 {len(data.errors)} 处，提醒 {len(data.warnings)} 条：")
    elif not quiet:
        out.print(f"[green]校验通过[/]：共 {len(data.records)} 个设区市，没有发现问题。")
    if output is not None and not quiet:
        out.print(f"退回修改清单：[bold]{path}[/]" + ("（同名文件已存在，已另起文件名）" if renamed else ""))
    if data.errors or (strict and data.warnings):
        raise Exit(EXIT_DATA)


# ------------------------------------------------------------------------------------------ entry


def run(argv: list[str] | None = None) -> int:
    """Entry point of the ``jsscore`` script: maps every outcome to an exit code, never a traceback."""
    try:  # typer ≥ 0.20 vendors click as typer._click; older typer depends on click
        from typer._click import exceptions as click_exc
    except ImportError:  # pragma: no cover
        from click import exceptions as click_exc

    try:
        app(args=argv, prog_name="jsscore", standalone_mode=False)
        return EXIT_OK
    except Exit as e:
        return e.code
    except typer.Exit as e:
        return e.exit_code
    except click_exc.Exit as e:
        return e.exit_code
    except click_exc.Abort:
        err.print("已取消。")
        return EXIT_USAGE
    except click_exc.UsageError as e:
        err.print(f"[red]用法错误：[/]{_usage_zh(e.format_message())}\n运行 [bold]jsscore {(e.ctx.info_name + ' ') if e.ctx and e.ctx.parent else ''}--help[/] 查看用法。")
        return EXIT_USAGE
    except KeyboardInterrupt:
        err.print("已中断。")
        return 130
    except Exception as e:
        if _state.get("debug") or "--debug" in (argv or sys.argv):
            raise
        err.print(f"[red]程序内部错误（{type(e).__name__}）。[/]请加 --debug 重新运行，并将输出发给维护人员。")
        return EXIT_USAGE


def _usage_zh(msg: str) -> str:
    import re

    rules = [
        (r"No such option: (\S+)(?:\s+Did you mean (\S+)\?)?", lambda m: f"没有选项 {m[1]}" + (f"，是否想用 {m[2]}？" if m[2] else "")),
        (r"Missing argument '([^']+)'.*", lambda m: f"缺少参数 {m[1]}"),
        (r"Missing option '([^']+)'.*", lambda m: f"缺少选项 {m[1]}"),
        (r"Option '([^']+)' requires an argument\.", lambda m: f"选项 {m[1]} 需要一个值"),
        (r"Got unexpected extra arguments? \((.*)\)", lambda m: f"多余的参数：{m[1]}"),
        (r"No such command '([^']+)'\.", lambda m: f"没有命令 {m[1]}"),
        (r"Invalid value for '([^']+)': (.*)", lambda m: f"{m[1]} 的值无效：{m[2]}"),
    ]
    for pat, fn in rules:
        m = re.search(pat, msg)
        if m:
            return fn(m)
    return msg


def entry() -> None:
    sys.exit(run())
