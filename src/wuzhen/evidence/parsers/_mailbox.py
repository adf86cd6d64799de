"""Mailboxes and MIME parts, for the abuse-mail parsers (``abusemail``).

- :func:`messages`: the messages of an mbox (RFC 4155), or the one message of an ``.eml``.
  A message starts at a From_ line: the file's first line when it starts with ``From ``, then
  every *well-formed* From_ line after a blank line -- ``From``, the sender's address (or
  ``MAILER-DAEMON``, or ``-``) and an asctime date (``From a@b.example Thu Nov 20 10:00:00
  2026``). Mail programs write a body line that starts with ``From `` as ``>From ``, but not
  every exporter does: a paragraph that starts "From our honeypot ..." stays in its message.
- :func:`leaves`: the parts of a message that may hold a report (attached messages not walked).
- :func:`read_message`: a message, as the email package reads it, except that a ``message/*``
  part in base64 or quoted-printable (RFC 2046 allows neither; some ARF senders encode their
  ``message/feedback-report`` part anyway) is a leaf of encoded text, which :func:`part_text`
  decodes, not a message of its own whose header block would be the encoded text.
- :func:`part_text`: a part's text, decoded from its transfer encoding and charset.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser

NOT_WALKED = ("message/rfc822", "text/rfc822-headers", "message/global", "message/global-headers")
#: Content-Transfer-Encodings of text as it is, and those a ``message/*`` part is read in.
IDENTITY = frozenset(("", "7bit", "8bit", "binary"))
DECODED = frozenset(("base64", "quoted-printable"))

_DAY = rb"(?i:Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
_MONTH = rb"(?i:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
_ZONE = rb"(?:[+-]\d{4}|[A-Z]{1,5})"
_SENDER = rb'(?:"[^"\r\n]*"[^ \t\r\n]*|[^ \t\r\n]+)'
#: A From_ line: the sender, then an asctime date (a zone may stand before or after the year,
#: the weekday may be missing, as some writers do), at most UUCP's ``remote from HOST``.
FROM_LINE = (
    rb"From +(?:" + _SENDER + rb" +)?(?:" + _DAY + rb",? +)?" + _MONTH
    + rb" +\d{1,2} +\d{1,2}:\d{2}(?::\d{2})?(?: +" + _ZONE + rb")? +\d{4}(?: +" + _ZONE + rb")?"
    + rb"(?: +remote from [^ \t\r\n]+)?[ \t]*(?:\r?\n|\Z)"
)  # fmt: skip
SEPARATOR = re.compile(rb"(?:(?<=\n\n)|(?<=\r\n\r\n))" + FROM_LINE)


def messages(data: bytes) -> Iterator[bytes]:
    """The messages of an mbox (without their From_ lines), or the one message of an ``.eml``."""
    if not data.startswith(b"From "):
        yield data
        return
    # The first line is the first message's From_ line, well-formed or not: a header line has
    # a colon after its name, a body cannot come first.
    start = data.find(b"\n") + 1 or len(data)
    for line in SEPARATOR.finditer(data, start):
        yield data[start : line.start()]
        start = line.end()
    yield data[start:]


class _Message(EmailMessage):
    def get_content_maintype(self) -> str:
        # The parser reads what follows the header block of a part of main type "message" as
        # a message of its own; an encoded one is read as text instead (its type is unchanged).
        maintype = super().get_content_maintype()
        if maintype == "message" and transfer_encoding(self) in DECODED:
            return "text"
        return maintype


_PARSER = BytesParser(policy=policy.default.clone(message_factory=_Message))


def read_message(raw: bytes) -> Message:
    return _PARSER.parsebytes(raw)


def leaves(part: Message) -> Iterator[Message]:
    """The parts of a message that may hold a report, in order (attached messages not walked)."""
    ctype = part.get_content_type()
    if ctype in NOT_WALKED:
        return
    if part.get_content_maintype() == "multipart":
        for sub in part.get_payload():
            if isinstance(sub, Message):
                yield from leaves(sub)
        return
    yield part


def transfer_encoding(part: Message) -> str:
    """The part's Content-Transfer-Encoding, in lower case ("" when it states none)."""
    return " ".join(str(part.get("Content-Transfer-Encoding", "")).split()).lower()


def part_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset, errors="replace")
    except LookupError:
        return payload.decode("utf-8", errors="replace")
