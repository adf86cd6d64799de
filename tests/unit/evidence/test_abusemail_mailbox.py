"""Mailboxes (#4): where an mbox message starts (RFC 4155 From_ lines).

Regression (tester report, ``box_unescaped_from.mbox``): a body paragraph "From our honeypot
..." that the exporter had not written as ">From" split its message, and the X-ARF report
after it was lost (one skip, one "not an e-mail message" reject).
"""

from __future__ import annotations

import pytest

from wuzhen.evidence.parsers._mailbox import messages
from wuzhen.evidence.parsers.abusemail import Xarf

XARF = Xarf()
FIRST = b"From abuse@honey.example Tue Nov 10 09:00:00 2026\n"


def _message(n: int, body: bytes = b"Dear abuse team,\n") -> bytes:
    return (
        b"From: Reporter <abuse@honey.example>\nTo: abuse@isp.example\n"
        + f"Message-ID: <m{n}@honey.example>\nSubject: report {n}\n\n".encode()
        + body
    )


@pytest.mark.parametrize(
    "line",
    [
        b"From our honeypot we saw the host below attacking us.",
        b"From 185.220.101.90 we saw 300 login attempts.",
        b"From Monday on, please answer within a day.",
        b"From abuse@honey.example yesterday at 10:00",
        b"From abuse@honey.example Nov 2026",
        b"From abuse@honey.example Tue Nov 10 2026",  # a date without a time
        b"From abuse@honey.example Tue Nov 10 09:00:00 2026, we saw",  # text after the date
    ],
)
def test_a_body_line_that_is_no_from_line_stays_in_its_message(line: bytes) -> None:
    message = _message(1, b"Dear abuse team,\n\n" + line + b"\n\nRegards\n")
    assert list(messages(FIRST + message + b"\n" + FIRST + _message(2))) == [
        message + b"\n",
        _message(2),
    ]


@pytest.mark.parametrize(
    "line",
    [
        FIRST,
        b"From fbl@mailbox.example Mon Jan  1 00:00:00 2024\n",  # day padded with a space
        b"From MAILER-DAEMON Fri Jul  8 12:08:34 2011\n",
        b"From - Tue Nov 10 09:00:00 2026\n",  # Thunderbird
        b"From 1786@xxx Tue Nov 10 09:00:00 +0000 2026\n",  # Gmail Takeout: zone before year
        b"From a@b.example Tue Nov 10 09:00:00 2026 +0100\n",
        b"From a@b.example Sat Jan  3 01:05:34 1996 PST\n",
        b"From a@b.example Tue Nov 10 09:00 2026\n",  # no seconds
        b"From a@b.example Nov 10 09:00:00 2026\n",  # no weekday
        b'From "J. Doe"@b.example Tue Nov 10 09:00:00 2026\n',
        b"From a@b.example Tue Nov 10 09:00:00 2026 remote from relay\n",
    ],
)
def test_well_formed_from_lines_after_a_blank_line_start_a_message(line: bytes) -> None:
    assert list(messages(FIRST + _message(1) + b"\n" + line + _message(2))) == [
        _message(1) + b"\n",
        _message(2),
    ]


def test_crlf_mailbox() -> None:
    one, two = (_message(n).replace(b"\n", b"\r\n") for n in (1, 2))
    sep = FIRST.replace(b"\n", b"\r\n")
    assert list(messages(sep + one + b"\r\n" + sep + two)) == [one + b"\r\n", two]


def test_a_from_line_not_after_a_blank_line_starts_no_message() -> None:
    data = FIRST + _message(1, b"Dear abuse team,\n" + FIRST)
    assert list(messages(data)) == [data.removeprefix(FIRST)]


def test_the_first_line_is_a_from_line_even_when_not_well_formed() -> None:
    assert list(messages(b"From someone\n" + _message(1))) == [_message(1)]


def test_an_eml_is_one_message_whatever_its_body_holds() -> None:
    data = _message(1, b"Hello,\n\n" + FIRST + b"more\n")
    assert list(messages(data)) == [data]


def test_unescaped_from_paragraph_keeps_the_xarf_report() -> None:
    """The tester's mailbox, reduced: the X-ARF JSON part after the paragraph is read."""
    report = (
        b'{"xarf_version": "4.2.0", "report_id": "r1", "timestamp": "2026-11-10T08:00:00Z",'
        b' "source_identifier": "185.220.101.90", "category": "connection",'
        b' "type": "login_attack"}'
    )
    mail = (
        b"From: Honeynet <abuse@honey.example>\nTo: abuse@isp.example\n"
        b"Date: Tue, 10 Nov 2026 09:00:00 +0100\nMessage-ID: <x4@honey.example>\n"
        b'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="B"\n\n'
        b"--B\nContent-Type: text/plain\n\nDear abuse team,\n\n"
        b"From our honeypot we saw the host below attacking us.\n\n"
        b"--B\nContent-Type: application/json\n\n" + report + b"\n--B--\n"
    )
    records = XARF.split_document(FIRST + mail + b"\n" + FIRST + mail)
    assert records["__bad"].to_list() == [None, None]
    assert all('"source_identifier":"185.220.101.90"' in r for r in records["line"])
