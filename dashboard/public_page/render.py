"""The public page's HTML, from Jinja2 templates with autoescaping on: every value the page
shows (a name of 10,000 characters, one with right-to-left overrides or markup) comes out as
text, inside ``<bdi>`` so its direction cannot spill into the sentence around it."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from dashboard.public_page.texts import NEUTRAL, TOO_MANY, texts
from dashboard.usecases.invitation_links import PublicState, PublicStatus, PublicView

TEMPLATES = Path(__file__).resolve().parent / "templates"
_ENV = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def status_text(status: PublicStatus, language: str) -> str:
    """The status line for ``status`` in ``language``."""
    words = texts(language)
    if status.state is PublicState.ENROLLED and status.device_name:
        return words["enrolled_on"].replace("{device}", status.device_name)
    return words[status.state.value]


def enrol_page(view: PublicView, base: str, *, fault: bool = False) -> str:
    """The page of a live invitation at ``base`` (``/i/<token>``); ``fault``: the QR code could
    not be made just now (a sentence and a retry link instead of the image)."""
    words = texts(view.language)
    until = view.expires_at.strftime("%Y-%m-%d %H:%M")
    return _ENV.get_template("page.html").render(
        lang=view.language,
        title=words["title"],
        t=words,
        name=view.name,
        base=base,
        state=view.status.state.value,
        status_text=status_text(view.status, view.language),
        valid_until=words["valid_until"].replace("{date}", until),
        fault=fault,
    )


def neutral_page() -> str:
    """The one page for every link that is not live and every other address."""
    return _messages(NEUTRAL)


def too_many_page() -> str:
    """The page for an address that made too many attempts."""
    return _messages(TOO_MANY)


def fault_page() -> str:
    """The page when something failed before the link could be checked (the database down)."""
    return _messages(
        tuple((lang, texts(lang)["title"], texts(lang)["fault"]) for lang, _, _ in NEUTRAL)
    )


def _messages(messages: tuple[tuple[str, str, str], ...]) -> str:
    return _ENV.get_template("neutral.html").render(
        lang=messages[0][0], title=messages[0][1], messages=messages
    )
