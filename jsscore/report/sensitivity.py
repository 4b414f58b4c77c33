"""The sensitivity workbook: rank and total of every city for every parameter setting, and rank stability.

Every sheet opens with a title, the rubric and the parameters in force (the varied ones with their
values, and any fixed overrides), as every output must state them. Cities are columns in the rubric's
order on all three sheets, so a city stays in the same column from sheet to sheet: the number of cities
is fixed (13) while a sweep can have hundreds of settings, which read down as rows with their labels
("网络覆盖率达标线=90%（默认）") — long labels fit a row-label column, not a column header. Each sheet prints
landscape, one page wide, with its header row on every page.
"""

from __future__ import annotations

from pathlib import Path

from jsscore.engine import param_of
from jsscore.methods import fmt_num
from jsscore.report.safe import atomic_path
from jsscore.report.textfit import a4_one_page_wide, fit_height, units

DEFAULT_MARK = "（默认）"
CITY_WIDTH = 9


def param_label(rubric, key: str) -> str:
    """The Chinese label of a parameter."""
    return rubric.parameters[key].label


def _value(rubric, key: str, text: str):
    """A parameter's value from its text, as --param reads it (0.90 and 90% alike)."""
    return param_of(rubric.parameters[key], str(text).strip())


def param_value(rubric, key: str, value) -> str:
    """A parameter value as a reader writes it: 90% for a percentage, the Chinese name of a choice."""
    p = rubric.parameters[key]
    v = value if not isinstance(value, str) else _value(rubric, key, value)
    if p.type == "choice":
        labels = dict(zip(p.choices, p.choice_labels, strict=False))
        return labels.get(v, v).split("（")[0]
    return f"{fmt_num(v * 100)}%" if p.type == "pct" else fmt_num(v)


def scenario_label(rubric, settings) -> str:
    """``网络覆盖率达标线=90%``, settings joined by "；", marked （默认） when every value is the default."""
    text = "；".join(f"{param_label(rubric, k)}={param_value(rubric, k, v)}" for k, v in settings)
    if settings and all(_value(rubric, k, v) == rubric.parameters[k].default for k, v in settings):
        text += DEFAULT_MARK
    return text


def _header_lines(rubric, scenarios, fixed, generated_at: str) -> list[str]:
    """The rubric and the parameters in force, one line each."""
    lines = [f"{rubric.title}（规则版本 {rubric.version}）" + (f"；生成时间 {generated_at}" if generated_at else "")]
    varied: dict[str, list[str]] = {}
    for s in scenarios:
        for k, v in s.settings:
            vals = varied.setdefault(k, [])
            if v not in vals:
                vals.append(v)
    for k, vals in varied.items():
        default = param_value(rubric, k, rubric.parameters[k].default)
        lines.append(f"变化的参数：{param_label(rubric, k)}（{k}）取 "
                     f"{'、'.join(param_value(rubric, k, v) for v in vals)}（默认 {default}）")
    kept = []
    for text in fixed:
        k, _, v = text.partition("=")
        k = k.strip()
        if k not in varied:
            kept.append(f"{param_label(rubric, k)}={param_value(rubric, k, v)}")
    if kept:
        lines.append(f"固定调整的参数：{'；'.join(kept)}；其余参数取默认值。")
    else:
        lines.append("其余参数均取默认值。")
    lines.append(f"共 {len(scenarios)} 种取值；标“{DEFAULT_MARK}”的一行为所变化的参数都取默认值时的结果。")
    return lines


