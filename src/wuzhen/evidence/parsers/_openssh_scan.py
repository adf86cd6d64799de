"""sshd messages classified by one compiled pass over their bytes.

:func:`scan` picks each message's rule exactly as :data:`wuzhen.evidence.parsers.openssh.RULES`
does (the first rule whose test holds), and for the rules that make nearly every event of a
real auth.log (failed passwords and methods, invalid users, PAM failures, disconnects before
authentication, probes without identification, connections closed before it) reads the groups
their regular expressions capture, after the level some messages start with (``error: ``,
``fatal: ``) as the rules do.
A message it is not sure of is left for the rule table, which stays the reference: a non-ASCII
byte, a ``message repeated`` line, a Solaris message id, a rule it does not read, or text its
rule's expressions might read some other way than the scanner. The scanner only ever answers
where the rule table would give the same answer (``tests/unit/evidence/test_openssh_scan.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
from numba import njit

from wuzhen.arrowtext import Column, buffers, views

I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]
U8 = npt.NDArray[np.uint8]

UNSURE = -2  # left for the rule table
NO_RULE = -1  # no rule's test holds

# The rules in the table's order: the scanner's rule numbers are indexes into it, and
# ``openssh`` checks at import that its table still has these names in this order.
RULE_NAMES = (
    "ssh-failed-password",  # 0
    "ssh-failed-auth",  # 1
    "ssh-invalid-user",  # 2
    "ssh-user-not-allowed",  # 3
    "no-source",  # 4
    "ssh-pam-failure",  # 5
    "ssh-pam-failure",  # 6
    "ssh-root-login-refused",  # 7
    "ssh-max-auth-attempts",  # 8
    "ssh-preauth-disconnect",  # 9
    "ssh-preauth-timeout",  # 10
    "ssh-no-identification",  # 11
    "ssh-bad-protocol",  # 12
    "ssh-negotiation-failed",  # 13
    "ssh-bad-banner",  # 14
    "ssh-no-identification",  # 15
    "ssh-bad-protocol",  # 16
    "ssh-scanner-version",  # 17
    "ssh-preauth-protocol-error",  # 18
    "ssh-penalty-failed-auth",  # 19
    "ssh-penalty-no-auth",  # 20
    "ssh-penalty-crash",  # 21
    "dropped",  # 22
    "accepted",  # 23
    "session",  # 24
    "disconnect",  # 25
    "reverse-dns",  # 26
    "service",  # 27
    "no-address",  # 28
)
# The groups the rules' expressions capture, in the order of ``Scanned.spans``' columns.
GROUPS = ("invalid", "user", "host", "port", "method")
_INVALID, _USER, _HOST, _PORT, _METHOD = range(len(GROUPS))


def _lit(s: str) -> U8:
    return np.frombuffer(s.encode(), np.uint8)


_REPEATED = _lit("message repeated ")
_MESSAGE_ID = _lit("[ID ")  # Solaris: left to the rule table
_ERROR = _lit("error: ")  # the level before some messages, which the rules do not read
_FATAL = _lit("fatal: ")
_FAILED_PASSWORD = _lit("Failed password for ")
_FAILED = _lit("Failed ")
_INVALID_USER = _lit("Invalid user ")
_ILLEGAL_USER = _lit("Illegal user ")
_RHOST = _lit("rhost=")
_ROOT_REFUSED = _lit("ROOT LOGIN REFUSED")
_PREAUTH = _lit("[preauth]")
_DISCONNECT_FROM = _lit("disconnect from ")
_DISCONNECTED_FROM = _lit("Disconnected from ")
_DISCONNECTING = _lit("Disconnecting ")
_AUTH_FAILURES = _lit("authentication failures;")  # the plural of a needle
_RECEIVED_DISCONNECT = _lit("Received disconnect from ")
_SP_PREAUTH = _lit(" [preauth]")
_CLOSED_BY = _lit("Connection closed by ")
_RESET_BY = _lit("Connection reset by ")
_TIMEOUT = _lit("Timeout before authentication for ")
_NO_IDENT = _lit("Did not receive identification string from ")
_BAD_PROTOCOL = _lit("Bad protocol version identification")
_NEGOTIATE = _lit("Unable to negotiate with ")
_BANNER = _lit("banner exchange: Connection from ")
_VERSIONS_DIFFER = _lit("Protocol major versions differ for ")
_PROBED = _lit("probed from ")
_SCANNED = _lit("scanned from ")
_DISPATCH_FATAL = _lit("ssh_dispatch_run_fatal: Connection from ")
_DROP = _lit("drop connection #")
_ACCEPTED = _lit("Accepted ")
_SESSION_OPENED = _lit("session opened")
_SESSION_CLOSED = _lit("session closed")
_ISCONNECT = _lit("isconnect")
_CLOSED = _lit("Connection closed")
_RESET = _lit("Connection reset")
_LISTENING = _lit("Server listening")
_SIGNAL = _lit("Received signal")
_STARTING = _lit("Starting ")
_EXITING = _lit("Exiting ")
# rules 10 to 14, in order, each tested by how the message starts
_STARTS_10_TO_14 = (_TIMEOUT, _NO_IDENT, _BAD_PROTOCOL, _NEGOTIATE, _BANNER)
_FROM_SP = _lit("from ")
_BY_SP = _lit("by ")
_SP_FROM_SP = _lit(" from ")
_SP_FOR_SP = _lit(" for ")
_SP_PORT_SP = _lit(" port ")
_SP_SSH = _lit(" ssh")
# What must follow HOST and its port (see ``_host_port``)
_ANY, _SSHD, _PREAUTH_END, _PORT_END = range(4)
# Text the tests look for anywhere in a message, each found by a byte of it that is rare in
# sshd's messages (its anchor): one pass over a message looks up each byte in a table of the
# anchors and checks the text around the few places it finds. The other tests' text is common
# letters; it is searched for only when a test needs it.
_NEEDLES = (  # (text, its anchor)
    (" not allowed because ", "w"),
    ("authentication failure;", ";"),
    ("rhost=", "="),
    ("PAM: ", "M"),  # rule 6 tests for more after it: not sure when found
    ("maximum authentication attempts exceeded", "x"),
    ("reverse mapping checking", "v"),
    ("POSSIBLE BREAK-IN ATTEMPT", "K"),
)
(
    _N_NOT_ALLOWED,
    _N_AUTH_FAILURE,
    _N_RHOST,
    _N_PAM_FAILURE,
    _N_MAX_ATTEMPTS,
    _N_REVERSE,
    _N_BREAK_IN,
) = range(len(_NEEDLES))
_NEEDLE_BYTES = np.zeros((len(_NEEDLES), max(len(t) for t, _ in _NEEDLES)), np.uint8)
_NEEDLE_LENGTHS = np.array([len(t) for t, _ in _NEEDLES], np.int64)
_ANCHOR_AT = np.array([t.index(c) for t, c in _NEEDLES], np.int64)  # the anchor's place
_NOT_ASCII = -2
_BY_ANCHOR = np.full(256, -1, np.int8)  # each byte: the needle it anchors, -1, or _NOT_ASCII
_BY_ANCHOR[128:] = _NOT_ASCII
for _j, (_t, _c) in enumerate(_NEEDLES):
    _NEEDLE_BYTES[_j, : len(_t)] = np.frombuffer(_t.encode(), np.uint8)
    assert _BY_ANCHOR[ord(_c)] == -1, "each needle needs an anchor of its own"
    _BY_ANCHOR[ord(_c)] = _j
# after the needles: the place of some "rhost=" followed by a space or the end, and of some
# followed by text (-1: none)
_RHOST_SPACE = len(_NEEDLES)
_RHOST_TEXT = len(_NEEDLES) + 1
_FOUND = len(_NEEDLES) + 2
_LOWER_INVALID_USER = _lit("invalid user ")
_LOWER_ILLEGAL_USER = _lit("illegal user ")
_AUTHENTICATING_USER = _lit("authenticating user ")


@dataclass(frozen=True, slots=True)
class Scanned:
    """Per message: its rule (an index into the table, ``NO_RULE`` or ``UNSURE``) and where
    each of :data:`GROUPS` lies in ``data`` (start and end byte; start -1: not captured)."""

    rule: I32
    spans: I64  # shape (n, 2 * len(GROUPS)): each group's start and end, group after group
    data: U8


def scan(messages: Column) -> Scanned:
    t = buffers(messages)
    n = len(t)
    rule = np.full(n, UNSURE, np.int32)
    spans = np.empty((n, 2 * len(GROUPS)), np.int64)  # the kernel writes every place
    _scan(t.offsets, t.data, t.valid, rule, spans)
    return Scanned(rule, spans, t.data)


def groups(s: Scanned, rows: I64) -> dict[str, pa.Array]:
    """The text of each of :data:`GROUPS` in the messages ``rows`` (null where not captured),
    as views into the messages."""
    spans = np.ascontiguousarray(s.spans[rows].T)  # a row per start and per end
    return {
        g: views(s.data, spans[2 * j], spans[2 * j + 1], spans[2 * j] >= 0)
        for j, g in enumerate(GROUPS)
    }


@njit(cache=True, nogil=True)
def _scan(offsets: I64, data: U8, valid: npt.NDArray[np.bool_], rule: I32, spans: I64) -> None:
    found = np.empty(_FOUND, np.int64)
    for i in range(valid.shape[0]):
        spans[i, :] = -1
        if not valid[i]:
            continue
        a = offsets[i]
        b = offsets[i + 1]
        if _starts(data, a, b, _MESSAGE_ID):
            continue
        if _starts(data, a, b, _ERROR) or _starts(data, a, b, _FATAL):
            a += len(_ERROR)
        r = _choose_by_start(data, a, b)  # rules 0-2 need no search through the message
        if r == NO_RULE:
            if _starts(data, a, b, _REPEATED) or not _locate(data, a, b, found):
                continue
            r = _choose(data, a, b, found)
        elif not _ascii(data, a, b):
            continue
        if r == 0:
            ok = _user_from_host(data, a + len(_FAILED_PASSWORD), b, True, spans, i)
        elif r == 1:
            m0 = a + len(_FAILED)
            m1 = m0
            while m1 < b and not _is_space(data[m1]):
                m1 += 1
            ok = m1 > m0 and _starts(data, m1, b, _SP_FOR_SP)
            if ok:
                spans[i, 2 * _METHOD] = m0
                spans[i, 2 * _METHOD + 1] = m1
                ok = _user_from_host(data, m1 + len(_SP_FOR_SP), b, True, spans, i)
        elif r == 2:
            ok = _user_from_host(data, a + len(_INVALID_USER), b, False, spans, i)
            spans[i, 2 * _INVALID] = a  # (?P<invalid>(?:Invalid|Illegal) user )
            spans[i, 2 * _INVALID + 1] = a + len(_INVALID_USER)
        elif r == 5:  # rhost=(?P<host>\S+): no "rhost=" is followed by a space (rule 4)
            h0 = found[_N_RHOST] + len(_RHOST)
            h1 = h0
            while h1 < b and not _is_space(data[h1]):
                h1 += 1
            ok = h1 > h0
            spans[i, 2 * _HOST] = h0
            spans[i, 2 * _HOST + 1] = h1
        elif r == 9:  # "Disconnecting ..." is rare: the rule table reads it
            ok = not _starts(data, a, b, _DISCONNECTING) and _preauth_disconnect(
                data, a, b, spans, i
            )
        elif r == 11:
            p = _find(data, a, b, _FROM_SP)
            ok = p >= 0 and _host_port(data, p + len(_FROM_SP), b, _ANY, spans, i) == 1
        elif r == 15:  # its test holds: "Connection closed by " or "... reset by ", then HOST
            p = a + (len(_CLOSED_BY) if _starts(data, a, b, _CLOSED_BY) else len(_RESET_BY))
            ok = _host_port(data, p, b, _PORT_END, spans, i) == 1
        elif r in (3, 6, 7, 8, 10, 12, 13, 14) or 16 <= r <= 22:
            ok = False  # rare messages: the rule table reads them
        else:  # a skip rule, or none
            ok = True
        if ok:
            rule[i] = r
        else:
            spans[i, :] = -1


@njit(cache=True, nogil=True)
def _locate(data: U8, a: int, b: int, found: I64) -> bool:
    """Where each needle first occurs in ``data[a:b]`` (-1: nowhere), and the ``rhost=``
    places; False (not sure) when the message has a byte that is not ASCII."""
    found[:] = -1
    for k in range(a, b):
        j = _BY_ANCHOR[data[k]]
        if j == -1:
            continue
        if j == _NOT_ASCII:
            return False
        start = k - _ANCHOR_AT[j]
        if start < a or (found[j] >= 0 and j != _N_RHOST):
            continue
        n = _NEEDLE_LENGTHS[j]
        if not _starts(data, start, b, _NEEDLE_BYTES[j, :n]):
            # or "authentication failures;" (a count of the session's other failures)
            plural = j == _N_AUTH_FAILURE and start > a
            if not (plural and _starts(data, start - 1, b, _AUTH_FAILURES)):
                continue
            start -= 1
        if found[j] < 0:
            found[j] = start
        if j == _N_RHOST:
            q = start + n
            found[_RHOST_SPACE if q >= b or _is_space(data[q]) else _RHOST_TEXT] = start
    return True


@njit(cache=True, nogil=True)
def _choose_by_start(data: U8, a: int, b: int) -> int:
    """Rules 0-2, the first of the table, test how the message starts; else ``NO_RULE``."""
    if b - a < 7:
        return NO_RULE
    c = data[a]
    if c == 70:  # "F"
        if _starts(data, a, b, _FAILED_PASSWORD):
            return 0
        if _starts(data, a, b, _FAILED):
            return 1
    elif c == 73 and (_starts(data, a, b, _INVALID_USER) or _starts(data, a, b, _ILLEGAL_USER)):
        return 2
    return NO_RULE


@njit(cache=True, nogil=True)
def _ascii(data: U8, a: int, b: int) -> bool:
    for k in range(a, b):  # noqa: SIM110 - a loop numba compiles
        if data[k] >= 128:
            return False
    return True


@njit(cache=True, nogil=True)
def _choose(data: U8, a: int, b: int, found: I64) -> int:
    """The first rule after rules 0-2 whose test holds for ``data[a:b]``, or ``NO_RULE``."""
    if found[_N_NOT_ALLOWED] >= 0:
        return 3
    if found[_N_AUTH_FAILURE] >= 0:
        if found[_RHOST_SPACE] >= 0:
            return 4
        if found[_N_RHOST] >= 0:
            return 5
    if found[_N_PAM_FAILURE] >= 0:
        return 6
    if _starts(data, a, b, _ROOT_REFUSED):
        return 7
    if found[_N_MAX_ATTEMPTS] >= 0:
        return 8
    if _ends(data, a, b, _PREAUTH) and (
        _find(data, a, b, _DISCONNECT_FROM) >= 0
        or _starts(data, a, b, _DISCONNECTED_FROM)
        or _starts(data, a, b, _DISCONNECTING)
        or _starts(data, a, b, _CLOSED_BY)
        or _starts(data, a, b, _RESET_BY)
    ):
        return 9
    for j, start in enumerate(_STARTS_10_TO_14):
        if _starts(data, a, b, start):
            return 10 + j
    if _banner_closed(data, a, b):
        return 15
    if _starts(data, a, b, _VERSIONS_DIFFER):
        return 16
    if _starts(data, a, b, _PROBED) or _starts(data, a, b, _SCANNED):
        return 17
    if _starts(data, a, b, _DISPATCH_FATAL) and _ends(data, a, b, _PREAUTH):
        return 18
    if _starts(data, a, b, _DROP):
        return 19  # or 20 to 22: the rule table tells them apart
    if _starts(data, a, b, _ACCEPTED):
        return 23
    if _find(data, a, b, _SESSION_OPENED) >= 0 or _find(data, a, b, _SESSION_CLOSED) >= 0:
        return 24
    if (
        _find(data, a, b, _ISCONNECT) >= 0
        or _starts(data, a, b, _CLOSED)
        or _starts(data, a, b, _RESET)
    ) and not _ends(data, a, b, _PREAUTH):
        return 25
    if found[_N_REVERSE] >= 0 or found[_N_BREAK_IN] >= 0:
        return 26
    if (
        _starts(data, a, b, _LISTENING)
        or _starts(data, a, b, _SIGNAL)
        or _starts(data, a, b, _STARTING)
        or _starts(data, a, b, _EXITING)
    ):
        return 27
    if not (found[_RHOST_TEXT] >= 0 or _has_address(data, a, b)):
        return 28
    return NO_RULE


@njit(cache=True, nogil=True)
def _banner_closed(data: U8, a: int, b: int) -> bool:
    r"""Rule 15's test: ``^Connection (?:closed|reset) by \S+ port \d+$`` (ASCII)."""
    if _starts(data, a, b, _CLOSED_BY):
        p = a + len(_CLOSED_BY)
    elif _starts(data, a, b, _RESET_BY):
        p = a + len(_RESET_BY)
    else:
        return False
    k = p
    while k < b and not _is_space(data[k]):
        k += 1
    if k == p or not _starts(data, k, b, _SP_PORT_SP):
        return False
    d0 = k + len(_SP_PORT_SP)
    d1 = d0
    while d1 < b and _is_digit(data[d1]):
        d1 += 1
    return d0 < d1 == b


