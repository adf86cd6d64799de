"""``tick``: every side effect that depends on time, in one idempotent function.

State that depends on time (overdue, in force) is computed when read; what must *happen*
when time passes runs here: e-mailing notices, removing what the retention rule no longer
allows to keep, escalations, votes closing and resolutions taking effect.
``wuzhen serve`` runs it every minute and cron can run ``wuzhen tick`` too: runs on one data
directory take turns (a lock), every step reads the same ``now``, and a step that finds
nothing to do does nothing, so running tick twice in a row changes nothing the second time.

A step is a function ``(node, now) -> StepReport``; adding one is adding it to ``STEPS``.
A step that fails with a :class:`~wuzhen.errors.WuzhenError` is reported and the others
still run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from wuzhen.cooperation import mail as request_mail
from wuzhen.directory.mail import send_asks
from wuzhen.errors import WuzhenError
from wuzhen.evidence.retention import apply_retention
from wuzhen.filelock import exclusive
from wuzhen.governance.service import tick as governance_tick
from wuzhen.i18n import _
from wuzhen.notices.mail import send_pending

if TYPE_CHECKING:
    from wuzhen.node import Node

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class StepReport:
    """One step's outcome: how many side effects it had, what they were, or why it failed."""

    name: str
    actions: int = 0
    summary: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


@dataclass(frozen=True, slots=True)
class TickReport:
    at: datetime
    steps: tuple[StepReport, ...]

    @property
    def actions(self) -> int:
        return sum(s.actions for s in self.steps)

    @property
    def errors(self) -> dict[str, str]:
        return {s.name: s.error for s in self.steps if s.error is not None}

    def as_dict(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "actions": self.actions,
            "steps": [
                {"name": s.name, "actions": s.actions, "summary": s.summary, "error": s.error}
                for s in self.steps
            ],
        }


Step = Callable[["Node", datetime], StepReport]


def mail_notices(node: Node, now: datetime) -> StepReport:
    """E-mail notices to the confirmed technical contacts of their members."""
    report = send_pending(node.db, node.settings, now)
    summary: dict[str, Any] = {
        "sent": report.sent,
        "not_onboarded": dict(sorted(report.not_onboarded.items())),
    }
    if report.unsent:
        summary["unsent_no_smtp_server"] = report.unsent
    if report.failed:
        summary["refused"] = report.failed
    error = report.error
    if error is None and report.failed:
        error = _("{n} notices were refused by the mail server").format(n=len(report.failed))
    return StepReport("mail", len(report.sent), summary, error)


def retention(node: Node, now: datetime) -> StepReport:
    """Remove the day partitions of events and rejects older than the retention rule."""
    removal = apply_retention(node.store, node.db, now)
    summary: dict[str, Any] = {
        "retention_days": removal.retention_days,
        "cutoff": removal.cutoff,
        "days": removal.days,
        "rows": removal.rows,
    }
    return StepReport("retention", removal.files, summary)


def _request_step(name: str, report: request_mail.RequestMailReport) -> StepReport:
    summary: dict[str, Any] = {
        "sent": [f"{r}/{w}" for r, w in report.sent],
        "not_onboarded": dict(sorted(report.not_onboarded.items())),
    }
    if report.unsent:
        summary["unsent_no_smtp_server"] = report.unsent
    if report.failed:
        summary["refused"] = report.failed
    error = report.error
    if error is None and report.failed:
        error = _("{n} messages were refused by the mail server").format(n=len(report.failed))
    return StepReport(name, len(report.sent), summary, error)


def mail_requests(node: Node, now: datetime) -> StepReport:
    """E-mail new requests to the requested member, answered ones to the requester."""
    return _request_step("requests", request_mail.send_pending(node.db, node.settings, now))


def escalate_requests(node: Node, now: datetime) -> StepReport:
    """Alert the policy contacts of the members whose requests are overdue (once each)."""
    return _request_step("escalation", request_mail.escalate(node.db, node.settings, now))


def contact_checks(node: Node, now: datetime) -> StepReport:
    """E-mail the contacts asked in the latest reachability check."""
    report = send_asks(node.db, node.settings, now)
    summary: dict[str, Any] = {"check": report.check, "sent": report.sent}
    if report.unsent:
        summary["unsent_no_smtp_server"] = report.unsent
    if report.failed:
        summary["refused"] = {str(k): v for k, v in report.failed.items()}
    error = report.error
    if error is None and report.failed:
        error = _("{n} messages were refused by the mail server").format(n=len(report.failed))
    return StepReport("contact-checks", len(report.sent), summary, error)


def governance(node: Node, now: datetime) -> StepReport:
    """Close the votes that are due and carry out the resolutions whose date has come."""
    with node.db.session() as s:
        done = governance_tick(s, now)
    return StepReport("governance", sum(done.values()), done)


STEPS: tuple[Step, ...] = (
    mail_notices,
    retention,
    mail_requests,
    escalate_requests,
    contact_checks,
    governance,
)


def tick(node: Node, steps: Sequence[Step] = STEPS) -> TickReport:
    """Run every step once, in order, at one ``now`` (the node's clock)."""
    path = node.settings.data_dir / "tick.lock"  # serve and cron may both run a tick
    busy = f"another tick is running on {path.parent}; try again later"
    with exclusive(path, busy):
        now = node.clock.now()
        reports = []
        for step in steps:
            try:
                reports.append(step(node, now))
            except WuzhenError as err:
                log.warning("tick step %s failed: %s", step.__name__, err)
                reports.append(StepReport(step.__name__, error=str(err)))
    result = TickReport(now, tuple(reports))
    log.info("tick at %s: %s actions %s", now.isoformat(), result.actions, result.errors or "")
    return result
