"""Command line: the only module with typer, exit codes and rich error panels. Commands stay thin.

Exit codes: 0 ok · 1 data problems found · 2 usage error, unreadable input or environment problem.
No Python traceback reaches a user; ``--debug`` shows it for developers.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

import typer
from rich.console import Console

from jsscore import __version__, cli_zh

cli_zh.install()

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

# Piped or redirected output is read in a file or a wide window: don't squeeze it to 80 columns,
# unless COLUMNS says how wide it may be.
_WIDE = None if os.environ.get("COLUMNS", "").strip().isdigit() else 160
out = Console(highlight=False, width=None if sys.stdout.isatty() else _WIDE)
err = Console(stderr=True, highlight=False, width=None if sys.stderr.isatty() else _WIDE)

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
ForceOpt = typer.Option(False, "--force", "-f", help="输出文件已存在时直接覆盖（否则另起文件名）。")
QuietOpt = typer.Option(False, "--quiet", "-q", help="只显示错误。")
RequireAllOpt = typer.Option(False, "--require-all", help="缺少任何一个设区市的数据都视为错误。")


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
    cities: str | None = typer.Option(None, "--cities", help="生成含若干设区市（各占一列）的一张填报表，用逗号或顿号分隔，如 --cities 南京,苏州。"),
    force: bool = ForceOpt,
    rubric: Path | None = RubricOpt,
) -> None:
    """生成空白的数据填报模板（各设区市按列填写）。"""
    from jsscore.intake import canonical_city
    from jsscore.report import template as tpl
    from jsscore.report.safe import OutputError, choose_output

    rb = _load_rubric(rubric)
    names: list[str] | None = None
    sep = (cities or "").replace("，", ",").replace("、", ",").replace(";", ",").replace("；", ",")
    wanted = [city] if city and city.strip() else [c for c in sep.split(",") if c.strip()]
    if city and cities:
        _fail("--city 与 --cities 只能选用一个。")
    if (city is not None or cities is not None) and not wanted:
        _fail("--city / --cities 没有给出设区市名称，例如 --cities 南京,苏州。")
    if wanted:
        names = []
        for w in wanted:
            c = canonical_city(w, rb)
            if c not in rb.city_region():
                _fail(f"“{w}”不是江苏省 13 个设区市之一（可选：{'、'.join(rb.city_order)}）。")
            if c not in names:  # 南京,南京市 is one city
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
    inputs: list[Path] = typer.Argument(..., help="填报文件（.xlsx/.xls/.et/.ods/.csv）或包含多个文件的文件夹，可多个。", show_default=False,
                                        metavar="文件或文件夹"),
    output: Path | None = typer.Option(None, "--output", "-o", help="结果工作簿路径（默认：输入文件旁的 <文件名>_评分结果.xlsx）。"),
    json_path: Path | None = typer.Option(None, "--json", help="另存一份 JSON 格式的结果（供其他系统读取）。"),
    param: list[str] | None = ParamOpt,
    allow_missing: bool = typer.Option(False, "--allow-missing", help="空白的必填项按 0/否 计分并列为提醒（默认视为错误）。"),
    require_all: bool = RequireAllOpt,
    previous: Path | None = typer.Option(None, "--previous", help="上一年度的结果工作簿或 JSON，用于对比名次与得分变化。"),
    per_city: bool = typer.Option(False, "--per-city", help="在结果工作簿中为每个设区市增加一张可打印的得分报告（A4）。"),
    force: bool = ForceOpt,
    quiet: bool = QuietOpt,
    rubric: Path | None = RubricOpt,
) -> None:
    """读取各设区市填报数据，校验、计分、排名，输出带说明的结果工作簿。"""
    import gc

    from jsscore import engine
    from jsscore.report import Report, console, jsonout, workbook
    from jsscore.report.safe import OutputError, check_writable, choose_output

    rb = _load_rubric(rubric)
    params = _params(rb, param)
    with _progress(quiet) as show:
        data = _gather(inputs, rb, params, allow_missing, require_all, progress=show)
    _stop_on_errors(data, rb)
    prev = None
    if previous is not None:
        from jsscore import history

        try:
            prev = history.load_previous(previous)
        except history.HistoryError as e:
            _fail(str(e))
    gc.freeze()  # the records live to the end: later collections need not scan them again
    with _progress(quiet) as show:
        results = engine.score_all(rb, data.records, params, _counter(show, "正在计分", len(data.records)))
    gc.freeze()  # likewise the results
    rep = Report(results, rb, params, data.inputs, data.problems,
                 _now(), __version__, prev)
    first = inputs[0]
    # beside the input; for a folder, beside the folder (never inside it, where the next run would read it)
    default = first.resolve().with_name(f"{first.resolve().name if first.is_dir() else first.stem}_评分结果.xlsx")
    try:
        path, renamed = choose_output(output or default, list(inputs), force)
        jpath = None
        if json_path is not None:
            # a machine output at an explicit path: replaced in place (other programs read it from there)
            jpath, jrenamed = choose_output(json_path, list(inputs), True, "--json")
        for target in (path, jpath if json_path is not None else None):
            if target is not None:
                check_writable(target)  # both outputs checked before either is written
        with _progress(quiet) as show:
            steps = workbook.passes(rep, per_city) + (len(results) + len(data.problems) if jpath else 0)
            tick = _counter(show, "正在写出结果", steps)
            workbook.write(rep, path, per_city=per_city, tick=tick)
            if jpath is not None:
                jsonout.write(jpath, results, rb, params, data.inputs, data.problems, tick=tick)
    except OutputError as e:
        _fail(str(e))
    if not quiet:
        console.summary(out, rep, str(path), str(jpath) if json_path else None, renamed)
        if json_path is not None and jrenamed:
            out.print("（同名 JSON 文件已存在，已另起文件名；加 --force 可覆盖）")
        if prev is not None:
            from jsscore.history import compare_items

            gone, new = compare_items(prev, [i.id for i in rb.items])
            if gone:
                out.print(f"[yellow]上年有、本年没有的评分项：{'、'.join(gone)}（未参与逐项比较）[/]")
            if new:
                out.print(f"[yellow]本年新增的评分项：{'、'.join(new)}（上年没有，未参与逐项比较）[/]")


def _now() -> str:
    """The local time an output was generated, as every output states it."""
    import datetime as dt

    return dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S")


def _gather(inputs, rb, params, allow_missing=False, require_all=False, progress=None):
    """Read and check the inputs. With several files (or a folder) an unreadable one does not stop the
    others being checked: it is one problem among all the others, and the run exits 2 after listing
    them (``_stop_on_errors``)."""
    from jsscore import intake
    from jsscore.problems import InputError

    keep_going = len(inputs) > 1 or any(p.is_dir() for p in inputs)
    try:
        return intake.gather(list(inputs), rb, params, allow_missing=allow_missing, require_all=require_all,
                             keep_going=keep_going, progress=progress)
    except InputError as e:
        _fail(str(e))


def _stop_on_errors(data, rb) -> None:
    """With errors: list every problem and exit, 2 when a file could not be read, else 1."""
    if data.errors:
        _report_errors(data, rb)
        raise Exit(EXIT_USAGE if any(p.code == "unreadable_file" for p in data.problems) else EXIT_DATA)


def _report_errors(data, rb) -> None:
    from jsscore.report import console

    errors = data.errors
    unreadable = sum(1 for p in errors if p.code == "unreadable_file")
    among = f"其中 {unreadable} 个文件无法读取；" if unreadable else ""
    console.print_problems(err, data.problems, f"发现 {len(errors)} 处错误（{among}另有 {len(data.problems) - len(errors)} "
                           "条提醒），未计分、未生成结果文件：", labels=rb.labels)
    err.print("请按每条后面“→”的提示修改后重新运行；用 [bold]jsscore validate 文件 -o 退回清单.xlsx[/] 可生成发给各市的修改清单。")


# ------------------------------------------------------------------------------------------ validate


@app.command()
def validate(
    inputs: list[Path] = typer.Argument(None, help="填报文件或文件夹，可多个。", show_default=False, metavar="文件或文件夹"),
    output: Path | None = typer.Option(None, "--output", "-o", help="生成退回修改清单工作簿（每个设区市一张表）。"),
    json_path: Path | None = typer.Option(None, "--json", help="以 JSON 格式保存校验结果。"),
    codes: bool = typer.Option(False, "--codes", help="列出所有问题代码及其含义后退出。"),
    strict: bool = typer.Option(False, "--strict", help="有提醒也按“发现问题”返回退出码 1。"),
    param: list[str] | None = ParamOpt,
    allow_missing: bool = typer.Option(False, "--allow-missing", help="空白的必填项只作提醒。"),
    require_all: bool = RequireAllOpt,
    force: bool = ForceOpt,
    quiet: bool = QuietOpt,
    rubric: Path | None = RubricOpt,
) -> None:
    """只校验、不计分：按设区市列出所有问题，可生成发回各市的修改清单。退出码：0 无问题，1 有问题，2 无法读取。"""
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
    with _progress(quiet) as show:
        data = _gather(inputs, rb, params, allow_missing, require_all, progress=show)
    now = _now()
    try:
        if output is not None:
            path, renamed = choose_output(output, list(inputs), force)
            feedback.write(data.problems, rb, path, data.inputs, now)
        if json_path is not None:
            jpath, _ = choose_output(json_path, list(inputs), True, "--json")  # machine output: replaced in place
            order = {c: i for i, c in enumerate(rb.city_order)}
            doc = {"inputs": [{"path": p, "sha256": h} for p, h in data.inputs],
                   "cities": sorted({r.city for r in data.records}, key=lambda c: (order.get(c, len(order)), c)),
                   "errors": len(data.errors), "warnings": len(data.warnings),
                   "issues": [p.as_dict() for p in data.problems]}
            atomic_write_text(jpath, json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
    except OutputError as e:
        _fail(str(e))
    shown = data.problems if not quiet else data.errors
    if shown:
        console.print_problems(out, shown, f"共 {len(data.records)} 个设区市；错误 {len(data.errors)} 处，提醒 {len(data.warnings)} 条：",
                               labels=rb.labels)
    elif not quiet:
        out.print(f"[green]校验通过[/]：共 {len(data.records)} 个设区市，没有发现问题。")
    if output is not None and not quiet:
        out.print(f"退回修改清单：[bold]{path}[/]" + ("（同名文件已存在，已另起文件名）" if renamed else ""))
    if any(p.code == "unreadable_file" for p in data.problems):
        raise Exit(EXIT_USAGE)  # the rest was still checked and reported
    if data.errors or (strict and data.warnings):
        raise Exit(EXIT_DATA)


# ------------------------------------------------------------------------------------------ explain


def _show_value(v, f) -> str:
    from decimal import Decimal

    from jsscore.methods import fmt_num, fmt_pct

    if v is None:
        return "未填报"
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, Decimal):
        return fmt_pct(v) if f.type == "pct" else f"{fmt_num(v)}{f.unit if f.unit not in ('个', '') else ''}"
    return str(v)


def _scored(inputs, rb, params, allow_missing):
    from jsscore import engine

    data = _gather(inputs, rb, params, allow_missing)
    _stop_on_errors(data, rb)
    return data, engine.score_all(rb, data.records, params)


@app.command()
def explain(
    inputs: list[Path] = typer.Argument(..., help="填报文件或文件夹。", show_default=False, metavar="文件或文件夹"),
    city: str = typer.Option(..., "--city", "-c", help="要说明的设区市，如 南京。"),
    param: list[str] | None = ParamOpt,
    allow_missing: bool = typer.Option(False, "--allow-missing", help="空白的必填项按 0/否 计分。"),
    rubric: Path | None = RubricOpt,
) -> None:
    """逐项说明某个设区市的得分：所用数据及单元格、派生比率、规则、得分与失分原因，以及追上前一名的最少改进项。"""
    from rich.markup import escape

    from jsscore.analysis import close_gap
    from jsscore.intake import canonical_city
    from jsscore.methods import fmt_num, fmt_pct

    rb = _load_rubric(rubric)
    params = _params(rb, param)
    data, results = _scored(inputs, rb, params, allow_missing)
    name = canonical_city(city, rb)
    me = next((r for r in results if r.city == name), None)
    if me is None:
        _fail(f"输入中没有“{city}”的数据（现有：{'、'.join(r.city for r in results)}）。")
    out.print(f"[bold]{me.city}[/]（{me.region}）：总分 [bold]{me.total:.2f}[/] / {fmt_num(rb.total)}，"
              f"第 {me.rank} 名（共 {len(results)} 个设区市）")
    for cat in rb.categories:
        sub = me.categories[cat.name]
        colour = "green" if sub == cat.max else "yellow"
        out.print(f"\n[bold {colour}]{cat.id} {escape(cat.name)}  {sub:.2f} / {fmt_num(cat.max)}[/]")
        for it in cat.items:
            s_ = me.items[it.id]
            mark = "[green]✓[/]" if not s_.lost else "[red]✗[/]"
            out.print(f"  {mark} [cyan]{it.id}[/] {escape(it.name)}  [bold]{s_.score:.2f}[/] / {fmt_num(s_.max)}",
                      soft_wrap=True)
            used = []
            for k in it.inputs(rb):
                f = rb.fields[k]
                cell = me.record.where(k)
                if cell and len(data.inputs) > 1:
                    cell = f"{me.record.source} {cell}"
                used.append(f"{f.label} {_show_value(me.record.values.get(k), f)}" + (f"（{cell}）" if cell else ""))
            out.print(f"      数据：{escape('；'.join(used))}", soft_wrap=True)
            d = it.spec.get("derived")
            if d:
                v = me.derived.get(d)
                out.print(f"      比率：{escape(rb.derived[d].label)} {'无法计算' if v is None else fmt_pct(v)}", soft_wrap=True)
            out.print(f"      [dim]规则：{escape(me.rule(it.id))}[/]", soft_wrap=True)
            if s_.reason:
                out.print(f"      [red]失分：{escape(s_.reason)}（-{fmt_num(s_.lost)}）[/]", soft_wrap=True)
    out.print()
    plan = close_gap(results, me.city)
    if plan is None:
        out.print("[green]已位列第一。[/]" if me.rank == 1 else "")
    elif not plan.items:
        out.print(f"即使追回全部失分，也无法超过 {plan.above.city}（需再得 {plan.gap:.2f} 分）。")
    else:
        parts = "；".join(f"{s.id} {next(i.name for i in rb.items if i.id == s.id)} (+{fmt_num(s.lost)})"
                         for s in plan.items)
        out.print(f"再得 [bold]{plan.gap:.2f}[/] 分可超过 {plan.above.city}（第 {plan.above.rank} 名，"
                  f"{plan.above.total:.2f} 分）：{escape(parts)}", soft_wrap=True)


# ------------------------------------------------------------------------------------------ rubric


@rubric_app.command("show")
def rubric_show(rubric: Path | None = RubricOpt) -> None:
    """以树状显示评分规则：工作分类 → 工作项目 → 评分项（分值、规则、参数）。"""
    from rich.markup import escape
    from rich.tree import Tree

    from jsscore import methods
    from jsscore.methods import fmt_num

    rb = _load_rubric(rubric)
    params = rb.defaults()
    tree = Tree(f"[bold]{escape(rb.title)}[/]（{rb.id} {rb.version}，共 {fmt_num(rb.total)} 分）")
    ctx = methods.Context({}, {}, params, "", rb)  # no city: rules are stated for every region
    for c in rb.categories:
        cn = tree.add(f"[bold]{c.id} {escape(c.name)}[/]（{fmt_num(c.max)} 分）")
        for w in c.work_items:
            wn = cn.add(f"{escape(w.name)}（{fmt_num(w.max)} 分）")
            for it in w.items:
                rule = methods.score_item(it, ctx).rule
                wn.add(f"[cyan]{it.id}[/] {escape(it.name)}  [bold]{fmt_num(it.max)} 分[/]  "
                       f"[dim]{methods.REGISTRY[it.method].title}：{escape(rule)}[/]")
    pn = tree.add("[bold]参数[/]（可用 --param 键=值 调整）")
    for k, p in rb.parameters.items():
        v = p.default
        pn.add(f"{k} = {fmt_num(v) if not isinstance(v, str) else v}  [dim]{escape(p.label)}[/]")
    out.print(tree)


@rubric_app.command("export")
def rubric_export(
    path: Path = typer.Argument(..., help="导出的规则文件路径（.toml）。", metavar="路径"),
    force: bool = ForceOpt,
    rubric: Path | None = RubricOpt,
) -> None:
    """导出当前评分规则文件（TOML），修改后可用 --rubric 使用。"""
    from jsscore.report.safe import OutputError, atomic_write_text, choose_output

    rb = _load_rubric(rubric)
    try:
        target, renamed = choose_output(path, [], force)
        atomic_write_text(target, rb.text)
    except OutputError as e:
        _fail(str(e))
    out.print(f"已导出评分规则：[bold]{target}[/]" + ("（同名文件已存在，已另起文件名）" if renamed else ""))


@rubric_app.command("check")
def rubric_check(path: Path | None = typer.Argument(None, help="要检查的规则文件（默认检查内置规则）。", metavar="路径"),
                 strict: bool = typer.Option(False, "--strict", help="有提醒也返回退出码 1。")) -> None:
    """检查规则文件：分值是否相加一致、最低分高于 0 的评分项、无法得满分的评分项、未使用的参数。
    退出码：0 可以使用（可能有提醒），1 有错误无法使用（加 --strict 时有提醒也为 1），2 无法读取。"""
    from jsscore.analysis import lint
    from jsscore.rubric import RubricError, load

    try:
        rb = load(path)
    except RubricError as e:
        out.print(f"[red]规则文件 {e.source} 有 {len(e.problems)} 处问题，无法使用：[/]")
        for p in e.problems:
            out.print(f"  [red]✗[/] {p}", soft_wrap=True)
        raise Exit(EXIT_USAGE if e.unreadable else EXIT_DATA) from None
    findings = lint(rb)
    out.print(f"规则 {rb.id} {rb.version}：{len(rb.categories)} 个工作分类、{len(rb.items)} 个评分项，分值合计 {rb.total}，"
              f"结构检查通过，可以使用{f'；另有 {len(findings)} 条提醒，请确认是否符合本意：' if findings else '。'}")
    for f in findings:
        out.print(f"  [yellow]![/] {f}", soft_wrap=True)
    if findings and strict:
        raise Exit(EXIT_DATA)


# ------------------------------------------------------------------------------------------ sensitivity


@app.command()
def sensitivity(
    inputs: list[Path] = typer.Argument(..., help="填报文件或文件夹。", show_default=False, metavar="文件或文件夹"),
    vary: list[str] = typer.Option(..., "--vary", help="要变化的参数，格式 参数=起:止:步长 或 参数=值1,值2，可重复。"),
    output: Path | None = typer.Option(None, "--output", "-o", help="把结果另存为工作簿。"),
    param: list[str] | None = ParamOpt,
    force: bool = ForceOpt,
    quiet: bool = QuietOpt,
    rubric: Path | None = RubricOpt,
) -> None:
    """参数敏感性分析：按参数的不同取值重新计分，列出各设区市的总分与名次及名次稳定性。"""

    from jsscore import analysis
    from jsscore.report.safe import OutputError, choose_output

    rb = _load_rubric(rubric)
    params = _params(rb, param)
    try:
        varies = [analysis.parse_vary(rb, v) for v in vary]
        keys = [k for k, _ in varies]
        twice = sorted({k for k in keys if keys.count(k) > 1}, key=keys.index)
        if twice:
            raise analysis.VaryError(f"参数 {'、'.join(twice)} 用 --vary 给了不止一次；请把取值写在同一个 --vary 中，"
                                     "如 --vary network_coverage_target=0.90,0.95,1.00")
        for k, vals in varies:
            for v in vals:
                _params(rb, list(param or []) + [f"{k}={v}"])
    except analysis.VaryError as e:
        _fail(str(e))
    if output is not None:  # a refused output path is said before any work, not after the tables
        try:
            choose_output(output, list(inputs), force)
        except OutputError as e:
            _fail(str(e))
    data, _ = _scored(inputs, rb, params, False)
    scenarios = _with_progress(lambda tick: analysis.sweep(rb, data.records, list(param or []), varies, tick),
                               total=_combos(varies), quiet=quiet, label="敏感性分析")
    stab = analysis.stability(scenarios)
    cities = [c for c in rb.city_order if c in stab] + [c for c in stab if c not in rb.city_order]
    if not quiet:
        _print_sweep(rb, varies, scenarios, stab, cities, output is None)
    if output is not None:
        from jsscore.report import sensitivity as sens_report

        try:
            path, _ = choose_output(output, list(inputs), force)
            sens_report.write(path, scenarios, stab, cities, rubric=rb, fixed=list(param or []), generated_at=_now())
        except OutputError as e:
            _fail(str(e))
        if not quiet:
            out.print(f"结果工作簿：[bold]{path}[/]")


def _column_groups(heads: list[str], least: int, room: int) -> list[range]:
    """Consecutive groups of columns (header texts ``heads``, cells at least ``least`` wide) such that
    each group fits in ``room`` terminal cells; a rich table column costs its width plus 3."""
    from rich.cells import cell_len

    groups, first, used = [], 0, 0
    for i, h in enumerate(heads):
        w = max(cell_len(h), least) + 3
        if i > first and used + w > room:
            groups.append(range(first, i))
            first, used = i, 0
        used += w
    groups.append(range(first, len(heads)))
    return groups


def _print_sweep(rb, varies, scenarios, stab, cities, no_workbook: bool) -> None:
    """The sweep at the console: ranks and totals per parameter setting, in as many tables as the
    terminal's width needs (a table wider than the terminal would be cut off), then the legend."""
    from rich.cells import cell_len
    from rich.table import Table

    from jsscore.report import sensitivity as sens

    short = len(varies) == 1
    for k, vals in varies:
        out.print(f"参数：{rb.parameters[k].label}（{k}）")
        out.print(f"  取值：{'、'.join(sens.param_value(rb, k, v) for v in vals)}")
    if not short:
        out.print(f"共 {len(scenarios)} 种组合，编号见表后。")
    heads = [sens.param_value(rb, *sc.settings[0]) if short else f"#{i + 1}" for i, sc in enumerate(scenarios)]
    order = sorted(cities, key=lambda c: (stab[c]["best"], stab[c]["worst"]))
    room = max(out.width - 1 - (max(cell_len(c) for c in [*cities, "设区市"]) + 3), 10)
    n = len(scenarios)
    tail = " " * ((4 + 3) * 2 + 8)  # 最好, 最差, 结论 (3 columns) kept together as one pseudo-column
    for title, least, cell in (("各取值下的名次", 3, lambda sc, c: str(sc.results[c][0])),
                               ("各取值下的总分", 6, lambda sc, c: f"{sc.results[c][1]:.2f}")):
        ranks = title.endswith("名次")
        groups = _column_groups(heads + [tail] * ranks, least, room)
        for g in groups:
            cols = [i for i in g if i < n]
            if not cols:  # the stability columns alone
                title, part = "名次稳定性", ""
            elif len(groups) > 1:
                part = f"（第 {cols[0] + 1} 种）" if len(cols) == 1 else f"（第 {cols[0] + 1}–{cols[-1] + 1} 种）"
            else:
                part = ""
            t = Table(title=title + part, header_style="bold", min_width=cell_len(title + part) + 2)
            t.add_column("设区市", no_wrap=True)
            for i in cols:
                t.add_column(heads[i], justify="right", min_width=least, no_wrap=True)
            with_tail = ranks and n in g
            if with_tail:
                for col in ("最好", "最差", "结论"):
                    t.add_column(col, justify="right", no_wrap=True)
            for c in order:
                row = [c, *[cell(scenarios[i], c) for i in cols]]
                if with_tail:
                    d = stab[c]
                    style = {"稳定": "green", "小幅变动": "yellow"}.get(d["verdict"], "red")
                    row += [str(d["best"]), str(d["worst"]), f"[{style}]{d['verdict']}[/]"]
                t.add_row(*row)
            out.print(t)
    if not short:
        for i, sc in enumerate(scenarios):
            out.print(f"  #{i + 1}：{sens.scenario_label(rb, sc.settings)}", soft_wrap=True)
    if no_workbook and len(scenarios) > 10:
        out.print("加 -o 文件名.xlsx 可把以上结果另存为工作簿。")


