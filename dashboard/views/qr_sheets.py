"""Printable QR sheets: one A4 page per person with their QR code, username, expiry and short
instructions, for handing out in person (fpdf2).

The QR image is embedded as the PNG the API returned (lossless; never re-encoded to JPEG, which
blurs the modules). Text uses DejaVu Sans when the system has it (Latin, Greek, Cyrillic and
more); otherwise the PDF core font, which only has Latin-1, so other letters print as ``?``.
Scripts DejaVu lacks (CJK, for one) print as empty boxes: the account id is on the sheet too.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from dashboard.domain.records import QrSheet

FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/local/share/fonts"),
)
QR_WIDTH_MM = 110.0
INSTRUCTIONS = (
    "1. Open the authenticator app on your phone (install it from your company's app store "
    "if you do not have it yet).",
    "2. Choose to add an account, and scan the code above with the app.",
    "3. Confirm the enrolment on your phone. Done.",
)
FOOTNOTE = (
    "This code is personal: do not share or photograph it for anyone else. It works once, "
    "until the time above; ask your administrator for a new one if it has expired."
)


def sheets_pdf(sheets: Sequence[QrSheet], *, campaign: str) -> bytes:
    """A PDF with one page per sheet (one page saying there are none when empty)."""
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_auto_page_break(auto=False)
    pdf.set_title(f"QR codes: {campaign}")
    pdf.set_creator("Enrolment console")
    family = _fonts(pdf)
    text = _text_for(family)
    if not sheets:
        pdf.add_page()
        pdf.set_font(family, "B", 18)
        pdf.multi_cell(0, 10, text(f"No active QR codes in the campaign {campaign}."))
    for sheet in sheets:
        _page(pdf, family, text, sheet, campaign)
    return bytes(pdf.output())


def _page(pdf: FPDF, family: str, text: _Text, sheet: QrSheet, campaign: str) -> None:
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin
    pdf.set_text_color(110, 110, 110)
    pdf.set_font(family, "", 10)
    pdf.cell(width, 6, text(campaign), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0, 0, 0)
    pdf.ln(4)
    pdf.set_font(family, "B", 24)
    pdf.cell(width, 12, "Enrol your phone", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    if sheet.display_name:
        pdf.set_font(family, "", 16)
        pdf.multi_cell(width, 8, text(sheet.display_name), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(family, "B", 16)
    pdf.multi_cell(
        width, 8, text(f"Username: {sheet.username}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    top = pdf.get_y() + 6
    pdf.image(io.BytesIO(sheet.png), x=(pdf.w - QR_WIDTH_MM) / 2, y=top, w=QR_WIDTH_MM)
    pdf.set_y(top + QR_WIDTH_MM + 6)
    pdf.set_font(family, "B", 14)
    pdf.cell(
        width,
        8,
        f"Valid until {_utc(sheet.expires_at)}",
        align="C",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.ln(6)
    pdf.set_font(family, "", 12)
    for step in INSTRUCTIONS:
        pdf.multi_cell(width, 6.5, text(step), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(1)
    pdf.ln(4)
    pdf.set_font(family, "", 9)
    pdf.set_text_color(90, 90, 90)
    pdf.multi_cell(width, 5, text(FOOTNOTE), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if sheet.account_id is not None:
        pdf.multi_cell(width, 5, f"Account {sheet.account_id}", new_x=XPos.LMARGIN)
    pdf.set_text_color(0, 0, 0)


class _Text:
    """Prepares text for the chosen font (the core font only encodes Latin-1)."""

    def __init__(self, unicode: bool) -> None:
        self._unicode = unicode

    def __call__(self, value: str) -> str:
        if self._unicode:
            return value
        return value.encode("latin-1", "replace").decode("latin-1")


def _text_for(family: str) -> _Text:
    return _Text(family == "DejaVu")


def _fonts(pdf: FPDF) -> str:
    for folder in FONT_DIRS:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            pdf.add_font("DejaVu", "", regular)
            pdf.add_font("DejaVu", "B", bold)
            return "DejaVu"
    return "helvetica"


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
