"""``wuzhen demo`` as a user runs it: a fresh compact, credentials printed once, served until
Ctrl-C (#5). And the shipped samples, moved in time."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from wuzhen.accounts import service as accounts
from wuzhen.cli import app
from wuzhen.clock import FixedClock
from wuzhen.config import Settings
from wuzhen.demo.samples import REFERENCE, SAMPLES, sample_files, shift_text, write_samples
from wuzhen.errors import InputError
from wuzhen.evidence.ingest import IngestOptions
from wuzhen.ledger.tables import LedgerEntry
from wuzhen.members import service as members
from wuzhen.node import Node
from wuzhen.notices.tables import Notice

from .smtp_server import free_port

START_SECONDS = 180
ROW = re.compile(r"^│\s*([^│]+?)\s*│\s*([A-Z]{2})?\s*│\s*(\S+)\s*│\s*(\S+)\s*│$")


class Child:
    """A ``wuzhen`` process whose output is collected as it comes."""

    def __init__(self, *args: str, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "wuzhen", *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, needle: str, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while needle not in self.output:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"{needle!r} never printed:\n{self.output}")
            time.sleep(0.2)

    def stop(self, sig: int, seconds: float = 60) -> int:
        """Send ``sig``, wait for the exit, and return the exit status."""
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(seconds)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            self._reader.join(5)
            assert self.proc.stdout is not None
            self.proc.stdout.close()


@pytest.fixture
def child_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WUZHEN_")}
    # The demo ignores these: it makes its own SQLite store and sends no mail.
    env["WUZHEN_DATABASE_URL"] = "postgresql+psycopg://nobody@127.0.0.1:1/never"
    env["WUZHEN_SMTP_HOST"] = "127.0.0.1"
    return env


def test_demo_serves_a_fresh_compact_until_ctrl_c(
    tmp_path: Path, child_env: dict[str, str]
) -> None:
    port = free_port()
    data = tmp_path / "demo"
    child = Child(
        "demo", "--no-browser", "--port", str(port), "--data-dir", str(data), env=child_env
    )
    try:
        child.wait_for("Serving on", START_SECONDS)
        members_page = httpx.get(f"http://127.0.0.1:{port}/api/v1/members?limit=200", timeout=10)
        home = httpx.get(f"http://127.0.0.1:{port}/", timeout=10)
    finally:
        code = child.stop(signal.SIGINT)
    out = child.output
    assert code == 0, out
    assert "Stopped." in out

    assert members_page.status_code == 200
    listed = {m["code"]: m for m in members_page.json()["items"]}
    assert members_page.json()["total"] == 195
    assert all(m["status"] == "active" for m in listed.values())
    assert home.status_code == 200

    # The ingest summary: the five shipped formats, every record accounted for, no reject.
    for fmt in ("openssh", "suricata-eve", "zeek-tsv", "netfilter", "weblog"):
        assert f" {fmt} " in out
    total = re.search(r"│ total\s*│\s*│\s*│\s*(\d+) │\s*(\d+) │\s*(\d+) │\s*(\d+) │\s*(\d+) │", out)
    assert total is not None, out
    records, events, duplicates, skipped, rejects = map(int, total.groups())
    assert records == events + duplicates + skipped + rejects
    assert events > 30
    assert (duplicates, rejects) == (0, 0)

    # One account per role, each password printed once, and each one works.
    table = out[out.index("Demo accounts") :].splitlines()
    creds = [m.groups() for line in table if (m := ROW.match(line))]
    assert [(role, member, user) for role, member, user, _ in creds] == [
        ("secretariat administrator", None, "secretariat"),
        ("member administrator", "CN", "cn-admin"),
        ("member analyst", "CN", "cn-analyst"),
        ("member administrator", "FR", "fr-admin"),
        ("member analyst", "FR", "fr-analyst"),
    ]
    for *_, password in creds:
        assert out.count(password) == 1
    settings = Settings(data_dir=data)
    node = Node.open(settings)
    try:
        for _role, member, user, password in creds:
            assert accounts.sign_in(node.db, user, password, datetime.now(UTC)).member == member
        with node.db.session() as s:
            assert members.onboarded(s, "CN")
            assert members.onboarded(s, "FR")
            assert not members.onboarded(s, "DE")
            cn = s.scalars(select(Notice).where(Notice.member == "CN")).one()
            assert cn.owner == "FR"
            assert cn.emailed_at is None  # the demo sends no mail
            # The administrators were made through invitations (the secretariat's, then the
            # member administrator's), as a real member's would be.
            invitations = s.scalar(
                select(func.count()).where(LedgerEntry.action == "invitation.created")
            )
            assert invitations == 4
        assert "demo-samples" in {p.name for p in data.iterdir()}
        assert settings.resolved_database_url.endswith(f"{data.name}/wuzhen.db")
    finally:
        node.close()


def test_demo_refuses_a_data_directory_in_use(tmp_path: Path) -> None:
    used = tmp_path / "used"
    used.mkdir()
    (used / "wuzhen.db").write_text("precious")
    result = CliRunner().invoke(
        app, ["demo", "--no-browser", "--port", str(free_port()), "--data-dir", str(used)]
    )
    assert isinstance(result.exception, InputError)
    assert "not an empty directory" in str(result.exception)
    assert (used / "wuzhen.db").read_text() == "precious"


def test_samples_ship_with_the_package() -> None:
    files = sample_files()
    assert [f.name for f in files] == list(SAMPLES)
    assert all(f.is_file() and f.stat().st_size > 0 for f in files)


def test_shifting_moves_every_date_by_whole_days() -> None:
    text = (
        "Nov 28 03:14:07 host sshd[1]: x\n"
        "Nov  2 03:14:07 host sshd[1]: y\n"
        '{"timestamp":"2026-11-28T08:12:01.412300+0000","flow":{"start":"2026-11-28T08:12:00"}}\n'
        '1.2.3.4 - - [28/Nov/2026:06:25:11 +0100] "GET / HTTP/1.1" 200 1\n'
        "1795316400.250000\tCx\t1.2.3.4\n"
        "#open\t2026-11-22-03-00-00\n"
    )
    moved = shift_text(text, 40)
    assert moved.splitlines() == [
        "Jan  7 03:14:07 host sshd[1]: x",
        "Dec 12 03:14:07 host sshd[1]: y",
        '{"timestamp":"2027-01-07T08:12:01.412300+0000","flow":{"start":"2027-01-07T08:12:00"}}',
        '1.2.3.4 - - [07/Jan/2027:06:25:11 +0100] "GET / HTTP/1.1" 200 1',
        f"{1795316400 + 40 * 86400}.250000\tCx\t1.2.3.4",
        "#open\t2027-01-01-03-00-00",
    ]
    assert shift_text(text, 0) == text


def test_samples_written_for_a_later_day_end_yesterday(
    sqlite_node: Node, clock: FixedClock, tmp_path: Path
) -> None:
    later = datetime(2027, 3, 15, 9, 0, tzinfo=UTC)
    files = write_samples(tmp_path / "samples", later)
    clock.set(later)
    report = sqlite_node.pipeline.ingest([str(f) for f in files], IngestOptions(owner="FR"))
    assert report.totals()["rejects"] == 0
    days = (
        sqlite_node.store.scan("events")
        .select("time.source")
        .collect()["time.source"]
        .dt.date()
        .unique()
        .sort()
        .to_list()
    )
    assert days[-1] == date(2027, 3, 14)
    assert (date(2027, 3, 14) - days[0]).days == (REFERENCE - date(2026, 11, 22)).days