@njit(cache=True, nogil=True)
def _has_address(data: U8, a: int, b: int) -> bool:
    r"""``\d+\.\d+\.\d+\.\d+|[0-9A-Fa-f]*:[0-9A-Fa-f]*:|from \S`` occurs (ASCII)."""
    p = _find(data, a, b, _FROM_SP)
    while p >= 0:
        q = p + len(_FROM_SP)
        if q < b and not _is_space(data[q]):
            return True
        p = _find(data, p + 1, b, _FROM_SP)
    for k in range(a, b):
        if data[k] == 58:  # ":" then hex digits then ":"
            j = k + 1
            while j < b and _is_hex(data[j]):
                j += 1
            if j < b and data[j] == 58:
                return True
        elif _is_digit(data[k]) and (k == a or not _is_digit(data[k - 1])):
            j = k
            for dot in range(4):  # digits, then three times "." and digits
                if dot > 0:
                    if j >= b or data[j] != 46:
                        break
                    j += 1
                d0 = j
                while j < b and _is_digit(data[j]):
                    j += 1
                if j == d0:
                    break
                if dot == 3:
                    return True
    return False


@njit(cache=True, nogil=True)
def _user_from_host(data: U8, p: int, b: int, invalid: bool, spans: I64, i: int) -> bool:
    r"""``(?P<invalid>(?:invalid|illegal) user )?(?P<user>.*?) from HOST`` at ``p`` (the invalid
    group only when ``invalid``), then as the rule's first expression `` port \d+`` ending the
    message as sshd ends it (``ENDED`` in ``openssh``), else as its second an optional port.
    Not sure (False) when the reading with the invalid group fails, or when the text after it
    starts with ``from ``: the expressions would then read the group as part of the user."""
    u = p
    if invalid and (
        _starts(data, p, b, _LOWER_INVALID_USER) or _starts(data, p, b, _LOWER_ILLEGAL_USER)
    ):
        u = p + len(_LOWER_INVALID_USER)
        if _starts(data, u, b, _FROM_SP):
            return False
        spans[i, 2 * _INVALID] = p
        spans[i, 2 * _INVALID + 1] = u
    for tail in (_SSHD, _ANY):  # the rule's two expressions
        k = _find(data, u, b, _SP_FROM_SP)
        while k >= 0:  # the user is the shortest text before a " from " that a host follows
            if _host_port(data, k + len(_SP_FROM_SP), b, tail, spans, i) == 1:
                spans[i, 2 * _USER] = u
                spans[i, 2 * _USER + 1] = k
                return True
            k = _find(data, k + 1, b, _SP_FROM_SP)
    return False


