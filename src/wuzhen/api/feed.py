"""A member's notices as a feed: Atom 1.0 or JSON Feed 1.1."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from xml.etree import ElementTree as ET

from wuzhen.i18n import _
from wuzhen.notices.tables import Notice

ATOM = "http://www.w3.org/2005/Atom"


def _title(n: Notice) -> str:
    return _("{count} events from {owner}").format(count=n.events, owner=n.owner)


def _summary(n: Notice) -> str:
    by_type = n.counts.get("by_classification", {})
    kinds = ", ".join(f"{k}: {v}" for k, v in by_type.items())
    return _("Notice {id} for {member}, digest {digest}. {kinds}").format(
        id=n.id, member=n.member, digest=n.digest, kinds=kinds
    )


def atom(member: str, notices: Sequence[Notice], base: str, now: datetime) -> bytes:
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")

    def add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        el = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
        el.text = text
        return el

    add(feed, "id", f"urn:wuzhen:notices:{member}")
    add(feed, "title", _("Wuzhen notices for {member}").format(member=member))
    updated = max((n.created_at for n in notices), default=now)
    add(feed, "updated", updated.isoformat())
    add(feed, "link", rel="self", href=f"{base}/api/v1/notices/feed?format=atom")
    add(add(feed, "author"), "name", "Wuzhen")
    for n in notices:
        entry = add(feed, "entry")
        add(entry, "id", f"urn:wuzhen:notice:{n.id}")
        add(entry, "title", _title(n))
        add(entry, "updated", n.created_at.isoformat())
        add(entry, "link", rel="alternate", href=f"{base}/api/v1/notices/{n.id}")
        add(entry, "summary", _summary(n))
    return bytes(ET.tostring(feed, encoding="utf-8", xml_declaration=True))


def json_feed(member: str, notices: Sequence[Notice], base: str) -> bytes:
    body = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": _("Wuzhen notices for {member}").format(member=member),
        "feed_url": f"{base}/api/v1/notices/feed?format=json",
        "items": [
            {
                "id": f"urn:wuzhen:notice:{n.id}",
                "url": f"{base}/api/v1/notices/{n.id}",
                "title": _title(n),
                "content_text": _summary(n),
                "date_published": n.created_at.isoformat(),
                "_wuzhen": {"notice": n.id, "owner": n.owner, "events": n.events},
            }
            for n in notices
        ],
    }
    return json.dumps(body, ensure_ascii=False).encode()
