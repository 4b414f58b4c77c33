"""Chinese for the parts of typer's help and error screens that typer itself writes in English.

typer (≥ 0.20) vendors click with fixed English strings ("Usage:", "Options", "Show this message and exit.",
type names such as <path>). Users of jsscore read only Chinese, so ``install()`` replaces those strings
at start-up: module constants of ``typer.rich_utils``, the usage prefix, the help option's text and the
type column. Each patch is guarded so that a typer release that renames a piece degrades to English
rather than failing.
"""

from __future__ import annotations

import re

PANEL_TITLES = {
    "ARGUMENTS_PANEL_TITLE": "参数",
    "OPTIONS_PANEL_TITLE": "选项",
    "COMMANDS_PANEL_TITLE": "命令",
    "ERRORS_PANEL_TITLE": "错误",
    "ABORTED_TEXT": "已取消。",
    "REQUIRED_LONG_STRING": "[必填]",
    "DEFAULT_STRING": "[默认：{}]",
    "ENVVAR_STRING": "[环境变量：{}]",
    "DEPRECATED_STRING": "（已弃用）",
    "RICH_HELP": "运行 [blue]'{command_path} {help_option}'[/] 查看帮助。",
}
TYPE_NAMES = {"bool": "", "path": "路径", "str": "文本", "text": "文本", "int": "整数", "integer": "整数",
              "float": "数字", "Path": "路径"}
HELP_TEXT = "显示本帮助后退出。"
USAGE_WORDS = {"[OPTIONS]": "[选项]", "COMMAND [ARGS]...": "命令 [参数]...", "[ARGS]...": "[参数]..."}
ARG_NAMES = {"inputs": "输入文件或文件夹", "path": "文件路径", "output": "输出文件"}
USAGE = "用法："


def _type_zh(text: str | None) -> str | None:
    if not text:
        return text
    m = re.fullmatch(r"<?(list\[)?(\w+)\]?>?(\.\.\.)?", text)
    if not m:
        return text
    name = TYPE_NAMES.get(m.group(2), m.group(2))
    if not name:
        return ""
    return f"<{name}{'…' if m.group(1) or m.group(3) else ''}>"


def install() -> None:
    try:
        from typer import rich_utils
    except ImportError:  # pragma: no cover
        return
    for k, v in PANEL_TITLES.items():
        if hasattr(rich_utils, k):
            setattr(rich_utils, k, v)
    try:  # Chinese help has no spaces to wrap at: fold long lines instead of cutting them off with "…"
        base = rich_utils.Table

        class FoldTable(base):
            def add_row(self, *renderables, **kw):
                super().add_row(*renderables, **kw)
                for col in self.columns:
                    if not col.no_wrap:
                        col.overflow = "fold"

        if isinstance(base, type) and not hasattr(base, "_jsscore_fold"):
            FoldTable._jsscore_fold = True
            rich_utils.Table = FoldTable
        columns = rich_utils.Columns  # an option's help: its text and [必填]/[默认：…] side by side

        def one_text(items, *args, **kw):
            from rich.text import Text

            if items and all(isinstance(i, Text) for i in items):
                text = Text(" ").join(items)
                text.overflow = "fold"
                return text
            return columns(items, *args, **kw)

        if not getattr(columns, "_jsscore_fold", False):
            one_text._jsscore_fold = True
            rich_utils.Columns = one_text
    except (AttributeError, TypeError):  # pragma: no cover
        pass
    try:
        hl = rich_utils.highlighter
        hl.highlights = [h.replace("Usage: ", USAGE) for h in hl.highlights]
    except AttributeError:  # pragma: no cover
        pass
    try:
        from typer._click.formatting import HelpFormatter

        orig_usage = HelpFormatter.write_usage

        def write_usage(self, prog, args="", prefix=None):
            for en, zh in USAGE_WORDS.items():
                args = args.replace(en, zh)
            return orig_usage(self, prog, args, USAGE if prefix is None else prefix)

        HelpFormatter.write_usage = write_usage
    except (ImportError, AttributeError):  # pragma: no cover
        pass
    try:
        from typer._click.core import Command

        orig_help = Command.get_help_option

        def get_help_option(self, ctx):
            opt = orig_help(self, ctx)
            if opt is not None:
                opt.help = HELP_TEXT
            return opt

        Command.get_help_option = get_help_option
    except (ImportError, AttributeError):  # pragma: no cover
        pass
    try:
        from typer.core import TyperArgument

        def usage_name(self):  # 文件或文件夹... / [路径], not typer's {文件或文件夹}...
            name = self.display_name_raw if self.required else f"[{self.display_name_raw}]"
            return name + ("..." if self.nargs != 1 else "")

        if hasattr(TyperArgument, "_usage_display_name") and hasattr(TyperArgument, "display_name_raw"):
            TyperArgument._usage_display_name = usage_name
    except (ImportError, AttributeError):  # pragma: no cover
        pass
    try:
        from typer.core import TyperArgument, TyperOption

        for cls in (TyperOption, TyperArgument):
            orig = cls.display_type_rich

            def display_type_rich(self, ctx, _orig=orig):
                return _type_zh(_orig(self, ctx))

            cls.display_type_rich = display_type_rich
    except (ImportError, AttributeError):  # pragma: no cover
        pass