@njit(cache=True, nogil=True)
def _preauth_disconnect(data: U8, a: int, b: int, spans: I64, i: int) -> bool:
    """The rule's first expression (a message as sshd writes it), else its second."""
    p = -1
    for opening in (_RECEIVED_DISCONNECT, _DISCONNECTED_FROM, _CLOSED_BY, _RESET_BY):
        if _starts(data, a, b, opening):
            p = a + len(opening)
    if p < 0:
        return _preauth_disconnect_anywhere(data, a, b, spans, i)
    u = _after_user_word(data, p, b)
    if u < 0:
        found = _host_port(data, p, b, _PREAUTH_END, spans, i)
    else:  # the user is the shortest text before a space that a host and the end follow
        found = 0
        k = u
        while k < b and found == 0:
            if data[k] == 32:
                found = _host_port(data, k + 1, b, _PREAUTH_END, spans, i)
                if found == 1:
                    spans[i, 2 * _USER] = u
                    spans[i, 2 * _USER + 1] = k
                    _invalid_user(data, p, b, spans, i)
            k += 1
    if found == 0:
        return _preauth_disconnect_anywhere(data, a, b, spans, i)
    return found == 1


@njit(cache=True, nogil=True)
def _after_user_word(data: U8, p: int, b: int) -> int:
    """Where the user name starts after ``invalid user `` or ``authenticating user `` at ``p``,
    or -1."""
    if _starts(data, p, b, _LOWER_INVALID_USER):
        return p + len(_LOWER_INVALID_USER)
    if _starts(data, p, b, _AUTHENTICATING_USER):
        return p + len(_AUTHENTICATING_USER)
    return -1


