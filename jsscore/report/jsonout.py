"""The machine-readable result (RUBRIC.md "Machine-readable result"), as a plain dict.

Scores are 2-place Decimals written as JSON numbers (``float(Decimal("79.01"))`` prints 79.01:
the shortest repr of a 2-place decimal is that decimal). Derived ratios are rounded to 6 places.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from jsscore.engine import CityResult
from jsscore.problems import Problem
from jsscore.rubric import Rubric

RATIO_PLACES = Decimal("0.000001")


def num(x: Decimal | Fraction | None) -> float | int | None:
    if x is None:
        return None
    if isinstance(x, Fraction):
        x = (Decimal(x.numerator) / Decimal(x.denominator)).quantize(RATIO_PLACES)
    return float(x)


def param_json(v: Any) -> Any:
    return float(v) if isinstance(v, Decimal) else v


def _rubric(rubric: Rubric, params: dict[str, Any]) -> dict:
    return {"id": rubric.id, "version": rubric.version, "sha256": rubric.sha256,
            "parameters": {k: param_json(v) for k, v in params.items()}}


def _city(r: CityResult) -> dict:
    return {
        "city": r.city, "region": r.region, "rank": r.rank, "total": num(r.total),
        "categories": {k: num(v) for k, v in r.categories.items()},
        "items": {k: num(v.score) for k, v in r.items.items()},
        "derived": {k: num(v) for k, v in r.derived.items()},
        "reasons": {k: v.reason for k, v in r.items.items() if v.reason},
    }


def build(results: list[CityResult], rubric: Rubric, params: dict[str, Any], inputs: list[tuple[str, str]],
          problems: list[Problem], meta: dict | None = None) -> dict:
    """The whole document as one dict (for callers in the same process; ``write`` streams it instead)."""
    return {
        "rubric": _rubric(rubric, params),
        "inputs": [{"path": p, "sha256": h} for p, h in inputs],
        "cities": [_city(r) for r in results],
        "issues": [p.as_dict() for p in problems],
        **({"generated": meta} if meta else {}),
    }


_ENC = json.JSONEncoder(ensure_ascii=False)  # no indent: the C encoder (indent falls back to pure Python)


def chunks(results: list[CityResult], rubric: Rubric, params: dict[str, Any], inputs: list[tuple[str, str]],
           problems: list[Problem], meta: dict | None = None) -> Iterator[str]:  # a city per chunk after the head
    """The document of :func:`build` as text, a city or an issue per line, made one city at a time
    (100 000 units never exist as one dict or one string)."""
    enc = _ENC.encode
    yield '{\n  "rubric": ' + enc(_rubric(rubric, params))
    yield ',\n  "inputs": [' + ", ".join(enc({"path": p, "sha256": h}) for p, h in inputs) + "]"
    for key, rows in (("cities", map(_city, results)), ("issues", (p.as_dict() for p in problems))):
        yield f',\n  "{key}": ['
        sep = "\n    "
        for row in rows:
            yield sep + enc(row)
            sep = ",\n    "
        yield "\n  ]" if sep != "\n    " else "]"
    if meta:
        yield ',\n  "generated": ' + enc(meta)
    yield "\n}\n"


def dumps(results: list[CityResult], rubric: Rubric, params: dict[str, Any], inputs: list[tuple[str, str]],
          problems: list[Problem], meta: dict | None = None) -> str:
    return "".join(chunks(results, rubric, params, inputs, problems, meta))


def write(path: Path, results: list[CityResult], rubric: Rubric, params: dict[str, Any],
          inputs: list[tuple[str, str]], problems: list[Problem], meta: dict | None = None,
          tick: Callable[[int], None] | None = None) -> None:
    """Stream the document to ``path`` atomically (UTF-8); ``tick(512)`` after every 512 chunks."""
    from jsscore.report.safe import atomic_path

    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8", newline="\n") as fh:
        buf: list[str] = []
        for part in chunks(results, rubric, params, inputs, problems, meta):
            buf.append(part)
            if len(buf) >= 512:
                fh.write("".join(buf))
                buf.clear()
                if tick is not None:
                    tick(512)
        fh.write("".join(buf))
