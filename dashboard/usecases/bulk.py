"""Bulk onboarding: a whole team from one CSV, as one named campaign.

::

    upload ─► preview(data)  ─► new (on the tenant too) | on the tenant (to link) | existing (in
               the console) | duplicate (in the file) | invalid (the rule broken)
    confirm ─► run(preview, campaign name) ─► per row: create the account if new (tenant first),
               link it if the tenant holds it, issue its QR
               code in the campaign, report progress ─► RunReport (one RowResult per row)
    later  ─► reissue(campaign, {EXPIRED}) ─► a new QR code for each member whose newest campaign
               enrolment expired

**Resuming.** ``run`` skips every row whose account already has an enrolment in the campaign,
whatever its status (active or finished), so running the same file again under the same
campaign name does the remaining rows only; accounts created by an interrupted run are found as
existing and only get their QR code. Rows whose API call failed have no enrolment, so they are
the ones done again. Finished ones that did not enrol are re-issued with ``reissue``.

**Stopping.** A failure of the API for one row is recorded on that row and the run goes on;
after ``STOP_AFTER`` API failures in a row, or at once when the API refuses the console's
credentials, the run stops and the rows not reached are reported as "not attempted".
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Sequence

from dashboard.domain.onboarding import (
    PlannedRow,
    Preview,
    Progress,
    RejectedRow,
    RowOutcome,
    RowResult,
    RunReport,
    result_csv,
)
from dashboard.domain.records import AccountView, CampaignSheets, CampaignView
from dashboard.domain.statuses import REISSUABLE, Status
from dashboard.errors import (
    ApiAuthError,
    ApiError,
    ApiForbidden,
    ConflictError,
    ConsoleError,
    IdentityStoreConflict,
    InputError,
)
from dashboard.usecases import bulk_preview
from dashboard.usecases.accounts import Accounts
from dashboard.usecases.campaigns import Campaigns, Member
from dashboard.usecases.enrolments import Enrolments

__all__ = [
    "BulkOnboarding",
    "PlannedRow",
    "Preview",
    "Progress",
    "RejectedRow",
    "RowOutcome",
    "RowResult",
    "RunReport",
    "result_csv",
]

STOP_AFTER = 3


def _no_progress(done: int, total: int, result: RowResult) -> None:
    return None


class BulkOnboarding:
    """The bulk-onboarding use-cases over accounts, enrolments and campaigns."""

    def __init__(self, accounts: Accounts, enrolments: Enrolments, campaigns: Campaigns) -> None:
        self.accounts = accounts
        self.enrolments = enrolments
        self.campaigns = campaigns

    def preview(self, data: bytes) -> Preview:
        """Read and check an upload: every row is validated and looked up, nothing is written.
        ``InputError`` when the file itself cannot be read."""
        lookup = self.accounts.tenant_user if self.accounts.on_tenant else None
        return bulk_preview.preview(data, self.campaigns.existing_accounts, lookup)

    def already_done(self, preview: Preview, campaign_name: str) -> int:
        """How many of the preview's existing accounts already have an enrolment in the
        campaign called ``campaign_name`` (a run skips them); 0 for a new campaign."""
        campaign = self.campaigns.find(campaign_name)
        if campaign is None:
            return 0
        members = self.campaigns.members(campaign.id)
        return sum(1 for row in preview.existing if row.account_id in members)

    def run(
        self,
        preview: Preview,
        campaign_name: str,
        *,
        actor: str,
        progress: Progress = _no_progress,
    ) -> RunReport:
        """Create the new accounts and issue a QR code to every runnable row, in the campaign
        ``campaign_name`` (created, or resumed when it exists); ``progress(done, total, result)``
        is called after each row."""
        campaign = self.campaigns.open(campaign_name, actor=actor)
        members = self.campaigns.members(campaign.id)
        return _drive(
            campaign,
            preview.runnable,
            lambda row: self._one(row, campaign, members, actor),
            lambda row: _not_attempted(row, "Not attempted: the run stopped. Run it again."),
            progress,
        )

    def reissue(
        self,
        campaign_id: int,
        statuses: Collection[Status] = (Status.EXPIRED,),
        *,
        actor: str,
        progress: Progress = _no_progress,
    ) -> RunReport:
        """Issue a new QR code, in the campaign, to each member whose newest campaign
        enrolment ended at one of ``statuses`` and who got no newer one elsewhere since."""
        wanted = {Status(s) for s in statuses}
        if not wanted or not wanted <= set(REISSUABLE):
            raise InputError("Only finished enrolments that did not enrol can be re-issued.")
        campaign = self.campaigns.get(campaign_id)
        due = [
            PlannedRow(0, m.username, "", m.display_name, m.account_id)
            for m in self.campaigns.members(campaign.id).values()
            if Status(m.status) in wanted and m.latest_overall_id == m.enrolment_id
        ]
        return _drive(
            campaign,
            due,
            lambda row: self._issue(row, campaign, actor, created=False),
            lambda row: _not_attempted(row, "Not attempted: re-issuing stopped. Try again."),
            progress,
        )

    def reissuable(self, campaign_id: int, statuses: Collection[Status]) -> int:
        """How many members ``reissue`` would give a new QR code now."""
        wanted = {Status(s) for s in statuses}
        return sum(
            1
            for m in self.campaigns.members(campaign_id).values()
            if Status(m.status) in wanted and m.latest_overall_id == m.enrolment_id
        )

    def qr_sheets(self, campaign_id: int) -> CampaignSheets:
        """The campaign's active QR codes, one printable sheet each, by username."""
        campaign = self.campaigns.get(campaign_id)
        return CampaignSheets(campaign, tuple(self.campaigns.qr_sheets(campaign.id)))

    # --- one row ----------------------------------------------------------------------------

    def _one(
        self,
        row: PlannedRow,
        campaign: CampaignView,
        members: dict[uuid.UUID, Member],
        actor: str,
    ) -> Attempt:
        created = False
        if row.account_id is None:
            try:
                if row.tenant_id is not None:  # on the tenant already: link, create nothing
                    account = self.accounts.link(row.tenant_id, actor=actor)
                else:
                    account = self._create(row, actor)
                    created = True
                row = PlannedRow(
                    row.line,
                    account.username,
                    row.key,
                    row.display_name,
                    account.id,
                    account.tenant_id,
                )
            except ConflictError:
                # Created since the preview (another operator, or an earlier run): use it.
                found = self.campaigns.existing_accounts([row.key]).get(row.key)
                if found is None:
                    return _failed(row, "The account could not be created; try again."), None
                row = PlannedRow(row.line, found.username, row.key, row.display_name, found.id)
            except ConsoleError as exc:
                return _failed(row, str(exc)), None
        assert row.account_id is not None
        member = members.get(row.account_id)
        if member is not None:
            message = (
                "Already has a QR code in this campaign "
                f"(enrolment #{member.enrolment_id}, {member.status.lower()})."
            )
            skipped = RowResult(
                row.line,
                row.username,
                row.display_name,
                row.account_id,
                RowOutcome.SKIPPED,
                message,
                member.expires_at,
                member.enrolment_id,
            )
            return skipped, None
        return self._issue(row, campaign, actor, created=created)

    def _create(self, row: PlannedRow, actor: str) -> AccountView:
        """Create the row's account; if the tenant got the user since the preview, link it."""
        try:
            return self.accounts.create(
                row.username, actor=actor, display_name=row.display_name, email=row.email
            )
        except IdentityStoreConflict as exc:
            if exc.existing is None:
                raise
            return self.accounts.link(exc.existing.id, actor=actor)

    def _issue(
        self, row: PlannedRow, campaign: CampaignView, actor: str, *, created: bool
    ) -> Attempt:
        assert row.account_id is not None
        try:
            enrolment = self.enrolments.issue(row.account_id, actor=actor, campaign_id=campaign.id)
        except ApiError as exc:
            message = f"The Mobile Identity API failed: {exc}"
            if created:
                message += " The account was created; running again issues its QR code."
            return _failed(row, message, created=created), exc
        except ConsoleError as exc:
            return _failed(row, str(exc), created=created), None
        result = RowResult(
            row.line,
            row.username,
            row.display_name,
            row.account_id,
            RowOutcome.ISSUED,
            "Account created; QR code issued." if created else "QR code issued.",
            enrolment.expires_at,
            enrolment.id,
            created,
        )
        return result, None


