"""The transparency report over a real store (#8), on SQLite and PostgreSQL: requests made
through the cooperation service, notices from an ingest, contacts; the report through the
service, the API (public), the web page and the command line (HTML, PDF, JSON, CSV)."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from tests.conftest import DATA
from wuzhen import ledger
from wuzhen.api.app import create_app
from wuzhen.cli import app as cli
from wuzhen.clock import FixedClock
from wuzhen.config import Settings
from wuzhen.cooperation import service as coop
from wuzhen.evidence.ingest import IngestOptions
from wuzhen.members.service import ContactFields, add_contact, admit_all, confirm_contact
from wuzhen.node import Node
from wuzhen.transparency import parse_period, transparency_report

AUTH_LOG = DATA / "evidence" / "openssh" / "auth.log"
TAKEDOWN = {
    "target": "infrastructure",
    "urls": ["http://c2.example/panel"],
    "reasons": "botnet controller",
    "legal_basis": "art. 19",
}
HOUR = timedelta(hours=1)
CHROMIUM = Path("/usr/bin/chromium")


def _request(node: Node, requester: str, requested: str) -> str:
    draft = coop.Draft(
        kind="takedown", requested=requested, offence="cyberattack", title="c2", details=TAKEDOWN
    )
    at = node.clock.now()
    with node.db.session() as s:
        rid = coop.create(s, draft, member=requester, account="a", at=at).id
        coop.send(s, rid, member=requester, account="a", at=at)
    return rid


def _act(node: Node, rid: str, action: str, member: str, **kw: Any) -> None:
    with node.db.session() as s:
        if action in ("refuse", "partial"):
            coop.answer_with_grounds(
                s, rid, action, member=member, account="b", at=node.clock.now(), **kw
            )
        else:
            coop.act(s, rid, action, member=member, account="b", at=node.clock.now(), **kw)


def make_compact(node: Node, clock: FixedClock) -> None:
    """FR sends CN six takedowns, acknowledged after 1..6 hours and executed; CN sends FR one,
    which FR refuses citing only 'other'. CN has a confirmed technical contact; FR has none.
    FR's SSH log routes events to CN, the US and AU as notices."""
    with node.db.session() as s:
        contact = add_contact(
            s,
            "CN",
            ContactFields(kind="technical", name="CNCERT", email="cert@example.cn"),
            actor="t",
            at=clock.now(),
        )
        confirm_contact(s, contact.id, actor="t", at=clock.now() + 2 * HOUR)
    node.pipeline.ingest([AUTH_LOG], IngestOptions(owner="FR"))
    start = clock.now()
    ids = [_request(node, "FR", "CN") for _ in range(6)]
    for hours, rid in enumerate(ids, start=1):
        clock.advance(start + hours * HOUR - clock.now())
        _act(node, rid, "acknowledge", "CN")
    for rid in ids:
        _act(node, rid, "start", "CN")
        _act(node, rid, "execute", "CN")
    back = _request(node, "CN", "FR")
    _act(node, back, "acknowledge", "FR")
    _act(node, back, "consult", "FR", reason="questions")
    _act(node, back, "refuse", "FR", grounds=["other"], reason="refused", other_text="no treaty")
    clock.advance(timedelta(days=1))


def _report(node: Node) -> dict[str, Any]:
    with node.db.session() as s:
        return transparency_report(
            s, node.store, node.attributor.snapshot, parse_period("2026"), node.clock.now()
        )


def _member(report: dict[str, Any], code: str) -> dict[str, Any]:
    return next(m for m in report["members"] if m["code"] == code)


