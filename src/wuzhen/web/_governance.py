"""What the governance pages share: the acting account, and reading their forms (times,
the changes a proposal makes)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from starlette.datastructures import FormData

from wuzhen.errors import InputError
from wuzhen.governance.acts import Actor
from wuzhen.governance.service import ProposalDraft
from wuzhen.i18n import _
from wuzhen.web._auth import WebUser

TIME_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d")


def actor(user: WebUser) -> Actor:
    return Actor.of(user.account)


def field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def time_of(text: str, label: str) -> datetime:
    """A time typed in a form (UTC), e.g. ``2026-12-01T10:00`` or ``2026-12-01``."""
    for fmt in TIME_FORMATS:
        try:
            return datetime.strptime(text.strip(), fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise InputError(_("{field}: give a time as YYYY-MM-DD HH:MM (UTC).").format(field=label))


def _value(text: str) -> Any:
    """A rule value as typed: JSON if it reads as JSON, else the text itself."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text.strip()


def changes_of(form: FormData) -> list[dict[str, Any]]:
    """The changes a proposal's form asks for: a rule's new value, an admission, suspension
    or voting-rights change, and any others written as a JSON list."""
    out: list[dict[str, Any]] = []
    key = field(form, "rule_key")
    if key:
        out.append({"type": "rule", "key": key, "value": _value(field(form, "rule_value"))})
    act, code = field(form, "member_action"), field(form, "member_code").upper()
    if act and code:
        if act in ("admit", "suspend"):
            out.append({"type": act, "member": code})
        else:
            out.append(
                {"type": "voting-rights", "member": code, "suspend": act == "suspend-voting"}
            )
    more = field(form, "changes_json")
    if more:
        try:
            extra = json.loads(more)
        except json.JSONDecodeError as err:
            raise InputError(_("Other changes: write them as a JSON list.")) from err
        if not isinstance(extra, list) or not all(isinstance(c, dict) for c in extra):
            raise InputError(_("Other changes: write them as a JSON list of objects."))
        out.extend(extra)
    return out


def draft_of(form: FormData, *, amendment: bool = False) -> ProposalDraft:
    if amendment:
        return ProposalDraft(
            title=field(form, "title"), text=field(form, "text"), changes=changes_of(form)
        )
    effective = field(form, "effective")
    return ProposalDraft(
        title=field(form, "title"),
        text=field(form, "text"),
        changes=changes_of(form),
        method=field(form, "method") or "simple",
        secret=field(form, "secret") == "on",
        effective_at=time_of(effective, _("Effective")) if effective else None,
    )
