"""The preview of a bulk upload: every row checked and looked up, nothing written.

Each row is new (on the tenant too), on the tenant (the identity store holds the user: a run
links it), existing (the account is in the console already), a duplicate of an earlier row
(names ignore case), or invalid (the sentence says which rule it broke).
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from dashboard.domain import emails, usernames
from dashboard.domain.onboarding import PlannedRow, Preview, RejectedRow
from dashboard.domain.records import ExistingAccount
from dashboard.domain.team_csv import CsvRow, read_upload
from dashboard.domain.tenant import TenantUser
from dashboard.errors import InputError

#: Which of some username keys have an account (``Campaigns.existing_accounts``).
Lookup = Callable[[Collection[str]], dict[str, ExistingAccount]]
#: The tenant's user with exactly this userName (ignoring case), if any.
TenantLookup = Callable[[str], TenantUser | None]


def preview(
    data: bytes, existing_accounts: Lookup, on_tenant: TenantLookup | None = None
) -> Preview:
    """Read and check an upload; ``InputError`` when the file itself cannot be read.

    With ``on_tenant`` each row the console does not know is looked up on the tenant; an
    ``IdentityStoreError`` there fails the preview (a sentence), as nothing is decided yet.
    """
    upload = read_upload(data)
    valid: list[PlannedRow] = []
    duplicates: list[RejectedRow] = []
    invalid: list[RejectedRow] = []
    first_line: dict[str, int] = {}
    for row in upload.rows:
        checked = _check(row)
        if isinstance(checked, RejectedRow):
            invalid.append(checked)
        elif checked.key in first_line:
            duplicates.append(
                RejectedRow(
                    row.line,
                    checked.username,
                    f"The same username as line {first_line[checked.key]} "
                    "(usernames ignore case); only the first is used.",
                )
            )
        else:
            first_line[checked.key] = row.line
            valid.append(checked)
    found = existing_accounts([planned.key for planned in valid])
    new: list[PlannedRow] = []
    existing: list[PlannedRow] = []
    linked: list[PlannedRow] = []
    for planned in valid:
        account = found.get(planned.key)
        holder = None if account is not None or on_tenant is None else on_tenant(planned.username)
        if holder is not None:
            shown = planned.display_name or holder.display_name
            mail = planned.email or emails.normalise_or_none(holder.email)
            linked.append(
                PlannedRow(
                    planned.line, planned.username, planned.key, shown, None, holder.id, mail
                )
            )
        elif account is None:
            new.append(planned)
        else:
            existing.append(
                PlannedRow(
                    planned.line,
                    account.username,
                    planned.key,
                    planned.display_name,
                    account.id,
                    email=planned.email,
                )
            )
    return Preview(
        tuple(new),
        tuple(existing),
        tuple(duplicates),
        tuple(invalid),
        upload.blank_lines,
        upload.ignored_columns,
        tuple(linked),
    )


def _check(row: CsvRow) -> PlannedRow | RejectedRow:
    if row.problem:
        return RejectedRow(row.line, row.username, row.problem + ".")
    try:
        name, key = usernames.normalise(row.username)
        display = usernames.display_name(row.display_name)
        mail = emails.normalise(row.email)
    except InputError as exc:
        return RejectedRow(row.line, row.username, str(exc))
    return PlannedRow(row.line, name, key, display, email=mail)