@njit(cache=True, nogil=True)
def _preauth_disconnect_anywhere(data: U8, a: int, b: int, spans: I64, i: int) -> bool:
    r"""``(?:from|by) (?:(?:invalid|authenticating) user (?P<user>\S*) )?HOST PORT`` where
    ``from``/``by`` first occurs. Not sure when that reading fails (the expression would go
    on to later places, or read the user's words as the host)."""
    p = _find(data, a, b, _FROM_SP)
    q = _find(data, a, b if p < 0 else p, _BY_SP)  # only before "from " matters
    if p < 0 or (0 <= q < p):
        p = q
        if p < 0:
            return False
        p += len(_BY_SP)
    else:
        p += len(_FROM_SP)
    u = _after_user_word(data, p, b)
    if u < 0:
        return _host_port(data, p, b, _ANY, spans, i) == 1
    k = u
    while k < b and not _is_space(data[k]):
        k += 1
    if k >= b or data[k] != 32 or _host_port(data, k + 1, b, _ANY, spans, i) != 1:
        return False
    spans[i, 2 * _USER] = u
    spans[i, 2 * _USER + 1] = k
    _invalid_user(data, p, b, spans, i)
    return True


@njit(cache=True, nogil=True)
def _invalid_user(data: U8, p: int, b: int, spans: I64, i: int) -> None:
    """The invalid group of ``(?:(?P<invalid>invalid user )|authenticating user )`` at ``p``
    (``SESSION_USER`` in ``openssh``)."""
    if _starts(data, p, b, _LOWER_INVALID_USER):
        spans[i, 2 * _INVALID] = p
        spans[i, 2 * _INVALID + 1] = p + len(_LOWER_INVALID_USER)


