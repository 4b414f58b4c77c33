"""Last year's result (a ranked workbook written by jsscore, or its --json) for year-over-year comparison."""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from pathlib import Path


class HistoryError(Exception):
    """Last year's file cannot be used; message is Chinese."""


def load_previous(path: Path) -> dict[str, dict]:
    """city → {"rank": int, "total": Decimal, "items": {id: Decimal}}; "__items__" holds last year's item ids."""
    if not path.exists():
        raise HistoryError(f"找不到上年结果文件 {path}")
    if path.suffix.lower() == ".json":
        return _from_json(path)
    return _from_workbook(path)


def _dec(v) -> Decimal:
    try:
        return Decimal(str(v))
    except (InvalidOperation, ValueError):
        raise HistoryError(f"上年结果中的分数“{v}”不是数字") from None


def _from_json(path: Path) -> dict[str, dict]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8-sig"))
        cities = doc["cities"]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError):
        raise HistoryError(f"{path.name} 不是 jsscore 输出的 JSON 结果（其中没有各设区市的得分）。") from None
    out: dict[str, dict] = {}
    ids: dict[str, None] = {}  # union over cities, in order of appearance
    try:
        for c in cities:
            items = {str(k): _dec(v) for k, v in (c.get("items") or {}).items()}
            ids.update(dict.fromkeys(items))
            out[str(c["city"])] = {"rank": int(c["rank"]), "total": _dec(c["total"]), "items": items}
        version = (doc.get("rubric") or {}).get("version", "") if isinstance(doc, dict) else ""
    except (KeyError, TypeError, ValueError, AttributeError):
        raise HistoryError(f"{path.name} 的内容不完整：每个设区市应有 city、rank、total（以及 items）。"
                           "请提供上年 jsscore 输出的 JSON 结果。") from None
    out["__items__"] = {"ids": list(ids), "version": version}
    return out


def _from_workbook(path: Path) -> dict[str, dict]:
    import warnings

    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - any unreadable file
        raise HistoryError(f"{path.name} 无法作为工作簿读取；请提供上年 jsscore 生成的结果工作簿或 JSON。") from None
    try:
        if "排名汇总" not in wb.sheetnames or "分项得分" not in wb.sheetnames:
            raise HistoryError(f"{path.name} 不是 jsscore 生成的结果工作簿（缺少“排名汇总”或“分项得分”工作表）。")
        out: dict[str, dict] = {}
        rows = list(wb["排名汇总"].iter_rows(values_only=True))
        head = next((i for i, r in enumerate(rows) if r and r[0] == "名次"), None)
        if head is None:
            raise HistoryError(f"{path.name} 的“排名汇总”表中找不到表头“名次”。")
        for r in rows[head + 1:]:
            if not r or not isinstance(r[0], (int, float)) or not r[1]:
                continue
            out[str(r[1])] = {"rank": int(r[0]), "total": _dec(r[3]), "items": {}}
        # 分项得分: row 1 = 名次, 设区市, 区域, 总分, item ids…; rows 2–3 names and maxima; then one row per city
        items = list(wb["分项得分"].iter_rows(values_only=True))
        head = items[0] if items else ()
        ids = [str(v) for v in head[4:] if v]
        for r in items[3:]:
            city = str(r[1]) if r and len(r) > 1 and r[1] else ""
            if city in out:
                for iid, v in zip(ids, r[4:], strict=False):
                    if v is not None:
                        out[city]["items"][iid] = _dec(v)
        out["__items__"] = {"ids": ids, "version": ""}
        return out
    finally:
        wb.close()


def compare_items(prev: dict, current_ids: list[str]) -> tuple[list[str], list[str]]:
    """Item ids only in last year's rubric, and only in this year's."""
    old = prev.get("__items__", {}).get("ids", [])
    return [i for i in old if i not in current_ids], [i for i in current_ids if old and i not in old]
