"""The mail of an invitation: its subject, plain-text and HTML parts in the invitation's
language (English, Dutch), and the ``EmailMessage`` that carries them.

The person's name comes from the console's data, so it is treated as hostile: a name that could
start a new header line (CR, LF, NUL or any other control character, a line or paragraph
separator) is refused with ``InputError``; every value is ``html.escape``d in the HTML part; a
very long name is shortened (``SUBJECT_NAME`` characters in the subject and the ``To`` header,
``BODY_NAME`` in the body, which also wraps it anywhere); a name with right-to-left text or
bidi controls is isolated (``<bdi>`` in HTML, FSI … PDI in text and the subject), so it cannot
turn the sentence around it. The message is built by the standard library (``EmailMessage``,
``Address``), which encodes non-ASCII headers itself.
"""

from __future__ import annotations

import html
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

from dashboard.domain import emails
from dashboard.domain.invitations import language_or_default
from dashboard.errors import ConfigError, InputError

SUBJECT_NAME = 40
BODY_NAME = 200
_REFUSED = ("Cc", "Zl", "Zp")
_BIDI = frozenset(("R", "AL", "RLE", "RLO", "LRE", "LRO", "PDF", "RLI", "LRI", "FSI", "PDI"))
_FSI, _PDI = "\u2068", "\u2069"
_MONTHS = {
    "en": "January February March April May June July August September October November December",
    "nl": "januari februari maart april mei juni juli augustus september oktober november december",
}

# Per language: subject (invitation, reminder), greeting, the invitation's and the reminder's
# first sentence, how to use the link, the expiry, the button, and the closing line.
_TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "subject": "{name}, enrol your phone for sign-in",
        "subject_reminder": "Reminder: {name}, enrol your phone for sign-in",
        "hello": "Hello {name},",
        "invite": "You are invited to enrol your phone, so that you can sign in with it.",
        "remind": "A reminder: your phone is not enrolled yet, and your invitation still works.",
        "how": "Open the link below and scan the QR code it shows with the authenticator app:",
        "expiry": "The link works until {expiry}.",
        "button": "Enrol my phone",
        "ignore": "If you did not expect this mail, you can ignore it.",
    },
    "nl": {
        "subject": "{name}, registreer je telefoon om in te loggen",
        "subject_reminder": "Herinnering: {name}, registreer je telefoon om in te loggen",
        "hello": "Hallo {name},",
        "invite": "Je bent uitgenodigd om je telefoon te registreren, zodat je ermee kunt "
        "inloggen.",
        "remind": "Een herinnering: je telefoon is nog niet geregistreerd en je uitnodiging "
        "werkt nog.",
        "how": "Open de link hieronder en scan de QR-code die je ziet met de authenticator-app:",
        "expiry": "De link werkt tot {expiry}.",
        "button": "Mijn telefoon registreren",
        "ignore": "Had je deze e-mail niet verwacht? Dan kun je hem negeren.",
    },
}

_HTML = """<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{subject}</title></head>
<body style="margin:0;padding:24px;background:#f4f5f7;font-family:Arial,sans-serif;color:#1b1f24">
<div style="max-width:560px;margin:0 auto;background:#fff;border-radius:8px;padding:24px;\
overflow-wrap:anywhere;word-break:break-word">
<p>{hello}</p>
<p>{lead}</p>
<p>{how}</p>
<p style="margin:24px 0"><a href="{link}" style="background:#0b5cad;color:#fff;padding:12px 20px;\
border-radius:6px;text-decoration:none;display:inline-block">{button}</a></p>
<p style="font-size:13px;color:#555"><a href="{link}" style="color:#0b5cad">{link}</a></p>
<p>{expiry}</p>
<p style="font-size:13px;color:#555">{ignore}</p>
</div>
</body></html>
"""


@dataclass(frozen=True)
class InvitationMail:
    """A rendered mail. It holds the link (a secret), so its repr shows the subject only."""

    subject: str
    text: str
    html: str
    language: str

    def __repr__(self) -> str:
        return f"InvitationMail(subject={self.subject!r}, language={self.language!r})"


def checked_name(name: str) -> str:
    """``name`` stripped, or ``InputError`` when it holds what could break a mail header."""
    text = name.strip()
    if not text:
        raise InputError("The person's name is empty; a mail needs a name to greet.")
    bad = next((ch for ch in text if unicodedata.category(ch) in _REFUSED), None)
    if bad is not None:
        raise InputError(
            f"The name {text[:SUBJECT_NAME]!r} holds a line break or another control character "
            f"(U+{ord(bad):04X}); a name in a mail is one line of visible characters."
        )
    return text