@njit(cache=True, nogil=True)
def _host_port(data: U8, p: int, b: int, tail: int, spans: I64, i: int) -> int:
    r"""HOST, then `` port \d+``, then what ``tail`` asks: nothing more (``_ANY``, the port
    optional); the port and ``(?: ssh\d?)?(?:$|: )`` (``_SSHD``); the end, `` [preauth]``
    and the end, or ``:`` (``_PREAUTH_END``, the port optional); or the port and the end
    (``_PORT_END``). HOST's alternatives are tried
    in order (an IPv6-like address, then a name or IPv4 address), each as long as it goes: a
    shorter one would be followed by more of itself, never by a space. Returns 1 (read), 0 (no
    match) or -1 (not sure: with ``_PREAUTH_END`` an address could also end earlier, at a
    ``:``)."""
    colon, name = _host_ends(data, p, b)
    for end in (colon, name):
        if end < 0:
            continue
        d0 = end + len(_SP_PORT_SP)
        d1 = d0
        if _starts(data, end, b, _SP_PORT_SP):
            while d1 < b and _is_digit(data[d1]):
                d1 += 1
        after = d1 if d1 > d0 else end
        if tail == _SSHD:
            ok = d1 > d0 and _ends_as_sshd(data, d1, b)
        elif tail == _PORT_END:
            ok = d0 < d1 == b
        elif tail == _PREAUTH_END:
            ok = (
                after == b
                or data[after] == 58
                or (_starts(data, after, b, _SP_PREAUTH) and after + len(_SP_PREAUTH) == b)
            )
        else:
            ok = True
        if ok:
            spans[i, 2 * _HOST] = p
            spans[i, 2 * _HOST + 1] = end
            if d1 > d0:
                spans[i, 2 * _PORT] = d0
                spans[i, 2 * _PORT + 1] = d1
            return 1
        if tail == _PREAUTH_END and end == colon:
            return -1
    return 0


