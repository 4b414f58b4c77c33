"""Printed sheets, for every workbook jsscore writes: how tall a row must be to show all of its wrapped
text, and the usual A4 page setup.

Excel and WPS do not grow a row for wrapped text a program wrote: without a height the second line is
hidden (and printed over the next row). These are estimates from the column width, the font size and
the text's display width, erring on one line too many rather than one too few. They run for each row
of sheets with a million rows, so they cost a ``len()`` and one ``encode`` per cell.
"""

from __future__ import annotations

LINE_PT = 14  # one line of wrapped 10-pt text, in points (a row is LINE_PT × lines + 4)


def units(t: str) -> int:
    """Display width of ``t`` in column-width units: a CJK (full-width) character counts 2, ASCII 1.
    UTF-8 spends 3 bytes on a CJK character and 1 on ASCII, so no per-character scan is needed."""
    n = len(t)
    return n + (len(t.encode("utf-8", "replace")) - n) // 2


def px(width: float) -> int:
    """A column's width in pixels (XlsxWriter's conversion: 7 pixels a character plus 5 of padding)."""
    return int(width * 7 + 0.5) + 5


def room(width: float, pt: float = 10) -> float:
    """Units of ``pt``-point text one line of a wrapped cell ``width`` characters wide holds: its pixels
    less the cell padding, over half a CJK character (pt × 2/3 pixels at 96 dpi); 5 % less for breaks at
    word ends. (Excel's widths: a LibreOffice without Calibri draws the columns wider, never narrower.)"""
    return max((px(width) - 8) / (pt * 2 / 3) * 0.95, 1)


def lines(t: str, width: float, pt: float = 10) -> int:
    """Lines ``t`` takes in a wrapped cell ``width`` characters wide."""
    if not t:
        return 1
    return sum(int(-(-units(part) // room(width, pt))) or 1 for part in t.split("\n"))


def height(n: int, line_pt: float = LINE_PT) -> float:
    """Row height in points for ``n`` lines."""
    return line_pt * n + 4


def fit_height(cells: list[tuple[str, float]], pt: float = 10, line_pt: float | None = None) -> float:
    """Row height showing every line of the wrapped ``(text, column width)`` cells of a row, for
    ``pt``-point text."""
    n = max((lines(str(t), w, pt) for t, w in cells if t), default=1)
    return height(n, line_pt if line_pt is not None else pt * 1.4)


def a4_one_page_wide(ws, header_row: int, landscape: bool = True, footer: str = "&C第 &P 页，共 &N 页") -> None:
    """An XlsxWriter sheet on A4, one page wide and as many long as needed, ``header_row`` repeated on every
    page, narrow margins, the page number in the footer."""
    if landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(header_row)
    ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
    ws.set_footer(footer)
