"""Open an input file of whatever kind it really is (judged by its bytes, not its name) as Sheets.

* xlsx/xlsm (zip)   → openpyxl, read-only, cached values; percent formats kept; XML through defusedxml;
                      members checked for DTDs and absurd sizes before any parsing
* xls/et (BIFF, OLE) and ods → python-calamine; percent formats from xlrd / content.xml (``legacy``)
* csv                → UTF-8 (with or without BOM), else GB18030 (a superset of GBK), strictly
* anything else (encrypted OLE, HTML, PDF, lock files, empty or truncated files) → InputError
  with a Chinese message saying what the file is and what to do.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import stat
import warnings
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from jsscore.problems import InputError, os_reason
from jsscore.readers.layout import Sheet

MAX_INPUT_BYTES = 256 * 1024 * 1024  # an input file itself (13 cities' figures fit in kilobytes)
MAX_MEMBER_BYTES = 512 * 1024 * 1024  # declared uncompressed size of one xlsx part
MAX_RATIO = 200  # uncompressed / compressed for parts above 1 MiB
# Anything the zip module or a decompressor raises on a damaged archive.
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, ValueError, NotImplementedError,
               RuntimeError, OSError, KeyError, IndexError, OverflowError)
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
        st = path.stat()
        if stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError
        if not stat.S_ISREG(st.st_mode):
            raise InputError(f"{path} 不是普通文件（可能是设备或管道），无法作为填报文件读取。")
        if st.st_size > MAX_INPUT_BYTES:
            raise InputError(f"{path.name} 过大（{st.st_size // (1024 * 1024)} MB），不像是考核填报文件；"
                             "请确认选择的文件是否正确。")
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"找不到文件 {path}") from None
    except IsADirectoryError:
        raise InputError(f"{path} 是文件夹，不是文件") from None
    except OSError as e:
        raise InputError(f"无法读取 {path}：{os_reason(e)}") from None
    sha = hashlib.sha256(data).hexdigest()
    kind = sniff(path, data[:4096])
    if kind == "csv":
        return Source(path, sha, "csv", [_csv_sheet(path, data)], {})
    if kind == "ole":
        if _encrypted(data):
            raise InputError(f"{path.name} 设置了打开密码（已加密），无法读取。请在 Excel/WPS 中打开，"
                             "在“文件-信息-保护工作簿/文档加密”中删除密码后另存为 .xlsx 再导入。")
        return Source(path, sha, "legacy", _calamine_sheets(path, data, "xls"), {})
    sheets, meta, kind = _zip_sheets(path, data)
    return Source(path, sha, kind, sheets, meta, data if kind == "xlsx" else b"")


def _encrypted(data: bytes) -> bool:
    return any(n.encode("utf-16-le") in data for n in ("EncryptedPackage", "EncryptionInfo"))


def _zip_sheets(path: Path, data: bytes) -> tuple[list[Sheet], dict, str]:
    broken = InputError(f"{path.name} 已损坏或不完整（可能下载或复制中断），无法作为工作簿打开。请重新获取原文件。")
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
    except _ZIP_ERRORS:
        raise broken from None
    with z:
        try:
            ods = _inspect_zip(path, z)
        except InputError:
            raise
        except _ZIP_ERRORS:  # a member that cannot be decompressed: damaged, not a bug
            raise broken from None
    if ods:
        return _calamine_sheets(path, data, "ods"), {}, "legacy"
    sheets, meta = _xlsx_sheets(path, data)
    return sheets, meta, "xlsx"


def _xlsx_sheets(path: Path, data: bytes) -> tuple[list[Sheet], dict]:
    """Values through python-calamine (about ten times faster than openpyxl on large inputs), percent
    formats and document properties from the package parts; openpyxl when calamine cannot read it."""
    from jsscore.readers import ooxml

    try:
        return ooxml.read(data)
    except Exception:  # noqa: BLE001 - any calamine failure: let openpyxl try (and explain) instead
        return _openpyxl_sheets(path, data)


def _inspect_zip(path: Path, z: zipfile.ZipFile) -> bool:
    """Refuse archives that are not a workbook or are built to hurt the parser, before any parsing.
    True for an OpenDocument spreadsheet (read by calamine), False for an Excel workbook."""
    infos = z.infolist()
    for info in infos:
        if info.file_size > MAX_MEMBER_BYTES or (
            info.file_size > (1 << 20) and info.compress_size and info.file_size / info.compress_size > MAX_RATIO
        ):
            raise InputError(f"{path.name} 中的 {info.filename} 解压后大小异常（{info.file_size} 字节），"
                             "疑似恶意压缩文件（压缩炸弹），已拒绝读取。")
    names = {i.filename for i in infos}
    ods = "mimetype" in names and b"opendocument.spreadsheet" in z.read("mimetype")
    if not ods:
        if "xl/workbook.bin" in names:
            raise InputError(f"{path.name} 是二进制工作簿（.xlsb），暂不支持。" + RESAVE)
        if "xl/workbook.xml" not in names:
            raise InputError(f"{path.name} 是压缩包但不是 Excel 工作簿（缺少 xl/workbook.xml）。" + RESAVE)
    for info in infos:
        if info.is_dir():
            continue
        with z.open(info) as fh:
            dtd = _declares_dtd(fh)
        if dtd:
            raise InputError(f"{path.name} 的内部文件 {info.filename} 含有 DTD/实体声明，这在正常的 Excel 文件中不会出现，"
                             "可能是恶意构造的文件，已拒绝读取。")
    if ods and z.testzip() is not None:
        # calamine does not check sizes and checksums itself: a part that decompresses to more (or
        # other) bytes than its header says is a damaged or hostile archive
        raise zipfile.BadZipFile
    return ods


_CHUNK = 1 << 16


def _declares_dtd(fh) -> bool:
    """Whether an archive member is XML whose prolog declares a DTD (``<!DOCTYPE``: entities, external
    references). Only the prolog is read, however long its comments, in UTF-8 or UTF-16."""
    first = fh.read(4)
    if first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        enc = "utf-16"
    elif first.startswith(b"<\x00"):
        enc = "utf-16-le"
    elif first.startswith(b"\x00<"):
        enc = "utf-16-be"
    else:
        enc = "utf-8"
    dec = codecs.getincrementaldecoder(enc)(errors="replace")
    eof = not first
    buf = dec.decode(first, final=eof)
    while True:
        buf = buf.lstrip(" \t\r\n\ufeff")
        if len(buf) < 9 and not eof:
            chunk = fh.read(_CHUNK)
            eof = not chunk
            buf += dec.decode(chunk, final=eof)
            continue
        if not (buf.startswith("<?") or buf.startswith("<!--")):
            return buf.startswith("<!")  # <!DOCTYPE …; anything else is the root element or not XML
        close, start = ("?>", 2) if buf.startswith("<?") else ("-->", 4)
        end = buf.find(close, start)
        while end < 0 and not eof:
            chunk = fh.read(_CHUNK)
            eof = not chunk
            keep = max(start, len(buf) - len(close) + 1)  # only the tail may begin the terminator
            buf = buf[:start] + buf[keep:] + dec.decode(chunk, final=eof)
            end = buf.find(close, start)
        if end < 0:
            return False  # unterminated prolog: the XML parser refuses the file
        buf = buf[end + len(close):]


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


def merged_ranges(data: bytes, sheet: str, cells: set[str]) -> dict[str, str]:
    """For the given A1 cells of a sheet that read blank: the merged range each lies in (not its top-left)."""
    from jsscore.readers import layout, ooxml

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            part = ooxml.sheet_paths(z).get(sheet)
            covered = ooxml.merged_cells(z, part) if part else {}
    except _ZIP_ERRORS:
        return {}
    return {a1: ref for (r, c), ref in covered.items() if (a1 := layout.a1(r, c)) in cells}


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


def _calamine_sheets(path: Path, data: bytes, kind: str) -> list[Sheet]:
    """Every sheet of an .xls/.et (``kind`` "xls") or .ods file: values by calamine, percent cells
    from the file's own formats (``legacy``)."""
    from jsscore.readers import legacy

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
    except Exception as e:  # noqa: BLE001 - any parser failure is an unreadable file
        raise InputError(f"{path.name} 无法读取（{type(e).__name__}）。" + RESAVE) from None
    found = legacy.ods_cells(data) if kind == "ods" else legacy.xls_cells(data)
    for sheet in sheets:
        sheet.pct_cells, errors = found.get(sheet.name, (set(), {}))
        for (r, c), shown in errors.items():  # calamine reads an error cell as empty
            if r < len(sheet.rows) and c < len(sheet.rows[r]):
                sheet.rows[r][c] = shown
    return sheets


def _csv_sheet(path: Path, data: bytes) -> Sheet:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputError(f"{path.name} 是 UTF-16 编码的文本（如 Excel 的“Unicode 文本”），不是 CSV 文件。"
                         "请在 Excel/WPS 中另存为“CSV UTF-8（逗号分隔）”或直接提交 .xlsx。")
    if b"\x00" in data:
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