def write(path: Path, scenarios, stability: dict, cities: list[str], *, rubric, fixed: list[str],
          generated_at: str = "") -> None:
    """Write the workbook. ``rubric`` (the rubric in use) gives parameter labels, title and version;
    ``fixed`` the ``key=value`` overrides applied under every scenario (``--param``, already checked)."""
    import xlsxwriter

    info = _header_lines(rubric, scenarios, fixed, generated_at)
    labels = [scenario_label(rubric, s.settings) for s in scenarios]

    with atomic_path(path) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_numbers": False,
                                            "strings_to_urls": False})
        wb.set_custom_property("jsscore_output", "sensitivity")
        wb.set_custom_property("jsscore_rubric_version", str(rubric.version))
        font = {"font_name": "宋体", "font_size": 10, "valign": "vcenter"}
        base = {**font, "border": 1}
        title_f = wb.add_format({**font, "bold": True, "font_size": 14})
        note_f = wb.add_format({**font, "font_color": "#595959", "text_wrap": True, "valign": "top"})
        head = wb.add_format({**base, "bold": True, "bg_color": "#1F4E78", "font_color": "#FFFFFF",
                              "align": "center", "text_wrap": True})
        label_f = wb.add_format({**base, "text_wrap": True})
        label_def = wb.add_format({**base, "text_wrap": True, "bold": True, "bg_color": "#FFF2CC"})
        rank_f = wb.add_format({**base, "num_format": "0", "align": "center"})
        rank_def = wb.add_format({**base, "num_format": "0", "align": "center", "bold": True, "bg_color": "#FFF2CC"})
        num = wb.add_format({**base, "num_format": "0.00"})
        num_def = wb.add_format({**base, "num_format": "0.00", "bold": True, "bg_color": "#FFF2CC"})
        text_f = wb.add_format({**base, "align": "center"})

        label_w = min(max([units(t) for t in labels] + [12]) + 2, 50)
        n = len(cities)
        span = label_w + CITY_WIDTH * max(n, 6)

        def sheet(name: str, title: str, first_head: str, col0_width: float):
            ws = wb.add_worksheet(name)
            ws.set_column(0, 0, col0_width)
            ws.set_column(1, max(n, 1), CITY_WIDTH)
            last = max(n, 6)
            ws.merge_range(0, 0, 0, last, f"参数敏感性分析 — {title}", title_f)
            ws.set_row(0, 24)
            text = "\n".join(info)
            ws.merge_range(1, 0, 1, last, text, note_f)
            ws.set_row(1, fit_height([(text, span)], line_pt=13.5))
            hr = 3
            ws.write_string(hr, 0, first_head, head)
            for j, c in enumerate(cities):
                ws.write_string(hr, 1 + j, c, head)
            ws.freeze_panes(hr + 1, 1)
            a4_one_page_wide(ws, hr, footer="&C&A　第 &P 页，共 &N 页")
            return ws, hr + 1

        for title, idx, fmts in (("名次", 0, (rank_f, rank_def)), ("总分", 1, (num, num_def))):
            ws, first = sheet(f"各取值{title}", f"各取值下的{title}", "参数取值", label_w)
            for i, s in enumerate(scenarios):
                dflt = labels[i].endswith(DEFAULT_MARK)
                ws.write_string(first + i, 0, labels[i], label_def if dflt else label_f)
                for j, c in enumerate(cities):
                    v = s.results[c][idx]
                    ws.write_number(first + i, 1 + j, int(v) if idx == 0 else float(v), fmts[dflt])
                if units(labels[i]) > label_w - 1:
                    ws.set_row(first + i, fit_height([(labels[i], label_w)], line_pt=13.5))

        ws, first = sheet("名次稳定性", "名次稳定性（各取值下的最好/最差名次与总分范围）", "项目", 14)
        rows = [("最好名次", "best", rank_f), ("最差名次", "worst", rank_f), ("名次变动", "spread", rank_f),
                ("最低总分", "low", num), ("最高总分", "high", num), ("结论", "verdict", text_f)]
        for i, (name, key, fmt) in enumerate(rows):
            ws.write_string(first + i, 0, name, label_f)
            for j, c in enumerate(cities):
                v = stability[c][key]
                if key == "verdict":
                    ws.write_string(first + i, 1 + j, str(v), fmt)
                elif key in ("low", "high"):
                    ws.write_number(first + i, 1 + j, float(v), fmt)
                else:
                    ws.write_number(first + i, 1 + j, int(v), fmt)
        wb.close()