#: One row's result, and the API error that made it fail (None otherwise).
Attempt = tuple[RowResult, ApiError | None]


def _drive(
    campaign: CampaignView,
    rows: Sequence[PlannedRow],
    attempt: Callable[[PlannedRow], Attempt],
    not_attempted: Callable[[PlannedRow], RowResult],
    progress: Progress,
) -> RunReport:
    """Attempt ``rows`` in order until the API has failed ``STOP_AFTER`` times in a row, or
    refused the console's credentials; the rest are reported as not attempted."""
    results: list[RowResult] = []
    stopped = ""
    in_a_row = 0
    for index, row in enumerate(rows):
        if stopped:
            result = not_attempted(row)
        else:
            result, error = attempt(row)
            in_a_row = 0 if error is None else in_a_row + 1
            if isinstance(error, ApiAuthError | ApiForbidden) or in_a_row >= STOP_AFTER:
                stopped = (
                    f"Stopped after {in_a_row} API failure(s) in a row: {error} "
                    "Run it again once the API answers: only the remaining rows are done."
                )
        results.append(result)
        progress(index + 1, len(rows), result)
    return RunReport(campaign, tuple(results), stopped)


def _not_attempted(row: PlannedRow, message: str) -> RowResult:
    return RowResult(
        row.line, row.username, row.display_name, row.account_id, RowOutcome.NOT_ATTEMPTED, message
    )


def _failed(row: PlannedRow, message: str, *, created: bool = False) -> RowResult:
    return RowResult(
        row.line,
        row.username,
        row.display_name,
        row.account_id,
        RowOutcome.FAILED,
        message,
        created=created,
    )
