"""The Reference Security Incident Taxonomy (RSIT), as IntelMQ harmonizes it.

``classification.type`` values and the ``classification.taxonomy`` each belongs to. Parsers
set the type; the taxonomy follows from it.
"""

from __future__ import annotations

import difflib

from wuzhen.errors import InputError
from wuzhen.i18n import _

TAXONOMY_OF_TYPE: dict[str, str] = {
    # abusive-content
    "spam": "abusive-content",
    "harmful-speech": "abusive-content",
    "violence": "abusive-content",
    # malicious-code
    "infected-system": "malicious-code",
    "c2-server": "malicious-code",
    "malware-distribution": "malicious-code",
    "malware-configuration": "malicious-code",
    # information-gathering
    "scanner": "information-gathering",
    "sniffing": "information-gathering",
    "social-engineering": "information-gathering",
    # intrusion-attempts
    "ids-alert": "intrusion-attempts",
    "brute-force": "intrusion-attempts",
    "exploit": "intrusion-attempts",
    # intrusions
    "privileged-account-compromise": "intrusions",
    "unprivileged-account-compromise": "intrusions",
    "application-compromise": "intrusions",
    "system-compromise": "intrusions",
    "burglary": "intrusions",
    # availability
    "ddos": "availability",
    "dos": "availability",
    "outage": "availability",
    "sabotage": "availability",
    # information-content-security
    "unauthorised-information-access": "information-content-security",
    "unauthorised-information-modification": "information-content-security",
    "data-loss": "information-content-security",
    "data-leak": "information-content-security",
    # fraud
    "unauthorized-use-of-resources": "fraud",
    "copyright": "fraud",
    "masquerade": "fraud",
    "phishing": "fraud",
    # vulnerable
    "weak-crypto": "vulnerable",
    "ddos-amplifier": "vulnerable",
    "potentially-unwanted-accessible": "vulnerable",
    "information-disclosure": "vulnerable",
    "vulnerable-system": "vulnerable",
    # other
    "blacklist": "other",
    "undetermined": "other",
    "unknown": "other",
    "other": "other",
    # test
    "test": "test",
}

TAXONOMIES: tuple[str, ...] = tuple(sorted(set(TAXONOMY_OF_TYPE.values())))
TYPES: tuple[str, ...] = tuple(sorted(TAXONOMY_OF_TYPE))


def classification(value: str) -> str:
    """``value`` (any case) as an RSIT classification type or taxonomy, or both as
    ``taxonomy/type`` (``other/other``: "other" and "test" name a taxonomy and one of its
    types, and alone select the taxonomy): an unknown one is an error naming the nearest, not
    a filter that matches nothing."""
    found = value.strip().lower()
    if found in TAXONOMY_OF_TYPE or found in TAXONOMIES:
        return found
    taxonomy, slash, kind = (part.strip() for part in found.partition("/"))
    if slash and TAXONOMY_OF_TYPE.get(kind) == taxonomy:
        return f"{taxonomy}/{kind}"
    if slash and taxonomy in TAXONOMIES:
        types = sorted(t for t, of in TAXONOMY_OF_TYPE.items() if of == taxonomy)
        msg = _("classification {value}: the types of {taxonomy} are {types}").format(
            value=value, taxonomy=taxonomy, types=", ".join(types)
        )
        raise InputError(msg)
    msg = _("classification {value}: not an RSIT classification type or taxonomy").format(
        value=value
    )
    near = difflib.get_close_matches(found, [*TYPES, *TAXONOMIES], n=3)
    if near:
        msg += _(" (did you mean {names}?)").format(names=_(" or ").join(near))
    raise InputError(msg)
