"""Username rules: what an operator may type, and when two names are the same person.

A username goes through these steps; the first rule it breaks is named in the ``InputError``:

1. **Unicode normalisation.** The text is NFKC-normalised, so compatibility forms collapse to
   their plain letters: full-width ``ｂｏｂ`` becomes ``bob``, the ligature ``ﬁ`` becomes ``fi``.
2. **control** – no control, invisible or formatting characters anywhere (tabs, line breaks,
   zero-width spaces and joiners, bidirectional overrides, private-use or unassigned code
   points): they make two different names look identical or reorder text on screen.
3. **Trimming.** Spaces at both ends are removed.
4. **required** – something must be left.
5. **length** – 3 to 64 characters (code points, after the steps above).
6. **start** – the first character is a letter or a digit (this also keeps spreadsheet formula
   prefixes such as ``=`` ``+`` ``-`` ``@`` out of CSV exports).
7. **characters** – only letters (any script, with their combining marks), decimal digits and
   the four signs ``. _ - @``: no spaces inside, no other punctuation, symbols or emoji. SQL
   and HTML fragments fail here (quotes, ``<``, ``;`` and spaces are not allowed).
8. **scripts** – letters from Latin, Greek and Cyrillic are never mixed in one name, because
   those alphabets share look-alike letters (Latin ``a`` and Cyrillic ``а``). Other scripts may
   mix freely (Japanese mixes kanji and kana).

Uniqueness is case-insensitive: the stored key is the full Unicode case fold of the NFKC form,
NFKC-normalised again (``Bob``, ``BOB`` and ``ｂｏｂ`` are one name; so are ``Straße`` and
``STRASSE``). The name is kept as typed (after steps 1 and 3) for display.

Known limit: a name written wholly in one look-alike script (all-Cyrillic ``аре``) is not caught;
that needs the Unicode confusables table.
"""

from __future__ import annotations

import unicodedata

from dashboard.errors import InputError

MIN_LENGTH = 3
MAX_LENGTH = 64
SIGNS = "._-@"
#: Control, format, surrogate, private-use, unassigned, line and paragraph separators.
INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
LOOKALIKE_SCRIPTS = frozenset({"LATIN", "GREEK", "CYRILLIC"})

RULES: dict[str, str] = {
    "control": "A username must not contain control, invisible or formatting characters",
    "required": "A username is required (it was empty or only spaces)",
    "length": f"A username must be {MIN_LENGTH} to {MAX_LENGTH} characters long",
    "start": "A username must start with a letter or a digit",
    "characters": "A username may contain only letters, digits and the signs . _ - @",
    "scripts": "A username must not mix Latin, Greek and Cyrillic letters (they have look-alikes)",
}


def _reject(rule: str, detail: str = "") -> InputError:
    return InputError(f"{RULES[rule]}{'; ' + detail if detail else ''}.")


def _describe(char: str) -> str:
    name = unicodedata.name(char, "unnamed character")
    return f"U+{ord(char):04X} {name}"


def key(text: str) -> str:
    """The case-insensitive identity of ``text`` (NFKC, case fold, NFKC again)."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())


def search_key(text: str) -> str:
    """``text`` as typed in a search box, in the form usernames are compared in."""
    return key(text.strip())


def normalise(raw: str) -> tuple[str, str]:
    """Check ``raw`` against the rules; return (the name to show, its unique key).

    Raises ``InputError`` naming the first rule broken; nothing is written before this passes.
    """
    text = unicodedata.normalize("NFKC", raw if isinstance(raw, str) else "")
    for char in text:
        if unicodedata.category(char) in INVISIBLE_CATEGORIES:
            raise _reject("control", f"found {_describe(char)}")
    text = text.strip()
    if not text:
        raise _reject("required")
    if not MIN_LENGTH <= len(text) <= MAX_LENGTH:
        raise _reject("length", f"this one has {len(text)}")
    if not _is_letter_or_digit(text[0]):
        raise _reject("start", f"not {text[0]!r}")
    scripts: set[str] = set()
    for char in text:
        category = unicodedata.category(char)
        if category[0] == "L":
            script = unicodedata.name(char, "").split(" ")[0]
            if script in LOOKALIKE_SCRIPTS:
                scripts.add(script)
        elif not (category[0] == "M" or category == "Nd" or char in SIGNS):
            shown = "a space" if char.isspace() else f"{char!r} ({_describe(char)})"
            raise _reject("characters", f"found {shown}")
    if len(scripts) > 1:
        raise _reject("scripts", f"found {' and '.join(sorted(s.title() for s in scripts))}")
    return text, key(text)


def _is_letter_or_digit(char: str) -> bool:
    category = unicodedata.category(char)
    return category[0] == "L" or category == "Nd"


DISPLAY_NAME_LENGTH = 200


def display_name(raw: str | None) -> str | None:
    """A person's display name as shown (NFKC, trimmed), None when empty; ``InputError`` for
    invisible or control characters or more than 200 characters. Any other text is allowed
    (it is shown as plain text only)."""
    text = unicodedata.normalize("NFKC", raw or "").strip()
    for char in text:
        if unicodedata.category(char) in INVISIBLE_CATEGORIES:
            raise InputError(
                "A display name must not contain control, invisible or formatting characters; "
                f"found {_describe(char)}."
            )
    if len(text) > DISPLAY_NAME_LENGTH:
        raise InputError(
            f"A display name may be at most {DISPLAY_NAME_LENGTH} characters; "
            f"this one has {len(text)}."
        )
    return text or None
