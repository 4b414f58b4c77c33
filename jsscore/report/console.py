"""Console output with rich: the ranking table coloured by band, and problem listings."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from rich import box
from rich.console import Console
from rich.table import Table

from jsscore.methods import fmt_num
from jsscore.problems import Problem
from jsscore.report import Report, band

BAND_STYLE = {"优秀": "bold green", "良好": "cyan", "合格": "yellow", "待改进": "bold red"}


def ranking_table(rep: Report, width: int = 200) -> Table:
    """The ranking; in a narrow window (< 110 columns) categories are headed by their number, with a legend."""
    rb = rep.rubric
    compact = width < 110
    # light borders and one space between columns: the table fits an 80-column console window
    t = Table(title=f"{rb.title}（{rb.version}）排名", title_style="bold", header_style="bold",
              box=box.SIMPLE_HEAD, padding=(0, 1), pad_edge=False, collapse_padding=True)
    t.add_column("名次", justify="right", no_wrap=True)
    t.add_column("设区市", no_wrap=True, min_width=8)
    show_region = not (compact and rep.previous is not None)  # no room for it beside the year-over-year columns
    if show_region:
        t.add_column("区域", no_wrap=True)
    t.add_column("总分", justify="right", no_wrap=True, min_width=6)
    for c in rb.categories:
        head = f"{c.id}\n({fmt_num(c.max)})" if compact else f"{c.name}\n({fmt_num(c.max)})"
        t.add_column(head, justify="right", no_wrap=True, min_width=5)
    if compact:  # the legend in lines of three, so a line never breaks between a number and its name
        names = [f"{c.id} {c.name}" for c in rb.categories]
        t.caption = "分类：" + "\n".join("  ".join(names[i:i + 3]) for i in range(0, len(names), 3))
    if rep.previous is not None:
        t.add_column("名次\n变化", justify="center", no_wrap=True)
        t.add_column("总分\n变化", justify="right", no_wrap=True, min_width=6)
    for r in rep.results:
        style = BAND_STYLE[band(r.total, rb.total)]
        row = [str(r.rank), r.city] + ([r.region] if show_region else []) + [f"[{style}]{r.total:.2f}[/]"]
        row += [f"{r.categories[c.name]:.2f}" for c in rb.categories]
        if rep.previous is not None:
            p = rep.previous.get(r.city)
            if p is None:
                row += ["[blue]新[/]", ""]
            else:
                d = p["rank"] - r.rank
                row += [f"[green]↑{d}[/]" if d > 0 else (f"[red]↓{-d}[/]" if d < 0 else "—"),
                        f"{r.total - p['total']:+.2f}"]
        t.add_row(*row)
    return t


def problems_table(problems: list[Problem], title: str = "问题清单", limit: int | None = None) -> Table:
    t = Table(title=title, header_style="bold", show_lines=False)
    for col in ("级别", "文件", "单元格", "设区市", "字段", "填写值", "说明"):
        t.add_column(col, overflow="fold")
    shown = problems if limit is None else problems[:limit]
    for p in shown:
        sev = "[bold red]错误[/]" if p.severity == "error" else "[yellow]提醒[/]"
        t.add_row(sev, p.file, p.where, p.city, p.field, "" if p.value is None else str(p.value), p.message)
    return t


def field_name(key: str, labels: Mapping[str, str] | None) -> str:
    """A field as a user reads it: its Chinese label, with the key of the template's column A."""
    label = labels.get(key) if labels and key else None
    return f"{label}（{key}）" if label else key


def print_problems(console: Console, problems: list[Problem], title: str, limit: int | None = None,
                   labels: Mapping[str, str] | None = None) -> None:
    """Problems one per line (never folded mid-word), grouped by file and city, hints indented; a
    field is named by its label from ``labels`` (key → Chinese label) when given."""
    from rich.markup import escape

    console.print(f"[bold]{escape(title)}[/]")
    shown = problems if limit is None else problems[:limit]
    last = None
    for p in shown:
        head = (p.file, p.city)
        if head != last:
            if any(head):  # a problem of the whole run (several files) has no heading of its own
                console.print(" ".join(x for x in (f"[bold cyan]{escape(p.file)}[/]" if p.file else "",
                                                   escape(p.city or "")) if x), soft_wrap=True)
            last = head
        sev = "[bold red]✗ 错误[/]" if p.severity == "error" else "[yellow]! 提醒[/]"
        where = f"{p.where} " if p.where else ""
        # the message usually names the field already; the key is what column A of the template shows
        fld = "" if not p.field else (f"{p.field} " if labels and labels.get(p.field, "\0") in p.message
                                     else f"{field_name(p.field, labels)} ")
        console.print(f"  {sev} {escape(where)}{escape(fld)}· {escape(p.message)}", soft_wrap=True)
        if p.hint:
            console.print(f"      [dim]→ {escape(p.hint)}[/]", soft_wrap=True)
    if limit is not None and len(problems) > limit:
        console.print(f"  （另有 {len(problems) - limit} 条，见结果工作簿“问题清单”）")


def by_city(problems: list[Problem]) -> dict[str, list[Problem]]:
    g: dict[str, list[Problem]] = defaultdict(list)
    for p in problems:
        g[p.city or "（全表）"].append(p)
    return g


def summary(console: Console, rep: Report, out_path: str, json_path: str | None, renamed: bool) -> None:
    console.print(ranking_table(rep, console.width))
    errs = sum(1 for p in rep.problems if p.severity == "error")
    warns = len(rep.problems) - errs
    if warns:
        print_problems(console, [p for p in rep.problems if p.severity != "error"], f"提醒 {warns} 条", limit=20,
                       labels=rep.rubric.labels)
    console.print(f"结果工作簿：[bold]{out_path}[/]" + ("（同名文件已存在，已另起文件名；加 --force 可覆盖）" if renamed else ""))
    if json_path:
        console.print(f"JSON 结果：{json_path}")