def shortened(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, an ellipsis marking the cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def isolated(text: str) -> str:
    """``text`` inside Unicode isolates when it holds right-to-left text or bidi controls."""
    if any(unicodedata.bidirectional(ch) in _BIDI for ch in text):
        return f"{_FSI}{text}{_PDI}"
    return text


def expiry_text(moment: datetime, language: str) -> str:
    """``moment`` in UTC as a person reads it: "8 December 2026, 14:00 UTC"."""
    at = moment.astimezone(UTC)
    month = _MONTHS[language].split()[at.month - 1]
    return f"{at.day} {month} {at.year}, {at:%H:%M} UTC"


def render(
    *, name: str, link: str, expires_at: datetime, step: int, language: str | None
) -> InvitationMail:
    """The invitation (``step`` 0) or its ``step``-th reminder to ``name``, with ``link``,
    in ``language`` (the default language when it has no texts)."""
    if not link.startswith(("https://", "http://")) or any(ch.isspace() for ch in link):
        raise InputError("An invitation link must be an http(s) URL without spaces.")
    lang = language_or_default(language)
    words = _TEXTS[lang]
    person = checked_name(name)
    in_subject = isolated(shortened(person, SUBJECT_NAME))
    in_body = shortened(person, BODY_NAME)
    subject = words["subject_reminder" if step else "subject"].format(name=in_subject)
    expiry = expiry_text(expires_at, lang)
    lead = words["remind" if step else "invite"]
    text = "\n\n".join(
        (
            words["hello"].format(name=isolated(in_body)),
            lead,
            words["how"],
            link,
            words["expiry"].format(expiry=expiry),
            words["ignore"],
        )
    )
    shown_name = f'<bdi dir="auto">{html.escape(in_body)}</bdi>'
    body = _HTML.format(
        lang=lang,
        subject=html.escape(subject),
        hello=html.escape(words["hello"]).format(name=shown_name),
        lead=html.escape(lead),
        how=html.escape(words["how"]),
        link=html.escape(link, quote=True),
        button=html.escape(words["button"]),
        expiry=html.escape(words["expiry"].format(expiry=expiry)),
        ignore=html.escape(words["ignore"]),
    )
    return InvitationMail(subject=subject, text=text + "\n", html=body, language=lang)


def sender_address(value: str) -> Address:
    """``SMTP_FROM_ADDRESS`` ("Name <addr>" or "addr") as an ``Address``; ``ConfigError``
    when it is not one line with one address."""
    if any(unicodedata.category(ch) in _REFUSED for ch in value):
        raise ConfigError("SMTP_FROM_ADDRESS holds a line break or another control character.")
    display, addr = parseaddr(value)
    if "@" not in addr:
        raise ConfigError(
            f"SMTP_FROM_ADDRESS must be an address like Name <a@b.example>: {value!r}"
        )
    try:
        return Address(display_name=display, addr_spec=addr)
    except (ValueError, IndexError) as exc:
        raise ConfigError(f"SMTP_FROM_ADDRESS is not a valid address ({exc}).") from None


def message(
    mail: InvitationMail, *, sender: str, to: str, name: str, now: datetime
) -> EmailMessage:
    """The ``EmailMessage`` of ``mail`` from ``sender`` to ``to`` (``name`` as its display
    name): both parts, plain text first. ``InputError`` for an address that is not one."""
    address = emails.normalise(to)
    if address is None:
        raise InputError("The invitation has no e-mail address to send to.")
    origin = sender_address(sender)
    local, _, domain = address.rpartition("@")
    msg = EmailMessage()
    msg["Subject"] = mail.subject
    msg["From"] = origin
    msg["To"] = Address(
        display_name=isolated(shortened(checked_name(name), SUBJECT_NAME)),
        username=local,
        domain=domain,
    )
    msg["Date"] = format_datetime(now.astimezone(UTC))
    msg["Message-ID"] = make_msgid(domain=origin.domain or "localhost")
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(mail.text)
    msg.add_alternative(mail.html, subtype="html")
    msg["Content-Language"] = mail.language  # after the parts: set_content drops Content-*
    return msg
