"""Each resource doing its job over HTTP (#5): members and contacts, evidence uploads,
notices, rules, the ledger, attribution, aggregates; and cached reads that follow changes."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from tests.integration.api.conftest import AUTH_LOG, Compact, variant
from wuzhen import ledger, rules
from wuzhen.evidence.ingest import IngestOptions
from wuzhen.schema.tlp import TLP

pytestmark = pytest.mark.anyio


def change_rule(compact: Compact, key: str, value: object) -> None:
    """As a resolution carries a change out (rules change only by resolution)."""
    with compact.node.db.session() as s:
        rules.change(
            s,
            key,
            value,
            reason="by resolution",
            actor="test",
            at=compact.node.clock.now(),
            resolution="r-test",
        )


async def test_members_and_contacts(compact: Compact, http: httpx.AsyncClient) -> None:
    cn_admin, fr = compact.headers("cn_admin"), compact.headers("fr_analyst")
    m = (await http.get("/api/v1/members/cn")).json()
    assert (m["code"], m["status"], m["onboarded"]) == ("CN", "active", False)
    assert "HK" in m["answers_for"]
    r = await http.patch(
        "/api/v1/members/CN", json={"website": "https://www.cert.org.cn"}, headers=cn_admin
    )
    assert r.json()["details"]["website"] == "https://www.cert.org.cn"
    r = await http.patch("/api/v1/members/CN", json={"flag": "red"}, headers=cn_admin)
    assert r.status_code == 422
    active = (await http.get("/api/v1/members", params={"status": "active", "limit": 1000})).json()
    assert all(x["status"] == "active" for x in active["items"])

    new = {
        "member": "CN",
        "kind": "technical",
        "name": "Li Wei",
        "email": "duty@cert.cn",
        "role": "duty officer",
        "phone": "+86 10 1",
        "hours": "24/7",
        "timezone": "Asia/Shanghai",
    }
    r = await http.post("/api/v1/contacts", json=new, headers=cn_admin)
    assert r.status_code == 201, r.text
    contact = r.json()
    r = await http.post("/api/v1/contacts", json={**new, "email": "nobody"}, headers=cn_admin)
    assert r.status_code == 422
    policy = {**new, "kind": "policy", "name": "Policy desk", "email": "policy@cac.cn"}
    await http.post("/api/v1/contacts", json=policy, headers=cn_admin)
    # other members see confirmed technical contacts only, as a card
    assert (await http.get("/api/v1/contacts", params={"member": "CN"}, headers=fr)).json()[
        "items"
    ] == []
    r = await http.post(f"/api/v1/contacts/{contact['id']}/confirm", headers=cn_admin)
    assert r.json()["confirmed_at"] is not None
    assert (await http.get("/api/v1/members/CN")).json()["onboarded"] is True
    cards = (await http.get("/api/v1/contacts", params={"member": "CN"}, headers=fr)).json()
    assert len(cards["items"]) == 1
    card = cards["items"][0]
    assert (card["name"], card["email"], card["hours"]) == ("Li Wei", "duty@cert.cn", "24/7")
    assert card["id"] is None
    assert card["role"] is None
    own = (await http.get("/api/v1/contacts", headers=compact.headers("cn_analyst"))).json()
    assert {c["kind"] for c in own["items"]} == {"technical", "policy"}
    assert all(c["id"] and c["role"] for c in own["items"])
    assert (await http.get("/api/v1/contacts", params={"member": "CN"})).status_code == 401
    # changing a contact needs confirming it again
    r = await http.patch(
        f"/api/v1/contacts/{contact['id']}",
        json={"phone": "+86 10 2"},
        headers=compact.headers("secretariat"),
    )
    assert (r.json()["phone"], r.json()["confirmed_at"], r.json()["name"]) == (
        "+86 10 2",
        None,
        "Li Wei",
    )
    assert (await http.get("/api/v1/members/CN")).json()["onboarded"] is False


async def test_upload_notice_and_acknowledge(
    compact: Compact, http: httpx.AsyncClient, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    fr, cn = compact.headers("fr_analyst"), compact.headers("cn_analyst")
    before = {n["id"] for n in (await http.get("/api/v1/notices", headers=cn)).json()["items"]}
    path = variant(tmp_path, "upload", "sensor-upload")
    r = await http.post(
        "/api/v1/evidence",
        files=[
            ("files", ("auth.log", path.read_bytes())),
            ("files", ("again.log", path.read_bytes())),
        ],
        data={"tlp": "AMBER"},
        headers=fr,
    )
    assert r.status_code == 201, r.text
    body = r.json()
    first, second = body["files"]
    assert [first["name"], second["name"]] == ["auth.log", "again.log"]
    for f in (first, second):
        assert f["records"] == 15 == f["events"] + f["duplicates"] + f["skipped"] + f["rejects"]
    assert first["events"] > 0
    assert (second["events"], second["duplicates"]) == (0, first["events"] + first["duplicates"])
    assert body["totals"]["records"] == 30
    # where the new events went: FR's own, and what CN's notice below carries
    routes = body["routes"]
    assert (
        sum(routes["members"].values()) + routes["unrouted"] + routes["kept"]
        == (body["totals"]["events"])
    )
    assert routes["members"]["CN"] == 3
    listed = (await http.get("/api/v1/evidence", headers=fr)).json()["items"]
    assert sorted(e["name"] for e in listed if e["ingest_id"] == body["ingest_id"]) == [
        "again.log",
        "auth.log",
    ]
    # an empty file is no error: not read, and listed so (alone: nothing is ingested)
    r = await http.post("/api/v1/evidence", files={"files": ("empty.log", b"\n")}, headers=fr)
    assert r.status_code == 201
    assert (r.json()["ingest_id"], r.json()["files"]) == (None, [])
    assert r.json()["unread"] == [{"name": "empty.log", "reason": "empty: nothing to ingest"}]
    r = await http.post(
        "/api/v1/evidence", files={"files": ("x.bin", b"\x00\x01 nothing")}, headers=fr
    )
    assert r.status_code == 422
    # named as sent, with the form field that names a format
    assert r.json()["error"]["message"].startswith(
        "x.bin: format not recognised; give it as the form field format"
    )
    r = await http.post(
        "/api/v1/evidence",
        files={"files": ("x.log", b"x")},
        data={"format": "no-such-format"},
        headers=fr,
    )
    assert r.status_code == 422
    # the routed member finds a new notice in its inbox, and acknowledges it once
    after = (await http.get("/api/v1/notices", headers=cn)).json()["items"]
    new = [n for n in after if n["id"] not in before]
    assert len(new) == 1
    assert (new[0]["owner"], new[0]["events"]) == ("FR", 3)
    r = await http.post(f"/api/v1/notices/{new[0]['id']}/acknowledge", headers=cn)
    assert r.status_code == 200
    assert r.json()["acknowledged_at"] is not None
    r = await http.post(f"/api/v1/notices/{new[0]['id']}/acknowledge", headers=cn)
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "conflict"
    # retraction: by the owner, by SHA-256 prefix
    r = await http.post(f"/api/v1/evidence/{first['sha256'][:12]}/retract", headers=fr)
    assert r.status_code == 200
    assert r.json()["removed"]["events"] == first["events"]

    # names as sent (not where the server saved them), and an empty file sent with others
    r = await http.post(
        "/api/v1/evidence",
        files=[
            ("files", ("空.log", b"")),
            ("files", ("日志.log", variant(tmp_path, "u", "s-u").read_bytes())),
        ],
        headers=fr,
    )
    assert r.status_code == 201
    assert [f["name"] for f in r.json()["files"]] == ["日志.log"]
    assert r.json()["unread"] == [{"name": "空.log", "reason": "empty: nothing to ingest"}]


async def test_rules_and_ledger(compact: Compact, http: httpx.AsyncClient) -> None:
    sec = compact.headers("secretariat")
    rules = (await http.get("/api/v1/rules")).json()["items"]
    assert {r["key"] for r in rules} >= {"routing.basis", "retention.days"}
    # rules change only by resolution: the direct path is refused, even to the secretariat
    r = await http.put(
        "/api/v1/rules/retention.days",
        json={"value": 90, "reason": "data minimisation"},
        headers=sec,
    )
    assert r.status_code == 403
    assert "proposal" in r.json()["error"]["message"]
    change_rule(compact, "retention.days", 90)
    assert (await http.get("/api/v1/rules/retention.days")).json()["value"] == 90
    history = (await http.get("/api/v1/rules/retention.days/history")).json()["items"]
    assert [h["value"] for h in history] == [180, 90]
    assert history[-1]["reason"] == "by resolution"
    assert history[-1]["resolution"] == "r-test"

    head = (await http.get("/api/v1/ledger/head")).json()
    r = await http.get("/api/v1/ledger/export")
    assert r.headers["content-type"].startswith("application/x-ndjson")
    rows = [json.loads(line) for line in r.text.splitlines()]
    assert ledger.verify_export(rows) == (len(rows), None)
    assert (rows[-1]["seq"], rows[-1]["hash"]) == (head["seq"], head["hash"])
    r = await http.get("/api/v1/ledger/entries", params={"action": "rule.changed"}, headers=sec)
    entries = r.json()["items"]
    assert [e["data"]["new"] for e in entries] == [90]
    r = await http.get(
        "/api/v1/ledger/entries", params={"subject": "rule:", "limit": 1}, headers=sec
    )
    assert r.json()["total"] >= 5
    assert len(r.json()["items"]) == 1


async def test_attribution_and_stats(compact: Compact, http: httpx.AsyncClient) -> None:
    r = await http.get(
        "/api/v1/attribution",
        params={"value": ["8.8.8.8", "10.1.2.3", "www.example.cn", "nonsense"]},
    )
    assert r.status_code == 200
    items = {i["value"]: i for i in r.json()["items"]}
    assert (items["8.8.8.8"]["source.registration.cc"], items["8.8.8.8"]["source.asn"]) == (
        "US",
        15169,
    )
    assert items["10.1.2.3"]["source.special_purpose"] == "private"
    assert items["www.example.cn"]["source.tld.cc"] == "CN"
    r = await http.get("/api/v1/attribution", params={"value": [str(i) for i in range(101)]})
    assert r.status_code == 422
    assert (await http.get("/api/v1/attribution")).status_code == 422

    small = (await http.get("/api/v1/stats/origins")).json()
    assert small["threshold"] == 5
    assert small["items"]
    for row in small["items"]:
        assert (row["origins"] is None) == (row["origins_range"] == "1-4")
        if row["origins"] is None:
            assert row["per_million_ipv4"] is None
    change_rule(compact, "transparency.small_count_threshold", 1)
    exact = (await http.get("/api/v1/stats/origins")).json()
    assert exact["threshold"] == 1
    assert all(row["origins"] >= 1 for row in exact["items"])
    by_asn = (await http.get("/api/v1/stats/origins", params={"by": "asn", "top": 3})).json()
    assert len(by_asn["items"]) <= 3
    assert any(row["asn"] == 4134 or row["asn"] for row in by_asn["items"])


async def test_cached_reads_follow_changes(
    compact: Compact, http: httpx.AsyncClient, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    cn = compact.headers("cn_admin")
    params = {"country": "CN", "limit": 3}
    first = (await http.get("/api/v1/events", params=params, headers=cn)).json()
    again = (await http.get("/api/v1/events", params=params, headers=cn)).json()
    assert first == again
    # a new ingest (the store's manifest changes) is seen at once
    compact.node.pipeline.ingest(
        [variant(tmp_path, "more", "sensor-more")], IngestOptions(owner="FR")
    )
    later = (await http.get("/api/v1/events", params=params, headers=cn)).json()
    assert later["total"] == first["total"] + 3
    # a retraction too
    r = await http.post(
        f"/api/v1/evidence/{compact.evidence['AMBER']}/retract", headers=compact.headers("fr_admin")
    )
    assert r.status_code == 200
    gone = (await http.get("/api/v1/events", params=params, headers=cn)).json()
    assert gone["total"] == later["total"] - 3
    assert (await http.get("/api/v1/events", params={**params, "offset": 1}, headers=cn)).json()[
        "items"
    ] == gone["items"][1:3] + (
        (
            await http.get("/api/v1/events", params={**params, "offset": 3, "limit": 1}, headers=cn)
        ).json()["items"]
    )
    assert AUTH_LOG.exists()


async def test_public_origins_leave_out_what_stays_with_the_owner(
    compact: Compact, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    """Regression: a tester read, without signing in, the AS, country and second of RED and
    AMBER+STRICT evidence from /stats/origins (a one-second window, counts above the
    small-count threshold)."""
    change_rule(compact, "transparency.small_count_threshold", 1)
    log = tmp_path / "jp.log"
    log.write_text(
        "".join(
            f"2026-11-22T08:00:00+00:00 s sshd[1]: Failed password for root from 133.242.0.{i} "
            f"port 22 ssh2\n"
            for i in range(1, 7)
        )
    )
    window = {"since": "2026-11-22T08:00:00Z", "until": "2026-11-22T08:00:01Z", "top": 300}

    async def jurisdictions() -> dict[str, int]:
        r = await http.get("/api/v1/stats/origins", params=window)
        assert r.status_code == 200
        return {row["jurisdiction"]: row["origins"] for row in r.json()["items"]}

    for tlp in (TLP.RED, TLP.AMBER_STRICT):
        compact.node.pipeline.ingest([log], IngestOptions(owner="FR", tlp=tlp))
        assert "JP" not in await jurisdictions()
    compact.node.pipeline.ingest([log], IngestOptions(owner="CN", tlp=TLP.GREEN))
    assert (await jurisdictions())["JP"] == 6
    # the window counts its whole day: 08:00:01 to 08:00:02 is the same day
    window |= {"since": "2026-11-22T08:00:01Z", "until": "2026-11-22T08:00:02Z"}
    assert (await jurisdictions())["JP"] == 6
