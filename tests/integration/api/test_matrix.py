"""The authorization matrix (#5): every role against every endpoint, with the exact status
each must get. Roles: the public, the secretariat, CN's and FR's administrator and analyst,
a revoked key and a disabled account.

Policy checked here: a thing addressed by id that the caller may not see (another member's
event, notice, contest, contact or account) is answered 404, exactly like a thing that does
not exist; an operation the caller's role does not allow on a thing it may see is 403; no
credentials where an account is needed is 401; bad credentials are 401 everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from tests.conftest import notice_events
from tests.integration.api.conftest import AUTH_LOG, ROLES, Compact, bearer, new_key
from wuzhen.members.service import ContactFields, add_contact
from wuzhen.notices.tables import Notice

pytestmark = pytest.mark.anyio
DENIED = frozenset({401, 403, 404})


@dataclass
class Case:
    method: str
    path: str
    expect: dict[str, int]  # role -> status, called in this order
    json: Any = None
    upload: bool = False
    params: dict[str, Any] = field(default_factory=dict)


def everyone(status: int, **overrides: int) -> dict[str, int]:
    """``status`` for every valid caller, 401 for the revoked key and the disabled account."""
    out = dict.fromkeys(ROLES, status)
    out.update(revoked=401, disabled=401)
    out.update(overrides)
    return out


def accounts_only(status: int, **overrides: int) -> dict[str, int]:
    return everyone(status, public=401, **overrides)


def members_only(status: int, **overrides: int) -> dict[str, int]:
    return everyone(status, public=401, secretariat=403, **overrides)


def secretariat_only(status: int) -> dict[str, int]:
    return everyone(403, public=401, secretariat=status)


def ordered(**expect: int) -> dict[str, int]:
    assert set(expect) == set(ROLES), set(ROLES) ^ set(expect)
    return expect


async def setup(c: httpx.AsyncClient, compact: Compact) -> dict[str, str]:
    """Ids the cases address: events, notices, a contest, contacts, a spare key."""
    ids: dict[str, str] = {}
    node = compact.node
    ids["fr_amber_cn"] = compact.event(owner="FR", tlp="AMBER", **{"route.member": "CN"})
    ids["fr_green"] = compact.event(owner="FR", tlp="GREEN")
    ids["fr_red"] = compact.event(owner="FR", tlp="RED")
    ids["fr_strict"] = compact.event(owner="FR", tlp="AMBER+STRICT")
    ids["cn_to_us"] = compact.event(owner="CN", **{"route.member": "US"})
    with node.db.session() as s:
        to_cn = list(s.scalars(select(Notice).where(Notice.member == "CN").order_by(Notice.id)))
        to_us = s.scalars(select(Notice).where(Notice.member == "US")).first()
        assert to_us is not None
        ids["notice_us"] = to_us.id
        for name in ("technical", "policy"):
            contact = add_contact(
                s,
                "CN",
                ContactFields(kind=name, name=f"CN {name}", email=f"{name}@cert.cn"),
                actor="test",
                at=node.clock.now(),
            )
            ids[f"contact_{name}"] = str(contact.id)
    assert len(to_cn) >= 3
    ids["notice_cn_ack"], ids["notice_cn_contest"], ids["notice_cn_resolve"] = (
        n.id for n in to_cn[:3]
    )
    ids["contest_event"] = notice_events(node, to_cn[1])[0]
    r = await c.post(
        f"/api/v1/notices/{ids['notice_cn_resolve']}/contest",
        json={"grounds": "false-positive", "reason": "our NAT gateway"},
        headers=compact.headers("cn_admin"),
    )
    assert r.status_code == 201, r.text
    ids["contest"] = r.json()["id"]
    spare = await new_key(c, compact.headers("cn_admin"), "spare")
    keys = (await c.get("/api/v1/keys", headers=bearer(spare))).json()["items"]
    ids["cn_spare_key"] = next(k["id"] for k in keys if k["name"] == "spare")
    ids.update({f"{r}_id": compact.ids[r] for r in ("secretariat", "cn_admin", "fr_admin")})
    ids["cn_spare"], ids["fr_spare"] = compact.spare["cn"], compact.spare["fr"]
    ids["retractable"] = compact.evidence["retractable"]
    return ids


CONTACT = {"member": "CN", "kind": "technical", "name": "Duty officer", "email": "duty@cert.cn"}
CASES = [
    # members (public reads; details by the member's admin or the secretariat)
    Case("GET", "/members", everyone(200)),
    Case("GET", "/members/CN", everyone(200)),
    Case("GET", "/members/ZZ", everyone(404)),
    Case(
        "PATCH",
        "/members/CN",
        accounts_only(403, secretariat=200, cn_admin=200),
        json={"cert_name": "CNCERT/CC"},
    ),
    # admission, suspension and rules change only by resolution (governance): refused to all
    Case("POST", "/members/DE/suspend", accounts_only(403), json={"reason": "test"}),
    Case("POST", "/members/DE/admit", accounts_only(403), json={"reason": "test"}),
    # contacts
    Case("GET", "/contacts", accounts_only(200, secretariat=422)),
    Case("GET", "/contacts", accounts_only(200), params={"member": "CN"}),
    Case("POST", "/contacts", accounts_only(403, secretariat=201, cn_admin=201), json=CONTACT),
    Case(
        "PATCH",
        "/contacts/{contact_technical}",
        accounts_only(404, secretariat=200, cn_admin=200, cn_analyst=403),
        json={"phone": "+86 10 0000"},
    ),
    Case(
        "POST",
        "/contacts/{contact_technical}/confirm",
        accounts_only(404, secretariat=200, cn_admin=200, cn_analyst=403),
    ),
    Case(
        "DELETE",
        "/contacts/{contact_policy}",
        ordered(
            public=401,
            revoked=401,
            disabled=401,
            cn_analyst=403,
            fr_admin=404,
            fr_analyst=404,
            cn_admin=204,
            secretariat=404,
        ),
    ),
    # events: members only, and only what each may see
    Case("GET", "/events", members_only(200)),
    Case("GET", "/events", members_only(200), params={"country": "CN", "limit": 5}),
    Case("GET", "/events/export", members_only(200), params={"format": "csv"}),
    Case("GET", "/events/export", members_only(200), params={"format": "jsonl"}),
    Case("GET", "/events/{fr_amber_cn}", members_only(200)),
    Case("GET", "/events/{fr_green}", members_only(200)),
    Case("GET", "/events/{fr_red}", members_only(200, cn_admin=404, cn_analyst=404)),
    Case("GET", "/events/{fr_strict}", members_only(200, cn_admin=404, cn_analyst=404)),
    Case("GET", "/events/{cn_to_us}", members_only(200, fr_admin=404, fr_analyst=404)),
    Case("GET", "/events/" + "0" * 32, members_only(404)),
    # evidence
    Case("GET", "/evidence", members_only(200)),
    Case(
        "POST",
        "/evidence/{retractable}/retract",
        members_only(404, fr_admin=200, fr_analyst=404),
    ),
    Case("POST", "/evidence", members_only(201), upload=True),
    # notices and contests
    Case("GET", "/notices", members_only(200)),
    Case("GET", "/notices/feed", members_only(200)),
    Case("GET", "/notices/feed", members_only(200), params={"format": "json"}),
    Case("GET", "/notices/{notice_cn_ack}", members_only(200)),
    Case("GET", "/notices/{notice_us}", members_only(200, cn_admin=404, cn_analyst=404)),
    Case("GET", "/notices/{notice_cn_ack}/events", members_only(200)),
    Case("GET", "/notices/{notice_us}/events", members_only(200, cn_admin=404, cn_analyst=404)),
    Case(
        "GET",
        "/notices/{notice_us}/events",
        members_only(200, cn_admin=404, cn_analyst=404),
        params={"format": "jsonl"},
    ),
    Case(
        "POST",
        "/notices/{notice_cn_ack}/acknowledge",
        ordered(
            public=401,
            secretariat=403,
            fr_admin=403,
            fr_analyst=403,
            revoked=401,
            disabled=401,
            cn_admin=200,
            cn_analyst=409,
        ),
    ),
    Case(
        "POST",
        "/notices/{notice_us}/acknowledge",
        members_only(403, cn_admin=404, cn_analyst=404),
    ),
    Case(
        "POST",
        "/notices/{notice_cn_contest}/contest",
        ordered(
            public=401,
            secretariat=403,
            fr_admin=403,
            fr_analyst=403,
            revoked=401,
            disabled=401,
            cn_admin=201,
            cn_analyst=409,
        ),
        json={
            "grounds": "wrong-jurisdiction",
            "reason": "not ours",
            "event_ids": ["{contest_event}"],
        },
    ),
    Case(
        "POST",
        "/notices/{notice_us}/contest",
        members_only(403, cn_admin=404, cn_analyst=404),
        json={"grounds": "wrong-jurisdiction", "reason": "not ours"},
    ),
    Case("GET", "/contests", members_only(200)),
    Case(
        "POST",
        "/contests/{contest}/resolve",
        ordered(
            public=401,
            secretariat=403,
            cn_admin=403,
            cn_analyst=403,
            revoked=401,
            disabled=401,
            fr_admin=200,
            fr_analyst=409,
        ),
        json={"outcome": "upheld", "note": "the address is in CN's space"},
    ),
    # rules and ledger
    Case("GET", "/rules", everyone(200)),
    Case("GET", "/rules/retention.days", everyone(200)),
    Case("GET", "/rules/retention.days/history", everyone(200)),
    Case("GET", "/rules/no.such.rule", everyone(404)),
    Case(
        "PUT",
        "/rules/retention.days",
        accounts_only(403),
        json={"value": 200, "reason": "longer investigations"},
    ),
    Case("GET", "/ledger/head", everyone(200)),
    Case("GET", "/ledger/export", everyone(200)),
    Case("GET", "/ledger/entries", secretariat_only(200)),
    # accounts: nobody reaches an account outside its own member (or the secretariat)
    Case("GET", "/accounts/me", accounts_only(200)),
    Case("GET", "/accounts", accounts_only(200)),
    Case(
        "GET",
        "/accounts/{cn_admin_id}",
        accounts_only(404, cn_admin=200, cn_analyst=200),
    ),
    Case("GET", "/accounts/{secretariat_id}", accounts_only(404, secretariat=200)),
    Case(
        "POST",
        "/accounts/{cn_spare}/disable",
        ordered(
            public=401,
            secretariat=404,
            cn_analyst=403,
            fr_admin=404,
            fr_analyst=404,
            revoked=401,
            disabled=401,
            cn_admin=200,
        ),
    ),
    Case(
        "POST",
        "/accounts/{fr_spare}/disable",
        ordered(
            public=401,
            secretariat=404,
            cn_admin=404,
            cn_analyst=404,
            fr_analyst=403,
            revoked=401,
            disabled=401,
            fr_admin=200,
        ),
    ),
    Case(
        "POST",
        "/invitations",
        accounts_only(403, cn_admin=201),
        json={"member": "CN", "role": "analyst"},
    ),
    Case(
        "POST",
        "/invitations",
        accounts_only(403, cn_admin=201),
        json={"member": "CN", "role": "admin"},
    ),
    Case(
        "POST",
        "/invitations/accept",
        everyone(401),
        json={"token": "not-a-token", "username": "intruder", "password": "x" * 20},
    ),
    Case("GET", "/keys", accounts_only(200)),
    Case("POST", "/keys", accounts_only(201), json={"name": "matrix"}),
    Case(
        "DELETE",
        "/keys/{cn_spare_key}",
        ordered(
            public=401,
            secretariat=404,
            cn_analyst=404,
            fr_admin=404,
            fr_analyst=404,
            revoked=401,
            disabled=401,
            cn_admin=200,
        ),
    ),
    Case("DELETE", "/session", everyone(204)),
    # public look-ups and aggregates
    Case("GET", "/attribution", everyone(200), params={"value": ["8.8.8.8", "example.cn"]}),
    Case("GET", "/stats/origins", everyone(200)),
    Case("GET", "/stats/origins", everyone(200), params={"by": "asn"}),
]


def _fill(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


async def test_authorization_matrix(compact: Compact, http: httpx.AsyncClient) -> None:
    ids = await setup(http, compact)
    problems: list[str] = []
    calls = 0
    for case in CASES:
        assert set(case.expect) == set(ROLES), case.path
        path = "/api/v1" + case.path.format(**ids)
        for role, expected in case.expect.items():
            kwargs: dict[str, Any] = {"headers": compact.headers(role), "params": case.params}
            if case.json is not None:
                kwargs["json"] = _fill(case.json, ids)
            if case.upload:
                kwargs["files"] = {"files": ("auth.log", AUTH_LOG.read_bytes())}
                kwargs["data"] = {"tlp": "GREEN"}
            r = await http.request(case.method, path, **kwargs)
            calls += 1
            if r.status_code != expected:
                problems.append(
                    f"{case.method} {case.path} {case.params or ''} as {role}: "
                    f"{r.status_code} (expected {expected}) {r.text[:200]}"
                )
            elif expected >= 400:
                error = r.json()["error"]
                if not (error["code"] and error["message"]):
                    problems.append(f"{case.method} {case.path} as {role}: bad error body")
    assert not problems, "\n".join(problems)
    assert calls == len(CASES) * len(ROLES)
