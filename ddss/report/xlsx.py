"""A one-table XLSX workbook written straight from a polars frame, fast.

xlsxwriter spends Python time on every cell (about 10 s per 100 000 findings of 13
columns on this machine); a steward's download of a whole run is millions of cells. This
writer builds each row's XML with polars expressions (vectorised, no Python per cell) and
streams it into the zip in chunks. It writes only what the findings exports need: text as
inline strings (never a formula, never a number read from text: a cell is exactly the
string given), integers and floats as numbers, a bold wrapped header row, frozen under the
header, with an autofilter and column widths, and an optional second sheet with a note.
Excel, LibreOffice, openpyxl and calamine (polars' ``read_excel``) read it.

Text is XML-escaped here; characters XML cannot hold (C0 controls but tab and newline)
and a literal ``_xHHHH_`` are written in Excel's own ``_xHHHH_`` escape, as Excel does.
Formula safety is the caller's (``ddss.mask.excel_safe_frame``): an apostrophe stays text.

A text column whose values repeat (agency, dataset, check, message, run: most columns of
the findings) goes to the workbook's shared strings, each distinct value escaped and
written once, the cells holding its number (``t="s"``, text as much as an inline string):
a million findings made 880 bytes of XML a row inline, built and deflated row by row.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import polars as pl
import pyarrow as pa

__all__ = ["MAX_ROWS", "write_table"]

MAX_ROWS = 1_048_576  # Excel's rows per sheet (the header is one of them)
_CHUNK = 50_000  # rows of XML built and compressed at a time
_SHARED_MIN_ROWS = 4  # a column's values go to the shared strings when each repeats on average
_CELL_CHARS = 32_767  # Excel's limit for one cell's text
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_CONTROL = [chr(c) for c in (*range(0, 9), 11, 12, *range(14, 32))] + ["\r"]
_UNUSUAL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\r]|_x[0-9A-Fa-f]{4}_"
_STYLES = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="{_MAIN}">'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" applyAlignment="1">'
    '<alignment vertical="top" wrapText="1"/></xf></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
)


def _letters(j: int) -> str:
    out = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        out = chr(65 + r) + out
    return out


def _text_xml(expr: pl.Expr, unusual: bool, markup: bool = True) -> pl.Expr:
    """A string expression as the body of a string cell: escaped (``markup``: the column
    holds ``&``, ``<`` or ``>``), and (``unusual``: it holds a control character or a literal
    escape) Excel's _xHHHH_ for the rest."""
    expr = expr.str.slice(0, _CELL_CHARS)
    if markup:
        expr = expr.str.replace_all("&", "&amp;", literal=True)
        expr = expr.str.replace_all("<", "&lt;", literal=True).str.replace_all(">", "&gt;", literal=True)
    if unusual:
        expr = expr.str.replace_all(r"_(x[0-9A-Fa-f]{4}_)", "_x005F_$1")
        for ch in _CONTROL:
            expr = expr.str.replace_all(ch, f"_x{ord(ch):04X}_", literal=True)
    return expr


def _cell(frame: pl.DataFrame, name: str, letter: str, shared: list[pl.Series]) -> pl.Expr:
    """The expression of a column's cells; a repeating text column's distinct values are
    appended to ``shared`` (the shared strings, in order) and its cells refer to them."""
    dtype = frame.schema[name]
    col = pl.col(name)
    ref = pl.lit(f'<c r="{letter}') + pl.col("__row")
    if dtype.is_integer() or dtype.is_float():
        value = pl.when(col.is_finite()).then(col) if dtype.is_float() else col  # NaN, inf: empty
        body = ref + pl.lit('"><v>') + value.cast(pl.Utf8) + pl.lit("</v></c>")
        return pl.when(value.is_null()).then(pl.lit("")).otherwise(body)
    text = col if dtype == pl.Utf8 else col.cast(pl.Utf8)
    distinct = frame.select(text.drop_nulls().unique(maintain_order=True)).to_series()
    if frame.height >= _SHARED_MIN_ROWS and distinct.len() * 2 <= frame.height:
        first = sum(s.len() for s in shared)
        shared.append(distinct)
        number = text.replace_strict(distinct, pl.int_range(first, first + distinct.len(), eager=True), return_dtype=pl.Int64)
        body = ref + pl.lit('" t="s"><v>') + number.cast(pl.Utf8) + pl.lit("</v></c>")
        return pl.when(col.is_null()).then(pl.lit("")).otherwise(body)
    unusual, edges, markup = frame.select(
        text.str.contains(_UNUSUAL).any().alias("u"),
        text.str.contains(r"^\s|\s$").any().alias("e"),
        text.str.contains("[&<>]").any().alias("m"),
    ).row(0)
    start = '" t="inlineStr"><is><t xml:space="preserve">' if edges else '" t="inlineStr"><is><t>'  # kept spaces
    body = ref + pl.lit(start) + _text_xml(text, bool(unusual), bool(markup)) + pl.lit("</t></is></c>")
    return pl.when(col.is_null()).then(pl.lit("")).otherwise(body)


def _shared_strings(shared: list[pl.Series]) -> bytes:
    """The workbook's shared strings part: every value escaped, spaces kept."""
    values = pl.concat(shared) if shared else pl.Series("v", [], dtype=pl.Utf8)
    head = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="{_MAIN}" uniqueCount="{values.len()}">'
    if not values.len():
        return head.encode() + b"</sst>"
    frame = values.to_frame("v")
    unusual = bool(frame.select(pl.col("v").str.contains(_UNUSUAL).any()).item())
    item = pl.lit('<si><t xml:space="preserve">') + _text_xml(pl.col("v"), unusual) + pl.lit("</t></si>")
    return head.encode() + bytes(_concatenated(frame.select(item).to_series())) + b"</sst>"