@njit(cache=True, nogil=True)
def _host_ends(data: U8, p: int, b: int) -> tuple[int, int]:
    """Where each alternative of HOST ends at ``p`` (-1: it does not match)."""
    colon = -1  # [0-9A-Fa-f]*:[0-9A-Fa-f:.]*[0-9A-Fa-f] and ZONE
    k = p
    while k < b and _is_hex(data[k]):
        k += 1
    if k < b and data[k] == 58:
        k += 1
        while k < b and (_is_hex(data[k]) or data[k] == 58 or data[k] == 46):
            if _is_hex(data[k]):
                colon = k + 1
            k += 1
    if 0 <= colon < b and data[colon] == 37:  # (?:%[0-9A-Za-z_.-]+)?: a link-local's zone
        k = colon + 1
        while k < b and (_is_alnum(data[k]) or data[k] == 95 or data[k] == 46 or data[k] == 45):
            k += 1
        if k > colon + 1:
            colon = k
    name = -1  # [A-Za-z0-9](?:[\w.-]*[A-Za-z0-9])?
    if p < b and _is_alnum(data[p]):
        name = p + 1
        k = p + 1
        while k < b and (_is_alnum(data[k]) or data[k] == 95 or data[k] == 46 or data[k] == 45):
            if _is_alnum(data[k]):
                name = k + 1
            k += 1
    return colon, name


