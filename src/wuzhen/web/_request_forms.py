"""The forms of requests: each type's required fields as form inputs (read from the type's
model in :mod:`wuzhen.cooperation.kinds`, so the form asks exactly what the type requires),
and reading them back into the request's details."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args, get_origin

from starlette.datastructures import FormData

from wuzhen.cooperation.kinds import DETAILS
from wuzhen.errors import InputError
from wuzhen.i18n import _

PREFIX = "d."


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One input of a request type's form."""

    name: str
    label: str
    kind: Literal["text", "lines", "choice", "flag"]
    required: bool
    options: tuple[str, ...] = ()
    value: str = ""

    @property
    def input_name(self) -> str:
        return PREFIX + self.name


def labels() -> dict[str, str]:
    """What each detail field asks, in the active language."""
    return {
        "target": _("What to take down"),
        "urls": _("Exact URLs (one per line)"),
        "reasons": _("Reasons"),
        "legal_basis": _("Legal basis"),
        "requesting_authority": _("Requesting authority"),
        "offence_facts": _("Offence and facts"),
        "data": _("Data to preserve"),
        "relation": _("How the data relates to the offence"),
        "custodian": _("Custodian and location of the data"),
        "necessity": _("Why preservation is necessary"),
        "disclosure_to_follow": _("A request for disclosure will follow"),
        "data_kind": _("Data to disclose"),
        "identifiers": _("Identifiers (addresses, accounts; one per line)"),
        "facts": _("Facts"),
        "emergency": _("Emergency (risk to life or of serious harm)"),
        "emergency_justification": _("Why it is an emergency"),
        "measures": _("Measures asked for"),
        "wallets": _("Wallets (one per line)"),
        "accounts": _("Accounts (one per line)"),
        "question": _("Question"),
    }


def fields_of(kind: str, prefill: Mapping[str, str] | None = None) -> list[FieldSpec]:
    """The inputs of ``kind``'s form, in the order its model declares them."""
    if kind not in DETAILS:
        raise InputError(_("Unknown request type {kind}.").format(kind=kind))
    names = labels()
    out = []
    for name, info in DETAILS[kind].model_fields.items():
        ann = info.annotation
        value = (prefill or {}).get(name, "")
        label = names.get(name, name)
        required = info.is_required()
        if get_origin(ann) is Literal:
            options = tuple(str(a) for a in get_args(ann))
            if options == ("True",):
                out.append(FieldSpec(name, label, "flag", True, value=value))
            else:
                out.append(FieldSpec(name, label, "choice", required, options, value))
        elif ann is bool:
            out.append(FieldSpec(name, label, "flag", False, value=value))
        elif get_origin(ann) is list:
            out.append(FieldSpec(name, label, "lines", required, value=value))
        else:
            out.append(FieldSpec(name, label, "text", required, value=value))
    return out


def details_from(kind: str, form: FormData) -> dict[str, Any]:
    """The details of a ``kind`` request from its form (the type's model validates them)."""
    details: dict[str, Any] = {}
    for spec in fields_of(kind):
        raw = form.get(spec.input_name)
        text = raw.strip() if isinstance(raw, str) else ""
        if spec.kind == "flag":
            if text:
                details[spec.name] = True
            elif not spec.required:
                details[spec.name] = False
        elif spec.kind == "lines":
            lines = [line.strip() for line in text.splitlines() if line.strip()]
            if lines or spec.required:
                details[spec.name] = lines
        elif text:
            details[spec.name] = text
    return details


def prefill(kind: str, events: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """Fields the selected events can fill: their URLs and source addresses."""
    urls = sorted({str(e["source.url"]) for e in events if e.get("source.url")})
    ips = sorted({str(e["source.ip"]) for e in events if e.get("source.ip")})
    if kind == "takedown":
        return {"urls": "\n".join(urls)}
    if kind == "disclosure":
        return {"identifiers": "\n".join(ips + urls)}
    return {}


def likely_recipient(events: Sequence[Mapping[str, Any]], me: str) -> str:
    """The member most of the selected events are routed to (not the filer), if any."""
    routed = Counter(
        str(e["route.member"]) for e in events if e.get("route.member") and e["route.member"] != me
    )
    return routed.most_common(1)[0][0] if routed else ""
