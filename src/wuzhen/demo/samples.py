"""The sample evidence shipped for the demo, moved in time so that it is always recent.

The files in ``samples/`` are real formats (an OpenSSH auth.log, a Suricata EVE file, a Zeek
conn log, a ufw log, a web access log) written by the project, dated up to ``REFERENCE``.
:func:`write_samples` copies them with every date moved by the same number of whole days,
so the last sample day is yesterday: the events fall inside the retention rule and the
dashboard shows the last week. Times of day are kept.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from importlib import resources
from pathlib import Path

REFERENCE = date(2026, 11, 28)  # the last day the samples hold
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
SAMPLES = ("auth.log", "eve.json", "conn.log", "ufw.log", "access.log")

# 2026-11-22T08:12:01 (EVE, ISO syslog) and 2026-11-22-03-00-00 (Zeek's #open/#close)
_ISO = re.compile(r"(?<![\d.])(\d{4})-(\d{2})-(\d{2})(?=[T-])")
# [22/Nov/2026:06:25:11 +0100] (access logs)
_CLF = re.compile(r"\[(\d{2})/([A-Z][a-z]{2})/(\d{4}):")
# Nov 22 06:25:11 host ... (BSD syslog: no year, the reference year is meant)
_BSD = re.compile(r"^([A-Z][a-z]{2}) ([ \d]\d)(?= \d{2}:\d{2}:\d{2} )", re.MULTILINE)
# 1795316400.000000<TAB> (Zeek's ts in TSV logs, seconds since the epoch)
_EPOCH = re.compile(r"^(\d{10})(\.\d+)?(?=\t)", re.MULTILINE)


def sample_files() -> list[Path]:
    root = resources.files("wuzhen.demo") / "samples"
    return [Path(str(root / name)) for name in SAMPLES]


def shift_text(text: str, days: int) -> str:
    """``text`` with every sample date moved by ``days`` days."""
    delta = timedelta(days=days)

    def iso(m: re.Match[str]) -> str:
        d = date(int(m[1]), int(m[2]), int(m[3])) + delta
        return d.isoformat()

    def clf(m: re.Match[str]) -> str:
        d = date(int(m[3]), MONTHS.index(m[2]) + 1, int(m[1])) + delta
        return f"[{d.day:02d}/{MONTHS[d.month - 1]}/{d.year}:"

    def bsd(m: re.Match[str]) -> str:
        d = date(REFERENCE.year, MONTHS.index(m[1]) + 1, int(m[2])) + delta
        return f"{MONTHS[d.month - 1]} {d.day:>2}"

    def epoch(m: re.Match[str]) -> str:
        return f"{int(m[1]) + days * 86400}{m[2] or ''}"

    subs: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
        (_ISO, iso),
        (_CLF, clf),
        (_BSD, bsd),
        (_EPOCH, epoch),
    ]
    for pattern, fn in subs:
        text = pattern.sub(fn, text)
    return text


def write_samples(target: Path, now: datetime) -> list[Path]:
    """Write the samples into ``target``, their last day moved to the day before ``now``."""
    days = (now.date() - timedelta(days=1) - REFERENCE).days
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for source in sample_files():
        out = target / source.name
        out.write_text(shift_text(source.read_text(encoding="utf-8"), days), encoding="utf-8")
        written.append(out)
    return written
