"""Writing events in the download formats: CSV, JSON lines, STIX 2.1."""

from __future__ import annotations

import enum
import importlib
import io
import json

import polars as pl
from fastapi import HTTPException
from fastapi.responses import Response

from wuzhen.i18n import _
from wuzhen.node import Node


class ExportFormat(enum.StrEnum):
    csv = "csv"
    jsonl = "jsonl"
    stix = "stix"


MEDIA = {
    ExportFormat.csv: "text/csv; charset=utf-8",
    ExportFormat.jsonl: "application/x-ndjson",
    ExportFormat.stix: "application/stix+json;version=2.1",
}
SUFFIX = {ExportFormat.csv: "csv", ExportFormat.jsonl: "jsonl", ExportFormat.stix: "json"}


def identity(member: str) -> str:
    """The producer a bundle names: the member exporting (a node serves several)."""
    return f"Wuzhen ({member})"


def stix_bundle(node: Node, events: pl.DataFrame, member: str) -> bytes:
    try:
        stix = importlib.import_module("wuzhen.evidence.export.stix")
    except ImportError as err:
        raise HTTPException(501, _("STIX export is not available on this node.")) from err
    notice = str(node.attributor.snapshot.meta.get("notice", ""))
    bundle = stix.to_stix_bundle(events, identity_name=identity(member), notice=notice)
    return json.dumps(bundle, ensure_ascii=False, default=str).encode()


def export_response(
    node: Node, events: pl.DataFrame, fmt: ExportFormat, name: str, member: str
) -> Response:
    """``events`` as a download; ``member``: who exports them (a STIX bundle's producer)."""
    if fmt is ExportFormat.stix:
        body = stix_bundle(node, events, member)
    else:
        sink = io.BytesIO()
        if fmt is ExportFormat.csv:
            events.write_csv(sink)
        else:
            events.write_ndjson(sink)
        body = sink.getvalue()
    disposition = f'attachment; filename="{name}.{SUFFIX[fmt]}"'
    return Response(body, media_type=MEDIA[fmt], headers={"Content-Disposition": disposition})