@njit(cache=True, nogil=True)
def _ends_as_sshd(data: U8, k: int, b: int) -> bool:
    r"""``(?: ssh\d?)?(?:$|: )`` matches at ``k``, trying each way the optional parts read."""
    if _starts(data, k, b, _SP_SSH):
        e = k + len(_SP_SSH)
        if e < b and _is_digit(data[e]) and _ends_message(data, e + 1, b):
            return True
        if _ends_message(data, e, b):
            return True
    return _ends_message(data, k, b)


@njit(cache=True, nogil=True)
def _ends_message(data: U8, k: int, b: int) -> bool:
    return k == b or (k + 1 < b and data[k] == 58 and data[k + 1] == 32)  # end, or ": "


@njit(cache=True, nogil=True)
def _starts(data: U8, a: int, b: int, lit: U8) -> bool:
    n = lit.shape[0]
    if b - a < n:
        return False
    for k in range(n):  # noqa: SIM110 - a loop numba compiles
        if data[a + k] != lit[k]:
            return False
    return True


@njit(cache=True, nogil=True)
def _ends(data: U8, a: int, b: int, lit: U8) -> bool:
    return b - a >= lit.shape[0] and _starts(data, b - lit.shape[0], b, lit)


@njit(cache=True, nogil=True)
def _find(data: U8, a: int, b: int, lit: U8) -> int:
    """The first position of ``lit`` in ``data[a:b]``, or -1."""
    first = lit[0]
    for k in range(a, b - lit.shape[0] + 1):
        if data[k] == first and _starts(data, k, b, lit):
            return k
    return -1


@njit(cache=True, nogil=True)
def _is_space(c: int) -> bool:
    return c == 32 or 9 <= c <= 13


@njit(cache=True, nogil=True)
def _is_digit(c: int) -> bool:
    return 48 <= c <= 57


@njit(cache=True, nogil=True)
def _is_hex(c: int) -> bool:
    return 48 <= c <= 57 or 65 <= c <= 70 or 97 <= c <= 102


@njit(cache=True, nogil=True)
def _is_alnum(c: int) -> bool:
    return 48 <= c <= 57 or 65 <= c <= 90 or 97 <= c <= 122
