"""Safe writing: a temporary file in the target folder, renamed into place only when complete.

An output never overwrites an input; an existing output is replaced only when asked (``force``),
otherwise a free name ``…(2).xlsx`` is chosen. Failures (locked by Excel/WPS, read-only folder)
become :class:`OutputError` with a Chinese message and leave nothing partial on disk.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


class OutputError(Exception):
    """The output cannot be written; message is Chinese. Exit code 2."""


def choose_output(path: Path, inputs: list[Path], force: bool) -> tuple[Path, bool]:
    """The path to write and whether it differs from the one asked for (a free name was picked)."""
    target = path.resolve()
    for i in inputs:
        try:
            if i.resolve() == target:
                raise OutputError(f"输出文件 {path} 与输入文件相同；为保护原始数据，请用 -o 指定另一个文件名。")
        except OSError:
            continue
    if force or not path.exists():
        return path, False
    n = 2
    while True:
        cand = path.with_name(f"{path.stem}({n}){path.suffix}")
        if not cand.exists():
            return cand, True
        n += 1


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path`` atomically."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.exists():
        raise OutputError(f"输出文件夹 {folder} 不存在。")
    try:
        fd, tmp = tempfile.mkstemp(prefix=".jsscore-", suffix=path.suffix, dir=folder)
        os.close(fd)
    except OSError as e:
        raise OutputError(f"无法在 {folder} 中写入文件（{e.strerror or e}）：请检查该文件夹是否只读或磁盘已满。") from None
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        try:
            os.replace(tmp_path, path)
        except PermissionError:
            raise OutputError(f"无法写入 {path}：文件可能正被 Excel/WPS 打开，请关闭后重试，或用 -o 指定另一个文件名。") from None
        except OSError as e:
            raise OutputError(f"无法写入 {path}（{e.strerror or e}）。") from None
    finally:
        with contextlib.suppress(OSError):
            tmp_path.unlink()


def atomic_write_text(path: Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