def test_report_from_the_store(node: Node, clock: FixedClock) -> None:
    make_compact(node, clock)
    report = _report(node)
    with node.db.session() as s:
        seq, digest = ledger.head(s)
    assert report["ledger_head"] == {"seq": seq, "hash": digest}
    assert len(report["members"]) == 195  # every admitted state, by the same code
    cn = _member(report, "CN")
    assert cn["onboarded"] is True
    f = cn["figures"]
    assert f["requests-received"] == {"takedown": 6, "total": 6}
    assert f["acknowledged-in-time"] == {"percent": 100.0}
    # 1..6 hours: median 3.5 h; p90 at position 4.5: 5.5 h
    assert f["time-to-acknowledge"] == {"median": 12_600, "p90": 19_800}
    assert f["request-outcomes"]["executed"] == 6
    assert f["notices"] == {"acknowledged": 0, "received": "1-4"}
    assert f["origins"]["total"] == "1-4"  # 114.114.114.114, one classification, one day
    assert f["origins-reporting-members"]["total"] == 1
    assert f["contacts"] == {"confirmed": 1, "onboarded": 1, "total": 1}
    assert f["contact-confirmation"]["last-confirmed"] == "2026-11-29"
    assert f["contact-confirmation"]["median-seconds"] == 7200
    fr = _member(report, "FR")
    assert fr["onboarded"] is False
    assert fr["figures"]["acknowledged-in-time"] == {"percent": "not-onboarded"}
    assert fr["figures"]["requests-sent"] == {"takedown": 6, "total": 6}
    assert report["refusals_other_only"] == [
        {"member": "FR", "kind": "takedown", "text": "no treaty"}
    ]
    (pair,) = report["pairs"]
    assert (pair["a"], pair["b"]) == ("CN", "FR")
    assert pair["b_to_a"]["requests-received"]["total"] == 6
    assert pair["a_to_b"]["refusal-grounds"] == {"other": "1-4"}
    json.dumps(report)


@pytest.mark.anyio
async def test_api_and_web_page_are_public(node: Node, clock: FixedClock) -> None:
    make_compact(node, clock)
    app = create_app(node, web=True)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as http:
        r = await http.get("/api/v1/transparency", params={"period": "2026"})
        assert r.status_code == 200
        served = r.json()
        assert served["ledger_head"] == _report(node)["ledger_head"]
        assert _member(served, "CN")["figures"]["requests-received"]["total"] == 6
        assert (await http.get("/api/v1/transparency")).json()["period"]["label"] == "2026"
        for bad in ("26", "2026-13", "2026-06..2026-01", "x"):
            assert (
                await http.get("/api/v1/transparency", params={"period": bad})
            ).status_code == 422
        bearer = {"Authorization": "Bearer not-a-key"}
        assert (await http.get("/api/v1/transparency", headers=bearer)).status_code == 401
        page = await http.get("/transparency", params={"period": "2026", "a": "CN", "b": "FR"})
        assert page.status_code == 200
        assert 'class="chart"' in page.text
        assert served["ledger_head"]["hash"] in page.text
        assert 'id="pair-CN-FR"' in page.text
        csv_page = await http.get("/transparency.csv", params={"period": "2026"})
        assert csv_page.status_code == 200
        assert csv_page.text.startswith("scope,party,name,metric,key,value,method")


@pytest.fixture
def env(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("WUZHEN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("WUZHEN_DATABASE_URL", database_url)
    return Settings(data_dir=tmp_path / "data", database_url=database_url)


def test_cli_writes_html_pdf_json_csv(env: Settings, tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        if os.environ.get("WUZHEN_REQUIRE_BROWSER", "") not in ("", "0"):
            pytest.fail(f"{CHROMIUM} is missing (scripts/test installs it)")
        pytest.skip(f"{CHROMIUM} is missing (scripts/test installs it)")
    clock = FixedClock(datetime(2026, 3, 1, tzinfo=UTC))  # the command runs on the system clock
    node = Node.open(env, clock)
    try:
        with node.db.session() as s:
            admit_all(s, actor="t", at=clock.now(), reason="test")
        make_compact(node, clock)
    finally:
        node.close()
    out = tmp_path / "published"
    result = CliRunner().invoke(
        cli, ["report", "transparency", "--period", "2026", "--output-dir", str(out)]
    )
    assert result.exit_code == 0, (result.output, result.exception)
    names = sorted(p.name for p in out.iterdir())
    assert names == ["report.csv", "report.html", "report.json", "report.pdf"]
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    digest = report["ledger_head"]["hash"]
    assert digest in result.output
    assert digest in (out / "report.html").read_text(encoding="utf-8")
    with (out / "report.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert any(r["metric"] == "ledger-head" and r["value"] == digest for r in rows)
    pdf = (out / "report.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-")
    if shutil.which("pdfinfo") and shutil.which("pdftotext"):
        info = subprocess.run(
            ["pdfinfo", str(out / "report.pdf")], capture_output=True, text=True, check=True
        )
        pages = int(
            next(line for line in info.stdout.splitlines() if line.startswith("Pages:")).split()[1]
        )
        assert pages >= 2
        text = subprocess.run(
            ["pdftotext", str(out / "report.pdf"), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert "Transparency report" in text
        assert digest[:16] in text.replace("\n", "")
    else:
        assert pdf.count(b"/Type /Page") >= 2 or pdf.count(b"/Type/Page") >= 2