PROGRESS_DELAY = 1.0  # seconds a stage runs before its bar appears: a 13-city run shows none


@contextlib.contextmanager
def _progress(quiet: bool):
    """A progress bar for a person at a terminal, never with --quiet or when the output is piped or
    redirected, and only once a stage has run for ``PROGRESS_DELAY`` seconds (a bar flashing for a
    tenth of a second is noise). Yields ``show(what, done, total)``; the bar disappears when the stage
    ends."""
    if quiet or not out.is_terminal:
        yield _no_progress
        return
    import threading

    from rich.progress import BarColumn, Progress, SpinnerColumn, TaskProgressColumn, TextColumn, TimeElapsedColumn

    prog = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
                    TextColumn("已用时"), TimeElapsedColumn(), console=out, transient=True)
    task = prog.add_task("", total=None)
    lock = threading.Lock()
    state = {"shown": False, "over": False}

    def start() -> None:  # from the timer thread: the stage may be over by then
        with lock:
            if not state["over"]:
                prog.start()
                state["shown"] = True

    timer = threading.Timer(PROGRESS_DELAY, start)
    timer.daemon = True
    if PROGRESS_DELAY <= 0:
        start()
    else:
        timer.start()

    def show(what: str, done: int, total: int) -> None:
        prog.update(task, description=what, completed=done, total=total, refresh=state["shown"])

    try:
        yield show
    finally:
        timer.cancel()
        with lock:
            state["over"] = True
            if state["shown"]:
                prog.stop()