def _concatenated(rows: pl.Series) -> memoryview:
    """The strings of ``rows`` end to end: Arrow keeps them so in one buffer, which is
    taken as it is (joining them in Python or polars costs ten times more)."""
    arr = rows.to_arrow()
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if arr.type != pa.large_string():
        arr = arr.cast(pa.large_string())
    offsets = memoryview(arr.buffers()[1]).cast("q")
    return memoryview(arr.buffers()[2])[offsets[arr.offset] : offsets[arr.offset + len(arr)]]


def _header(columns: list[str]) -> str:
    cells = "".join(
        f'<c r="{_letters(j)}1" s="1" t="inlineStr"><is><t xml:space="preserve">{escape(c)}</t></is></c>'
        for j, c in enumerate(columns)
    )
    return f'<row r="1">{cells}</row>'


def _sheet_start(columns: list[str], widths: list[float], last_row: int) -> str:
    last = f"{_letters(max(len(columns), 1) - 1)}{last_row}"
    cols = "".join(f'<col min="{j + 1}" max="{j + 1}" width="{w}" customWidth="1"/>' for j, w in enumerate(widths))
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}">'
        f'<dimension ref="A1:{last}"/><sheetViews><sheetView tabSelected="1" workbookViewId="0">'
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
        f'<sheetFormatPr defaultRowHeight="15"/>{f"<cols>{cols}</cols>" if cols else ""}<sheetData>'
    )


def _note_sheet(note: str) -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}">'
        '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t xml:space="preserve">'
        f"{escape(note)}</t></is></c></row></sheetData></worksheet>"
    )


def _package(names: list[str], filter_ref: str | None) -> dict[str, str]:
    sheets = "".join(f'<sheet name={quoteattr(n[:31])} sheetId="{i + 1}" r:id="rId{i + 1}"/>' for i, n in enumerate(names))
    defined = ""
    if filter_ref:
        quoted = "'" + names[0][:31].replace("'", "''") + "'"
        defined = (
            '<definedNames><definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">'
            f"{escape(quoted)}!{filter_ref}</definedName></definedNames>"
        )
    rels = "".join(
        f'<Relationship Id="rId{i + 1}" Type="{_REL}/worksheet" Target="worksheets/sheet{i + 1}.xml"/>' for i in range(len(names))
    )
    rels += f'<Relationship Id="rId{len(names) + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
    rels += f'<Relationship Id="rId{len(names) + 2}" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/>'
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i + 1}.xml" ContentType="{_CT}.worksheet+xml"/>' for i in range(len(names))
    )
    head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    return {
        "[Content_Types].xml": (
            f'{head}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.styles+xml"/>'
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_CT}.sharedStrings+xml"/>{overrides}</Types>'
        ),
        "_rels/.rels": (
            f'{head}<Relationships xmlns="{_PKG_REL}"><Relationship Id="rId1" '
            f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'{head}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><bookViews><workbookView/></bookViews>'
            f"<sheets>{sheets}</sheets>{defined}</workbook>"
        ),
        "xl/_rels/workbook.xml.rels": f'{head}<Relationships xmlns="{_PKG_REL}">{rels}</Relationships>',
        "xl/styles.xml": _STYLES,
    }


def write_table(
    frame: pl.DataFrame,
    target: Path | io.BytesIO,
    sheet: str,
    widths: list[float] | None = None,
    note: tuple[str, str] | None = None,
) -> None:
    """``frame`` as one sheet named ``sheet`` (at most ``MAX_ROWS - 1`` rows: the caller
    cuts), header bold and frozen, an autofilter over the table; ``note`` = (sheet, text)
    adds a second sheet holding one sentence."""
    if frame.height >= MAX_ROWS:
        raise ValueError(f"{frame.height} rows: more than one sheet holds")
    columns = frame.columns
    widths = widths or [14.0] * len(columns)
    last_row = frame.height + 1
    shared: list[pl.Series] = []
    cells = [_cell(frame, c, _letters(j), shared) for j, c in enumerate(columns)]
    names = [sheet] + ([note[0]] if note else [])
    filter_ref = f"$A$1:${_letters(len(columns) - 1)}${last_row}" if columns and frame.height else None
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for name, text in _package(names, filter_ref).items():
            z.writestr(name, text)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as out:
            out.write((_sheet_start(columns, widths, last_row) + _header(columns)).encode())
            for start in range(0, frame.height, _CHUNK):
                part = frame.slice(start, _CHUNK).with_columns(
                    pl.int_range(start + 2, start + 2 + min(_CHUNK, frame.height - start)).cast(pl.Utf8).alias("__row")
                )
                rows = part.select(
                    pl.concat_str([pl.lit('<row r="'), pl.col("__row"), pl.lit('">'), *cells, pl.lit("</row>")])
                ).to_series()
                out.write(_concatenated(rows))
            end = "</sheetData>"
            if filter_ref:
                end += f'<autoFilter ref="{filter_ref.replace("$", "")}"/>'
            out.write((end + "</worksheet>").encode())
        if note:
            z.writestr("xl/worksheets/sheet2.xml", _note_sheet(note[1]))
        z.writestr("xl/sharedStrings.xml", _shared_strings(shared))
