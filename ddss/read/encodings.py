"""A CSV file that is not valid UTF-8, line by line: which encoding it is in, and which
lines are in another one.

Agencies' files arrive in UTF-8 (with or without BOM) or Windows-1258; a file edited by
two tools may hold lines of both. Each line is judged on its own: the encoding of the
majority of its non-ASCII lines is the file's, and a line in the other one is set aside
with its reason (never decoded the wrong way, which would stage mojibake). Files in the
legacy Vietnamese font encodings TCVN3 (ABC) and VNI decode as Windows-1258 without an
error but as garbage; they are recognised by the characters they turn into and refused,
naming the encoding: TCVN3 has no code for capital letters with tone marks (fonts drew
them), so a conversion would change names, and the steward's converter (Unikey) is the
tool that knows the font used.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from ddss.read.errors import FileRejected

__all__ = ["DecodedLines", "decode_lines", "legacy_font_encoding"]

_LINE_END = re.compile(rb"\r\n|\r|\n")
# TCVN3 puts its lowercase letters at 0xA1-0xFE; as Windows-1258, 0xA1-0xBF are symbols
# (¡ … ¿) that Vietnamese words never hold ("§øc", "Tr­êng", "H¶i"; ² ³ ° excepted, as
# in "m²"), and its other letters turn into capitals inside lowercase words ("NguyÔn").
_TCVN3 = re.compile(r"[\u00a1-\u00af\u00b1\u00b4-\u00bf]|(?<=[a-z])[\u00c0-\u00de](?=[a-z])")
# VNI writes a mark as a second byte after the letter; as Windows-1258 those bytes are
# Latin letters Vietnamese never uses ("Nguyeãn", "Ñöùc", "Höông").
_VNI = re.compile(r"[øåäëïüûæöñØÅÄËÏÜÛÆÖÑ]")


@dataclass
class DecodedLines:
    lines: list[str]  # one per physical line; a set-aside line is "" here
    encoding: str  # utf-8 | utf-8-sig | cp1258
    ends_with_newline: bool
    # line index (0 = header) -> (reason vi, reason en, the line decoded in its own encoding)
    flagged: dict[int, tuple[str, str, str]] = field(default_factory=dict)

    def text(self) -> str:
        return "\n".join(self.lines) + ("\n" if self.ends_with_newline else "")


def decode_lines(data: bytes) -> DecodedLines:
    """``data``: a file's bytes that are not valid UTF-8 as a whole."""
    bom = data.startswith(b"\xef\xbb\xbf")
    raw = _LINE_END.split(data[3:] if bom else data)
    ends = bool(raw) and raw[-1] == b""
    if ends:
        raw.pop()
    utf8, legacy = [], []
    for i, line in enumerate(raw):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            utf8.append(i)
        except UnicodeDecodeError:
            legacy.append(i)
    file_is_utf8 = bom or len(utf8) > len(legacy)
    if not file_is_utf8:
        font = legacy_font_encoding(b"\n".join(raw[i] for i in legacy))
        if font:
            raise FileRejected(
                f"Tệp dùng bảng mã cũ {font}, không phải Unicode; hãy chuyển sang Unicode UTF-8 "
                "(ví dụ bằng Unikey Toolkit) rồi gửi lại",
                f"legacy Vietnamese encoding {font}, not Unicode; convert the file to UTF-8 and send it again",
                kind="legacy_encoding",
            )
    encoding = ("utf-8-sig" if bom else "utf-8") if file_is_utf8 else "cp1258"
    other = legacy if file_is_utf8 else utf8
    if 0 in other:
        raise FileRejected(
            "Dòng tiêu đề dùng bảng mã khác phần còn lại của tệp; hãy lưu lại toàn bộ tệp dưới dạng UTF-8",
            "the header row is in another encoding than the rest of the file; save the whole file as UTF-8",
            kind="encoding",
        )
    lines, flagged = [], {}
    other_set = set(other)
    for i, line in enumerate(raw):
        if i in other_set:
            own, own_name = (_cp1258(line), "Windows-1258") if file_is_utf8 else (line.decode("utf-8"), "UTF-8")
            flagged[i] = (
                f"Dòng mã hoá {own_name}, khác bảng mã của tệp ({_label(encoding)}): "
                "không nạp để tránh sai ký tự; hãy lưu lại tệp với một bảng mã",
                f"line encoded as {own_name}, unlike the file ({_label(encoding)}); set aside rather than garbled",
                own,
            )
            lines.append("")
        else:
            lines.append(line.decode("utf-8") if file_is_utf8 else _cp1258(line, strict=True, row=i))
    return DecodedLines(lines, encoding, ends, flagged)


def legacy_font_encoding(data: bytes) -> str | None:
    """'TCVN3 (ABC)', 'VNI' or None, for bytes that decode as Windows-1258."""
    text = data.decode("cp1258", errors="replace")
    non_ascii = sum(1 for ch in text if ord(ch) > 127) or 1
    tcvn, vni = len(_TCVN3.findall(text)), len(_VNI.findall(text))
    if tcvn >= 2 and tcvn >= 0.05 * non_ascii and tcvn >= vni:
        return "TCVN3 (ABC)"
    if vni >= 2 and vni >= 0.1 * non_ascii:
        return "VNI"
    return None


def _cp1258(line: bytes, *, strict: bool = False, row: int = 0) -> str:
    try:
        text = line.decode("cp1258")
    except UnicodeDecodeError as e:
        if not strict:
            return line.decode("cp1258", errors="replace")
        raise FileRejected(
            f"Không giải mã được tệp theo bảng mã UTF-8 / Windows-1258 (dòng {row + 1}, byte lỗi ở vị trí {e.start}); "
            "hãy lưu lại dưới dạng UTF-8",
            f"cannot decode the file as UTF-8 / Windows-1258 (line {row + 1}, bad byte at offset {e.start})",
            kind="encoding",
        ) from None
    # Windows-1258 stores tone marks as combining characters by design: compose them, so
    # only genuinely decomposed (NFD) input is later reported as such.
    return unicodedata.normalize("NFC", text)


def _label(encoding: str) -> str:
    return {"cp1258": "Windows-1258", "utf-8-sig": "UTF-8 (BOM)"}.get(encoding, "UTF-8")
