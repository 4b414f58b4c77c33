"""Data problems as values, from a catalogue of stable codes with Chinese titles and message templates.

Fatal conditions (unreadable file, wrong format, bad rubric, bad parameter) are exceptions
(:class:`InputError`) caught once in the CLI; everything about the figures is a :class:`Problem`,
collected all at once. ``jsscore validate --codes`` prints the catalogue; the README table is
generated from it and a test keeps the two in step.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

ERROR, WARNING = "error", "warning"


@dataclass(frozen=True)
class Code:
    code: str
    severity: str
    title: str
    template: str
    hint: str = ""  # what to do, shown in the correction workbook


CATALOGUE: dict[str, Code] = {
    c.code: c
    for c in [
        Code("missing_value", ERROR, "必填项为空", "{label}未填写", "请填写该项；确无数据请联系省厅"),
        Code("missing_scored_zero", WARNING, "空白按 0 计分", "{label}未填写，已按 0/否 计分（--allow-missing）",
             "请补填"),
        Code("missing_column", ERROR, "缺少字段列", "表中没有“{label}”（{field}）这一列/行",
             "请使用最新模板，勿删除行列"),
        Code("formula_no_value", ERROR, "公式没有计算结果",
             "单元格是公式 {value}，但文件中没有保存计算结果（由程序生成、未在 Excel/WPS 中打开保存过）",
             "请在 Excel/WPS 中打开该文件并保存一次，或直接填写数值"),
        Code("merged_cell", ERROR, "合并单元格", "{label}所在单元格属于合并单元格 {ref}，只有左上角单元格有值",
             "请取消合并，在每个单元格中分别填写"),
        Code("excel_error", ERROR, "公式错误值", "单元格显示错误值 {value}", "请修正公式或直接填写数值"),
        Code("date_value", ERROR, "日期不是数字", "{label}应为数字，但单元格是日期 {value}", "请将单元格格式改为“常规”后填写数字"),
        Code("not_a_number", ERROR, "不是数字", "{label}应填写数字{unit_hint}，收到“{value}”", "请只填写阿拉伯数字"),
        Code("chinese_numeral", ERROR, "汉字数字", "{label}请用阿拉伯数字填写，收到“{value}”", "例如“十二”应写作 12"),
        Code("approximate", ERROR, "近似数", "{label}不能填写约数，收到“{value}”（含“{word}”）", "请填写准确数字"),
        Code("wrong_unit", ERROR, "单位不符", "{label}的单位是{unit}，收到“{value}”（单位为{got}）",
             "请换算为{unit}后只填写数字"),
        Code("not_integer", ERROR, "应为整数", "{label}应为整数，收到“{value}”", "请填写整数"),
        Code("below_min", ERROR, "数值过小", "{label}不能小于 {limit}，收到 {value}", "请核对该数"),
        Code("above_max", ERROR, "数值过大", "{label}不能大于 {limit}，收到 {value}", "请核对该数"),
        Code("exceeds_field", ERROR, "超过对应总数", "{label} {value} 大于{other_label} {limit}（{other_cell}）",
             "已接入/已建立数不能超过总数，请核对两数"),
        Code("sum_too_small", ERROR, "合计不足", "{label}为 {value}，至少应为 {limit}", "请核对各项总数"),
        Code("bad_bool", ERROR, "不是“是/否”", "{label}应填写“是”或“否”，收到“{value}”", "请从下拉列表选择“是”或“否”"),
        Code("bad_enum", ERROR, "不在可选项中", "{label}应为 {choices} 之一，收到“{value}”", "请从下拉列表选择"),
        Code("pct_out_of_range", ERROR, "百分比超出范围", "{label}应在 0%～100% 之间，收到“{value}”（即 {shown}）",
             "请核对该比率"),
        Code("pct_guessed", WARNING, "百分比写法不明确", "{label}填写了不带 % 的数字“{value}”，已按 {shown} 读取",
             "请写成带 % 的形式（如 96.9%）或使用百分比格式单元格"),
        Code("unreadable_file", ERROR, "文件无法读取", "{reason}", "请按说明处理后重新报送"),
        Code("no_records", ERROR, "没有数据", "{file} 中有字段表头，但没有任何设区市的数据", "请填写后再导入"),
        Code("city_missing_name", ERROR, "缺少设区市名称", "该行/列有数据但没有设区市名称", "请填写设区市名称"),
        Code("unknown_city", ERROR, "未知的设区市", "“{value}”不是江苏省 13 个设区市之一，且未填写区域",
             "请核对名称；其他单位须同时填写区域（苏南/苏中/苏北）"),
        Code("unlisted_city", WARNING, "不在 13 个设区市之列", "{what}不是江苏省 13 个设区市之一，已按填写的区域计分并参加排名",
             "如为笔误请改为规范名称；确为其他单位（如测试数据）可忽略"),
        Code("bad_region", ERROR, "区域不正确", "区域应为 苏南/苏中/苏北 之一，收到“{value}”", "请从下拉列表选择"),
        Code("region_differs", WARNING, "区域与规定不一致", "{city}属于{expected}，表中填写为“{value}”，已按表中填写计分",
             "请核对区域"),
        Code("duplicate_city", ERROR, "设区市重复且数据不同", "{city}出现多次且数据不同：{where}；不同的项：{fields}",
             "请删除重复的一份或核对数据"),
        Code("duplicate_identical", WARNING, "设区市重复（数据相同）", "{city}出现多次，数据相同，只计一次：{where}",
             "可删除重复的一份"),
        Code("city_not_returned", WARNING, "设区市未报送", "没有{city}的数据，未参加排名", "请催报"),
        Code("city_not_returned_required", ERROR, "设区市未报送", "没有{city}的数据（--require-all）", "请催报"),
        Code("outlier", WARNING, "数值异常", "{label} {value} 与其他设区市相差悬殊（中位数 {median}），可能单位填错",
             "请核对单位（人/万人、元/万元）"),
        Code("template_outdated", WARNING, "模板版本不一致", "该表由模板 {got} 生成，当前为 {expected}",
             "请使用 jsscore template 生成的最新模板"),
        Code("skipped_output", WARNING, "已跳过结果文件", "{file} 是 jsscore 生成的结果文件，不是填报数据，已跳过",
             "不要把结果文件放在报送文件夹中"),
        Code("hidden_data", WARNING, "隐藏的工作表或行列", "{what}被隐藏，仍已读取", "请确认隐藏内容是否应参与计分"),
    ]
}


@dataclass(frozen=True)
class Problem:
    """One data problem, located as precisely as the input allows."""

    code: str
    message: str
    file: str = ""
    sheet: str = ""
    cell: str = ""
    city: str = ""
    field: str = ""
    value: Any = None
    items: tuple[str, ...] = ()  # item ids this value feeds
    points: str = ""  # points at stake, as text
    extra: dict = dataclasses.field(default_factory=dict, compare=False, hash=False)

    @property
    def severity(self) -> str:
        return CATALOGUE[self.code].severity

    @property
    def title(self) -> str:
        return CATALOGUE[self.code].title

    @property
    def hint(self) -> str:
        return CATALOGUE[self.code].hint.format_map(_Safe(self.extra))

    @property
    def where(self) -> str:
        """Sheet-qualified A1 reference, e.g. ``填报!D7`` (or the file row for CSV)."""
        if self.cell and self.sheet:
            return f"{self.sheet}!{self.cell}"
        return self.cell

    def as_dict(self) -> dict:
        return {
            "severity": self.severity, "code": self.code, "title": self.title, "file": self.file,
            "sheet": self.sheet, "cell": self.where, "city": self.city, "field": self.field,
            "value": None if self.value is None else str(self.value), "items": list(self.items),
            "points": self.points, "message": self.message,
        }


class _Safe(dict):
    def __missing__(self, key: str) -> str:
        return ""


def make(code: str, *, file: str = "", sheet: str = "", cell: str = "", city: str = "", field: str = "",
         value: Any = None, **kw: Any) -> Problem:
    """Build a Problem from the catalogue template; ``kw`` fills the template."""
    c = CATALOGUE[code]
    fill = _Safe(kw)
    fill.setdefault("value", "" if value is None else str(value))
    fill.setdefault("city", city)
    fill.setdefault("field", field)
    fill.setdefault("file", file)
    return Problem(code, c.template.format_map(fill), file, sheet, cell, city, field, value, extra=dict(fill))


class InputError(Exception):
    """A fatal input problem (unreadable or wrong kind of file); message is Chinese. Exit code 2."""


_OS_REASONS = {
    "ENOENT": "文件或文件夹不存在", "EACCES": "没有访问权限", "EPERM": "没有操作权限", "ENOSPC": "磁盘空间不足",
    "EROFS": "文件系统是只读的", "EISDIR": "这是一个文件夹", "ENOTDIR": "路径中有一段不是文件夹", "EBUSY": "文件正被占用",
    "ETXTBSY": "文件正被占用", "EDQUOT": "超出磁盘配额", "ENAMETOOLONG": "文件名过长", "EMFILE": "打开的文件过多",
    "EIO": "磁盘读写错误", "EEXIST": "文件已存在", "EINVAL": "路径无效",
}


def os_reason(e: BaseException) -> str:
    """A Chinese reason for an OSError (never the English strerror)."""
    import errno

    code = getattr(e, "errno", None)
    name = errno.errorcode.get(code, "") if isinstance(code, int) else ""
    return _OS_REASONS.get(name, f"系统错误{f' {name}' if name else ''}")


def markdown_table() -> str:
    """The catalogue as a Markdown table (the README's copy is generated from this and tested)."""
    rows = ["| 代码 code | 级别 | 问题 | 处理建议 |", "|---|---|---|---|"]
    for c in CATALOGUE.values():
        hint = c.hint.replace("{unit}", "规定单位")
        rows.append(f"| `{c.code}` | {'错误' if c.severity == ERROR else '提醒'} | {c.title} | {hint} |")
    return "\n".join(rows)