def _no_progress(what: str, done: int, total: int) -> None:
    pass


def _counter(show, what: str, total: int):
    """A ``tick(n)`` that adds n to what ``show`` displays out of ``total``."""
    done = 0
    show(what, 0, total)

    def tick(n: int) -> None:
        nonlocal done
        done += n
        show(what, min(done, total), total)

    return tick


def _combos(varies) -> int:
    n = 1
    for _, vals in varies:
        n *= len(vals)
    return n


def _with_progress(job, total: int, quiet: bool, label: str):
    """Run ``job(tick)`` under the same delayed progress bar as ``score`` (``tick()`` counts one step
    of ``total``): at a terminal only, never with --quiet, and only once it has run for a second."""
    with _progress(quiet) as show:
        count = _counter(show, f"正在{label}", total)
        return job(lambda: count(1))


# ------------------------------------------------------------------------------------------ entry


def run(argv: list[str] | None = None) -> int:
    """Entry point of the ``jsscore`` script: maps every outcome to an exit code, never a traceback."""
    try:  # typer ≥ 0.20 vendors click as typer._click; older typer depends on click
        from typer._click import exceptions as click_exc
    except ImportError:  # pragma: no cover
        from click import exceptions as click_exc
    no_args = getattr(click_exc, "NoArgsIsHelpError", ())

    try:
        app(args=argv, prog_name="jsscore", standalone_mode=False)
        return EXIT_OK
    except Exit as e:
        return e.code
    except typer.Exit as e:
        return e.exit_code
    except SystemExit as e:  # rich raises it on a broken pipe (output piped into `head`)
        return e.code if isinstance(e.code, int) else EXIT_USAGE
    except typer.Abort:
        err.print("已取消。")
        return EXIT_USAGE
    except no_args as e:
        if e.ctx is not None:
            out.print(e.ctx.get_help(), markup=False, highlight=False)
        return EXIT_OK
    except click_exc.UsageError as e:
        where = e.ctx.command_path if e.ctx is not None else "jsscore"
        err.print(f"[red]用法错误：[/]{_usage_zh(e.format_message())}\n运行 [bold]{where} --help[/] 查看用法。")
        return EXIT_USAGE
    except click_exc.ClickException as e:
        err.print(f"[red]错误：[/]{e.format_message()}")
        return EXIT_USAGE
    except KeyboardInterrupt:
        err.print("已中断。")
        return 130
    except Exception as e:  # noqa: BLE001 - last resort: no traceback for users
        if _state.get("debug") or "--debug" in (argv if argv is not None else sys.argv):
            raise
        err.print(f"[red]程序内部错误（{type(e).__name__}）。[/]请加 --debug 重新运行，并将输出发给维护人员。")
        return EXIT_USAGE


def _usage_zh(msg: str) -> str:
    import re

    rules = [
        (r"No such option: (\S+)(?:\s+Did you mean (\S+)\?)?", lambda m: f"没有选项 {m[1]}" + (f"，是否想用 {m[2]}？" if m[2] else "")),
        (r"Missing argument '([^']+)'.*", lambda m: f"缺少参数 {m[1]}"),
        (r"Missing parameter: (\S+)", lambda m: f"缺少{cli_zh.ARG_NAMES.get(m[1], '参数 ' + m[1])}"),
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
