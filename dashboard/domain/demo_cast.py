"""The cast of a demo history: its operators, campaigns, people's names and phones, how
often each ending happens, and the words of its mails. Plain data."""

from __future__ import annotations

from datetime import timedelta

from dashboard.domain.statuses import Status

DEFAULT_SEED = 15
OPERATORS = ("maria.lopez@example.com", "tom.becker@example.com", "priya.nair@example.com")
MAILER = "mailer"
PUBLIC_PAGE = "public page"
#: (name, days ago it started, days it ran, operator, by invitation, people per 300 enrolments)
CAMPAIGNS = (
    ("Finance onboarding", 52, 3, 0, True, 60),
    ("Warehouse Q3", 31, 5, 1, False, 75),
    ("Sales kick-off", 6, 2, 2, True, 45),
)
FIRST = (
    "anna", "bram", "chloe", "daan", "emma", "finn", "greta", "hugo", "ines", "jasper", "kim",
    "lotte", "milan", "noor", "oscar", "pia", "quinten", "rosa", "sem", "tess", "umar", "vera",
    "wim", "yara", "zoe", "lucas", "sara", "david", "fatima", "jonas",
)  # fmt: skip
LAST = (
    "de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "Mulder", "Bos", "Vos", "Peters",
    "Hendriks", "Dekker", "Brouwer", "Dijkstra", "Martin", "Garcia", "Müller", "Rossi", "Novak",
    "Kowalski", "Silva", "Nielsen", "Murphy", "Walsh", "El Amrani", "Yilmaz", "Okafor", "Tan",
    "Kaur", "Lindqvist",
)  # fmt: skip
DEVICES = (
    "iPhone 15", "iPhone 14", "iPhone 13", "Pixel 8", "Pixel 7a", "Galaxy S23", "Galaxy A54",
    "Fairphone 5",
)  # fmt: skip
#: How a QR code at the desk ends, the first time and after a re-issue (weights).
FIRST_TRY = {
    Status.ENROLLED: 72,
    Status.EXPIRED: 14,
    Status.SUPERSEDED: 5,
    Status.DECLINED: 4,
    Status.CANCELLED: 3,
    Status.FAILED: 2,
}
AGAIN = {Status.ENROLLED: 86, Status.EXPIRED: 11, Status.DECLINED: 3}
#: How likely a person gets another code after each ending.
RETRY = {
    Status.EXPIRED: 0.6,
    Status.DECLINED: 0.7,
    Status.CANCELLED: 0.25,
    Status.FAILED: 0.8,
    Status.SUPERSEDED: 1.0,
}
#: Nothing of the history happens in the last minutes: the live codes are issued for real.
MARGIN = timedelta(minutes=20)
SUBJECTS = {
    "en": ("Set up Mobile Identity on your phone", "Reminder: set up Mobile Identity"),
    "nl": ("Stel Mobile Identity in op je telefoon", "Herinnering: stel Mobile Identity in"),
}
BOUNCE = "550 5.1.1 <{}>: Recipient address rejected: User unknown in virtual mailbox table"
SEND_WAITS = (0, 1, 5, 15, 60)  # minutes before each attempt of a mail that bounces
