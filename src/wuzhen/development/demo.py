"""The worked example shipped for the demo: the figures China gave at the compact's founding
conference (July 2015: 668 million Internet users, 4.13 million websites, 93.5% of
administrative villages with Internet access) and its target (every administrative village
by 2020)."""

from __future__ import annotations

from datetime import datetime
from importlib.resources import files

from sqlalchemy.orm import Session

from wuzhen.development.imports import ImportReport, import_text
from wuzhen.development.service import set_target

FILE = "founding-conference.csv"
TARGET = ("CN", "villages-with-internet-pct", 100.0, 2020)


def load_demo(session: Session, *, actor: str, at: datetime) -> ImportReport:
    """Import the example's figures and set its target (running it again changes nothing
    but the target's time)."""
    text = files("wuzhen.development").joinpath("data", FILE).read_text(encoding="utf-8")
    report = import_text(session, text, "long", actor=actor, at=at, name=FILE)
    member, code, value, deadline = TARGET
    set_target(
        session,
        member,
        code,
        value,
        deadline,
        actor=actor,
        at=at,
        note="Every administrative village with Internet access by 2020.",
    )
    return report
