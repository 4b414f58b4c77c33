"""Safe writing: a temporary file in the target folder, renamed into place only when complete.

An output never overwrites an input (compared as files, so another spelling of the path, a link or a
file inside an input folder is caught too); an existing output is replaced only when asked
(``force``), otherwise a free name ``…(2).xlsx`` is chosen. Failures (locked by Excel/WPS, read-only
folder, disk full) become :class:`OutputError` with a Chinese message and leave nothing partial on
disk: no half-written output and no temporary file.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from jsscore.problems import os_reason

# What `jsscore score FOLDER` reads from a folder (kept in step with jsscore.intake.INPUT_SUFFIXES).
_INPUT_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".et", ".ods", ".csv")


class OutputError(Exception):
    """The output cannot be written; message is Chinese. Exit code 2."""


def _same_file(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)  # hard links, case-insensitive file systems
        return a.resolve() == b.resolve()
    except OSError:
        return False


def _read_from_folder(folder: Path, target: Path) -> bool:
    """Whether ``target`` is a file that reading ``folder`` as an input would pick up."""
    try:
        return (target.is_file() and target.suffix.lower() in _INPUT_SUFFIXES
                and not target.name.startswith(("~$", ".")) and _same_file(target.parent, folder))
    except OSError:
        return False


def choose_output(path: Path, inputs: list[Path], force: bool, option: str = "-o") -> tuple[Path, bool]:
    """The path to write and whether it differs from the one asked for (a free name was picked).
    ``option`` is the command-line option that named it, for the messages."""
    for i in inputs:
        if _same_file(i, path) or (i.is_dir() and _read_from_folder(i, path)):
            raise OutputError(f"输出文件 {path} 与输入文件相同；为保护原始数据，请用 {option} 指定另一个文件名。")
    if path.is_dir():
        raise OutputError(f"输出路径 {path} 是一个文件夹；请用 {option} 指定文件名，"
                          f"如 {path / ('评分结果.json' if option == '--json' else '评分结果.xlsx')}。")
    if path.suffix.lower() not in (".xlsx", ".json", ".toml"):  # never Excel bytes under a .txt/.csv name
        raise OutputError(f"输出文件 {path.name} 的扩展名应为 .xlsx（JSON 结果为 .json，规则文件为 .toml）。")
    if force or not path.exists():
        return path, False
    n = 2
    while True:
        cand = path.with_name(f"{path.stem}({n}){path.suffix}")
        if not cand.exists():
            return cand, True
        n += 1


def _file_mode(path: Path) -> int:
    """Permissions for the finished file: those of the file it replaces, else what the umask allows
    (``mkstemp`` creates files readable by the owner only)."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        pass
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def _os_error(e: BaseException) -> OSError | None:
    """The OSError behind a write failure (XlsxWriter wraps it in FileCreateError)."""
    for _ in range(5):
        if e is None or isinstance(e, OSError):
            return e
        e = e.args[0] if e.args and isinstance(e.args[0], OSError) else e.__cause__
    return None


def _temp_beside(path: Path) -> Path:
    """A new empty temporary file in the folder of ``path`` (OutputError when that is impossible)."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"输出文件夹 {folder} 不存在。")
    try:
        fd, tmp = tempfile.mkstemp(prefix=".jsscore-", suffix=path.suffix, dir=folder)
        os.close(fd)
    except OSError as e:
        raise OutputError(f"无法在 {folder} 中写入文件（{os_reason(e)}）：请检查该文件夹是否只读或磁盘已满。") from None
    return Path(tmp)


def check_writable(path: Path) -> None:
    """Raise OutputError now if ``path`` cannot be created (missing or read-only folder): a command that
    writes several outputs checks them all first, so a failure never leaves the first one behind."""
    with contextlib.suppress(OSError):
        _temp_beside(path).unlink()


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path`` atomically.

    Whatever happens in between (an exception in the writer, Ctrl+C, a full disk), the temporary
    file is removed and ``path`` is left as it was.
    """
    tmp_path = _temp_beside(path)
    try:
        try:
            yield tmp_path
        except OutputError:
            raise
        except Exception as e:
            oe = _os_error(e)
            if oe is None:
                raise
            raise OutputError(f"写入 {path} 时出错（{os_reason(oe)}）：请检查磁盘空间和文件夹权限后重试。") from None
        try:
            with contextlib.suppress(OSError):
                os.chmod(tmp_path, _file_mode(path))
            with contextlib.suppress(OSError), open(tmp_path, "rb+") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp_path, path)
        except PermissionError:
            raise OutputError(f"无法写入 {path}：文件可能正被 Excel/WPS 打开，请关闭后重试，或用 -o 指定另一个文件名。") from None
        except OSError as e:
            raise OutputError(f"无法写入 {path}（{os_reason(e)}）。") from None
    finally:
        with contextlib.suppress(OSError):
            tmp_path.unlink()


def atomic_write_text(path: Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
