"""Open an input file of whatever kind it really is (judged by its bytes, not its name) as Sheets.

* xlsx/xlsm (zip)   → openpyxl, read-only, cached values; percent formats kept; XML through defusedxml;
                      members checked for DTDs and absurd sizes before any parsing
* xls/et (BIFF, OLE) and ods → python-calamine
* csv                → UTF-8 (with or without BOM), else GB18030 (a superset of GBK), strictly
* anything else (encrypted OLE, HTML, PDF, lock files, empty or truncated files) → InputError
  with a Chinese message saying what the file is and what to do.
"""

from __future__ import annotations

import csv
import hashlib
import io
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

from jsscore.problems import InputError
from jsscore.readers.layout import Sheet

MAX_MEMBER_BYTES = 512 * 1024 * 1024  # declared uncompressed size of one xlsx part
MAX_RATIO = 200  # uncompressed / compressed for parts above 1 MiB
RESAVE = "请在 Excel 或 WPS 中打开后“另存为” Excel 工作簿（.xlsx）再导入。"


def sniff(path: Path, head: bytes) -> str:
    name = path.name
    if name.startswith("~$"):
        raise InputError(f"{name} 是 Excel/WPS 打开文件时生成的临时锁定文件，不是工作簿；请选择原文件（去掉文件名开头的 ~$）。")
    if not head:
        raise InputError(f"{name} 是空文件（0 字节），没有任何内容；请确认文件已完整保存或重新导出。")
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    if head.startswith(b"%PDF"):
        raise InputError(f"{name} 实际是 PDF 文件，不是电子表格；请提交 Excel 工作簿（.xlsx）或 CSV 文件。")
    low = head[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if low.startswith((b"<!doctype html", b"<html", b"<table", b"<?xml", b"<meta")) or b"<table" in low:
        raise InputError(f"{name} 实际是网页（HTML）文件，只是扩展名为 {path.suffix}，不是真正的工作簿。" + RESAVE)
    if path.suffix.lower() in (".csv", ".txt"):
        return "csv"
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls", ".et", ".ods", ".ett"):
        raise InputError(f"{name} 不是有效的电子表格文件（文件内容无法识别，可能已损坏）。" + RESAVE)
    raise InputError(f"{name} 的格式无法识别：请提交 .xlsx 工作簿或 .csv 文件。")


@dataclass
class Source:
    """An input file as read: its bytes' hash, kind, sheets and metadata (custom document properties)."""

    path: Path
    sha256: str
    kind: str  # "xlsx" | "legacy" | "csv"
    sheets: list[Sheet]
    meta: dict
    data: bytes = b""


def open_source(path: Path) -> Source:
    """Read a file once (it is never written) and parse it into sheets."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"找不到文件 {path}") from None
    except IsADirectoryError:
        raise InputError(f"{path} 是文件夹，不是文件") from None
    except OSError as e:
        raise InputError(f"无法读取 {path}：{e.strerror or e}") from None
    sha = hashlib.sha256(data).hexdigest()
    kind = sniff(path, data[:4096])
    if kind == "csv":
        return Source(path, sha, "csv", [_csv_sheet(path, data)], {})
    if kind == "ole":
        if _encrypted(data):
            raise InputError(f"{path.name} 设置了打开密码（已加密），无法读取。请在 Excel/WPS 中打开，"
                             "在“文件-信息-保护工作簿/文档加密”中删除密码后另存为 .xlsx 再导入。")
        return Source(path, sha, "legacy", _calamine_sheets(path, data), {})
    sheets, meta, kind = _zip_sheets(path, data)
    return Source(path, sha, kind, sheets, meta, data if kind == "xlsx" else b"")


def _encrypted(data: bytes) -> bool:
    return any(n.encode("utf-16-le") in data for n in ("EncryptedPackage", "EncryptionInfo"))


def load_sheets(path: Path) -> tuple[list[Sheet], dict]:
    """All sheets of the file, and its metadata (custom document properties for xlsx)."""
    src = open_source(path)
    return src.sheets, src.meta


def _zip_sheets(path: Path, data: bytes) -> tuple[list[Sheet], dict, str]:
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        names = z.namelist()
    except (zipfile.BadZipFile, EOFError, ValueError):
        raise InputError(f"{path.name} 已损坏或不完整（可能下载或复制中断），无法作为工作簿打开。请重新获取原文件。") from None
    with z:
        for info in z.infolist():
            if info.file_size > MAX_MEMBER_BYTES or (
                info.file_size > (1 << 20) and info.compress_size and info.file_size / info.compress_size > MAX_RATIO
            ):
                raise InputError(f"{path.name} 中的 {info.filename} 解压后大小异常（{info.file_size} 字节），"
                                 "疑似恶意压缩文件（压缩炸弹），已拒绝读取。")
        if "mimetype" in names and b"opendocument.spreadsheet" in z.read("mimetype"):
            return _calamine_sheets(path, data), {}, "legacy"
        if "xl/workbook.xml" not in names and "xl/workbook.bin" not in names:
            raise InputError(f"{path.name} 是压缩包但不是 Excel 工作簿（缺少 xl/workbook.xml）。" + RESAVE)
        if "xl/workbook.bin" in names:
            raise InputError(f"{path.name} 是二进制工作簿（.xlsb），暂不支持。" + RESAVE)
        for n in names:
            if n.endswith((".xml", ".rels", ".vml")):
                with z.open(n) as fh:
                    head = fh.read(8192)
                if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                    raise InputError(f"{path.name} 的内部文件 {n} 含有 DTD/实体声明，这在正常的 Excel 文件中不会出现，"
                                     "可能是恶意构造的文件，已拒绝读取。")
    sheets, meta = _openpyxl_sheets(path, data)
    return sheets, meta, "xlsx"


def _openpyxl_sheets(path: Path, data: bytes) -> tuple[list[Sheet], dict]:
    import openpyxl  # lazy: `jsscore --help` must not import it

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. "Data Validation extension is not supported"
        try:
            wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as e:  # noqa: BLE001 - any parser failure is an unreadable file
            raise InputError(f"{path.name} 无法作为 Excel 工作簿读取（{type(e).__name__}）。" + RESAVE) from None
        try:
            meta = {}
            try:
                for p in wb.custom_doc_props.props:
                    meta[p.name] = p.value
            except Exception:  # noqa: BLE001 - properties are optional
                pass
            sheets = []
            for ws in wb.worksheets:
                sheets.append(_read_ws(ws))
        except InputError:
            raise
        except Exception as e:  # noqa: BLE001
            raise InputError(f"{path.name} 的内容无法读取（{type(e).__name__}），文件可能已损坏。" + RESAVE) from None
        finally:
            wb.close()
    return sheets, meta


def _read_ws(ws) -> Sheet:
    if hasattr(ws, "reset_dimensions"):
        ws.reset_dimensions()  # WPS writes <dimension ref="A1"/>; never trust it
    rows: list[list] = []
    pct: set[tuple[int, int]] = set()
    for row in ws.iter_rows():
        vals = []
        r = None
        for c, cell in enumerate(row):
            v = getattr(cell, "value", None)
            vals.append(v)
            if v is not None:
                if r is None:
                    r = cell.row - 1
                if isinstance(v, (int, float)) and not isinstance(v, bool) and "%" in (cell.number_format or ""):
                    pct.add((r, c))
        while vals and vals[-1] is None:
            vals.pop()
        if r is None:
            rows.append([])
            continue
        while len(rows) < r:
            rows.append([])
        rows.append(vals)
    while rows and not rows[-1]:
        rows.pop()
    return Sheet(ws.title, rows, pct, getattr(ws, "sheet_state", "visible") != "visible")


def formula_texts(data: bytes, sheet: str, cells: set[str]) -> dict[str, str]:
    """The formulas behind the given A1 cells of a sheet (second pass, only for cells that read blank:
    a formula whose cached value was never saved reads as blank with cached values)."""
    import openpyxl

    out: dict[str, str] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
            ws = wb[sheet]
            ws.reset_dimensions()
            for row in ws.iter_rows():
                for cell in row:
                    coord = getattr(cell, "coordinate", None)
                    if coord in cells and isinstance(cell.value, str) and cell.value.startswith("="):
                        out[coord] = cell.value
            wb.close()
        except Exception:  # noqa: BLE001 - best effort: the cell stays "blank"
            return out
    return out


def _calamine_sheets(path: Path, data: bytes) -> list[Sheet]:
    try:
        from python_calamine import CalamineWorkbook
    except ImportError:  # pragma: no cover - declared dependency
        raise InputError(f"{path.name} 是旧版 .xls/.et 或 .ods 文件。" + RESAVE) from None
    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = []
        for meta in wb.sheets_metadata:
            sh = wb.get_sheet_by_name(meta.name)
            rows = [list(r) for r in sh.to_python(skip_empty_area=False)]
            rows = [[None if v == "" else v for v in r] for r in rows]
            sheets.append(Sheet(meta.name, rows, set(), str(meta.visible).lower().endswith("hidden")))
        return sheets
    except Exception as e:  # noqa: BLE001 - any parser failure is an unreadable file
        raise InputError(f"{path.name} 无法读取（{type(e).__name__}）。" + RESAVE) from None


def _csv_sheet(path: Path, data: bytes) -> Sheet:
    if b"\x00" in data[:65536]:
        raise InputError(f"{path.name} 含有二进制内容，不是文本 CSV 文件。请从 Excel/WPS 另存为“CSV UTF-8”或直接提交 .xlsx。")
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes almost anything
        raise InputError(f"{path.name} 的文字编码无法识别（既不是 UTF-8 也不是 GBK）。")
    try:
        rows = [[None if v.strip() == "" else v for v in row] for row in csv.reader(io.StringIO(text, newline=""))]
    except csv.Error as e:
        raise InputError(f"{path.name} 不是格式正确的 CSV 文件（{e}）。") from None
    return Sheet("", rows, set())
