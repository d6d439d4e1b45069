"""What the public page says, in each language an invitation can be written in (en, nl).

The neutral page speaks every language at once: it cannot know whose link it was given.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from dashboard.domain.invitations import DEFAULT_LANGUAGE

_EN = {
    "title": "Set up your phone",
    "hello": "Hello",
    "intro": "Enrol your phone to sign in with it. It takes a minute.",
    "step_app": "Open the authenticator app on your phone.",
    "step_scan": "Scan the code below with it.",
    "step_confirm": "Confirm on your phone.",
    "qr_alt": "Your enrolment QR code",
    "waiting": "Your code is being prepared…",
    "pending": "Waiting for you to scan the code.",
    "scanned": "Scanned. Now confirm on your phone.",
    "enrolled": "Done: your phone is enrolled. You can close this page.",
    "enrolled_on": "Done: {device} is enrolled. You can close this page.",
    "expired": "This code expired. A fresh one appears by itself.",
    "declined": "You declined on your phone. Want to try again?",
    "failed": "The enrolment did not go through. Want to try again?",
    "new_code": "Show a new code",
    "ended": "This link is no longer valid. If you still need to enrol, ask whoever invited "
    "you for a new invitation.",
    "fault": "We could not make your code just now. Please try again in a moment.",
    "retry": "Try again",
    "valid_until": "This invitation is valid until {date} (UTC).",
    "noscript": "This page updates by itself when JavaScript is on; without it, reload the "
    "page to see where you are.",
}

_NL = {
    "title": "Je telefoon instellen",
    "hello": "Hallo",
    "intro": "Registreer je telefoon om er straks mee in te loggen. Het duurt een minuut.",
    "step_app": "Open de authenticator-app op je telefoon.",
    "step_scan": "Scan er de code hieronder mee.",
    "step_confirm": "Bevestig op je telefoon.",
    "qr_alt": "Je QR-code voor registratie",
    "waiting": "Je code wordt klaargezet…",
    "pending": "We wachten tot je de code scant.",
    "scanned": "Gescand. Bevestig nu op je telefoon.",
    "enrolled": "Klaar: je telefoon is geregistreerd. Je kunt deze pagina sluiten.",
    "enrolled_on": "Klaar: {device} is geregistreerd. Je kunt deze pagina sluiten.",
    "expired": "Deze code is verlopen. Er verschijnt vanzelf een nieuwe.",
    "declined": "Je hebt op je telefoon geweigerd. Opnieuw proberen?",
    "failed": "De registratie is niet gelukt. Opnieuw proberen?",
    "new_code": "Toon een nieuwe code",
    "ended": "Deze link is niet meer geldig. Moet je je telefoon nog registreren, vraag dan "
    "wie je uitnodigde om een nieuwe uitnodiging.",
    "fault": "We konden je code nu even niet maken. Probeer het zo nog eens.",
    "retry": "Opnieuw proberen",
    "valid_until": "Deze uitnodiging is geldig tot {date} (UTC).",
    "noscript": "Deze pagina werkt zichzelf bij als JavaScript aan staat; zonder JavaScript "
    "laad je de pagina opnieuw om te zien hoe het ervoor staat.",
}

TEXTS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {"en": MappingProxyType(_EN), "nl": MappingProxyType(_NL)}
)

#: The neutral page, in every language (one text for every link that is not live).
NEUTRAL: tuple[tuple[str, str, str], ...] = (
    (
        "en",
        "This link is not valid",
        "It may have expired or been used already. If you still need to enrol your phone, "
        "ask whoever invited you for a new invitation.",
    ),
    (
        "nl",
        "Deze link is niet geldig",
        "Misschien is hij verlopen of al gebruikt. Moet je je telefoon nog registreren, vraag "
        "dan wie je uitnodigde om een nieuwe uitnodiging.",
    ),
)

#: Too many link attempts from one address, in every language.
TOO_MANY: tuple[tuple[str, str, str], ...] = (
    ("en", "Too many attempts", "Wait a minute, then try the link again."),
    ("nl", "Te veel pogingen", "Wacht een minuut en probeer de link dan opnieuw."),
)


def texts(language: str) -> Mapping[str, str]:
    """The page's texts in ``language`` (the default language for any other)."""
    return TEXTS.get(language, TEXTS[DEFAULT_LANGUAGE])
