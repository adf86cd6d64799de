"""``/evidence``: the caller member's evidence files; uploading runs the pipeline with the
caller's member as owner; retracting withdraws a file's events and rejects."""

from __future__ import annotations

import secrets
import shutil
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path as FilePath
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, File, Form, Path, UploadFile
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from wuzhen.api.deps import MemberAccountDep, NodeDep
from wuzhen.api.models import ERRORS, Page, PageDep
from wuzhen.errors import InputError
from wuzhen.evidence.ingest import FileSummary, IngestOptions
from wuzhen.evidence.inputs import renamed
from wuzhen.evidence.parsers import FormatNotRecognised
from wuzhen.evidence.retraction import retract
from wuzhen.evidence.tables import Evidence
from wuzhen.i18n import _
from wuzhen.schema.tlp import TLP

router = APIRouter(prefix="/evidence", tags=["evidence"], responses=ERRORS)
MAX_FILES = 20
MAX_UPLOAD = 4 * 1024**3  # bytes, all files of one upload together
CHUNK = 1 << 20
T = TypeVar("T")


class EvidencePublic(BaseModel):
    id: str
    ingest_id: str
    sha256: str
    name: str
    format: str
    feed: str | None
    size: int
    records: int
    events: int
    duplicates: int
    skipped: int
    skipped_reasons: dict[str, int]
    rejects: int
    ingested_at: datetime
    retracted_at: datetime | None


class EvidencePage(Page[EvidencePublic]):
    pass


class FileSummaryPublic(BaseModel):
    """What became of one uploaded file: records = events + duplicates + skipped + rejects."""

    name: str
    evidence_id: str
    sha256: str
    format: str
    size: int
    records: int
    events: int
    duplicates: int
    skipped: int
    rejects: int
    skipped_reasons: dict[str, int]
    reject_reasons: dict[str, int]


class RoutesPublic(BaseModel):
    """Where the new events went: the events routed to each member (the caller's own member
    included; the others get them as notices), most first; those routed to none (no member
    answers for the source's country) and, of these, those whose source has no country (a
    private, reserved or unknown address, or none); those kept with the owner by their
    marking."""

    members: dict[str, int]
    unrouted: int
    no_country: int
    kept: int


class UnreadPublic(BaseModel):
    name: str
    reason: str = Field(description="Why it was not read (`empty: nothing to ingest`, say).")


class IngestPublic(BaseModel):
    ingest_id: str | None = Field(description="Null when nothing was read (only empty files).")
    files: list[FileSummaryPublic]
    unread: list[UnreadPublic] = Field(description="The files uploaded and not read, with why.")
    totals: dict[str, int]
    routes: RoutesPublic


class RetractionPublic(BaseModel):
    """What left the store (``removed``: rows per dataset) and what stayed, held by another of
    the owner's files too (``kept``: now that file's)."""

    sha256: str
    owner: str
    evidence_ids: list[str]
    removed: dict[str, int]
    kept: dict[str, int]


def _public(e: Evidence) -> EvidencePublic:
    return EvidencePublic(
        id=e.id,
        ingest_id=e.ingest_id,
        sha256=e.sha256,
        name=FilePath(e.name).name,  # never the server's paths
        format=e.format,
        feed=e.feed,
        size=e.size,
        records=e.records,
        events=e.events,
        duplicates=e.duplicates,
        skipped=e.skipped,
        skipped_reasons=dict(e.skipped_reasons),
        rejects=e.rejects,
        ingested_at=e.ingested_at,
        retracted_at=e.retracted_at,
    )


def _summary(f: FileSummary) -> FileSummaryPublic:
    d = f.as_dict()
    return FileSummaryPublic(name=d.pop("path"), **d)


@router.get("", response_model=EvidencePage, summary="The caller member's evidence files")
def list_evidence(node: NodeDep, caller: MemberAccountDep, page: PageDep) -> EvidencePage:
    stmt = select(Evidence).where(Evidence.owner == caller.member)
    with node.db.session() as s:
        total = s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        rows = s.scalars(
            stmt.order_by(Evidence.ingested_at.desc(), Evidence.id)
            .offset(page.offset)
            .limit(page.limit)
        )
        items = [_public(e) for e in rows]
    return EvidencePage(items=items, total=total, limit=page.limit, offset=page.offset)


def in_own_thread(work: Callable[[], T]) -> T:
    """Run ``work`` on a thread of its own that ends with it.

    Parsers keep per-thread DuckDB connections; one left in a server's long-lived worker
    thread is destroyed when the process exits and aborts it (SIGABRT). A thread that ends
    normally releases its connection safely.
    """
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["result"] = work()
        except BaseException as err:  # handed to the caller's thread below
            box["error"] = err

    thread = threading.Thread(target=run, name="ingest-upload")
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["result"]  # type: ignore[no-any-return]


def _safe_name(given: str | None, i: int) -> str:
    """The uploaded file's own name (kept as the evidence's name), made safe as a file name."""
    name = "".join(c for c in (given or "").replace("\\", "/").split("/")[-1] if c.isprintable())
    name = name.encode()[:200].decode(errors="ignore").strip()
    return name if name not in ("", ".", "..") else f"upload-{i + 1}"


def _save(uploads: list[UploadFile], folder: FilePath) -> list[tuple[FilePath, str]]:
    saved: list[tuple[FilePath, str]] = []
    total = 0
    for i, upload in enumerate(uploads):
        name = _safe_name(upload.filename, i)
        path = folder / f"{i:02d}" / name
        path.parent.mkdir()
        with path.open("wb") as out:
            while chunk := upload.file.read(CHUNK):
                total += len(chunk)
                if total > MAX_UPLOAD:
                    raise InputError(_("The upload is larger than this node accepts."))
                out.write(chunk)
        saved.append((path, name))
    return saved


@router.post(
    "",
    response_model=IngestPublic,
    status_code=201,
    summary="Upload evidence files: the pipeline runs with the caller's member as owner",
)
def upload_evidence(
    node: NodeDep,
    caller: MemberAccountDep,
    files: Annotated[
        list[UploadFile], File(description="Evidence files (gzip and one-file zip accepted).")
    ],
    tlp: Annotated[TLP, Form(description="Marking of records that carry none.")] = TLP.AMBER,
    restrict: Annotated[
        TLP | None, Form(description="No event is marked less restrictively than this.")
    ] = None,
    format: Annotated[
        str | None, Form(max_length=64, description="Parser to use (default: detected).")
    ] = None,
) -> IngestPublic:
    if not files or len(files) > MAX_FILES:
        raise InputError(_("Upload 1 to {n} files.").format(n=MAX_FILES))
    folder = node.settings.data_dir / "uploads" / secrets.token_hex(8)
    folder.mkdir(parents=True)
    names: dict[str, str] = {}  # saved path -> the name the caller gave
    try:
        names = {str(p): n for p, n in _save(files, folder)}
        options = IngestOptions(owner=caller.code, tlp=tlp, restrict=restrict, format=format)
        report = in_own_thread(lambda: node.pipeline.ingest(list(names), options, names=names))
    except FormatNotRecognised as err:
        raise InputError(err.telling(_("give it as the form field format"), names)) from err
    except InputError as err:
        raise InputError(renamed(str(err), names)) from err
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return IngestPublic(
        ingest_id=report.ingest_id if report.files else None,  # only empty files: no ingest
        files=[_summary(f) for f in report.files],
        unread=[UnreadPublic(name=u.path, reason=u.reason) for u in report.unread],
        totals=report.totals(),
        routes=RoutesPublic(**report.routes.as_dict()),
    )


@router.post(
    "/{sha256}/retract",
    response_model=RetractionPublic,
    summary="Withdraw an evidence file's events and rejects",
)
def retract_evidence(
    node: NodeDep,
    caller: MemberAccountDep,
    sha256: Annotated[str, Path(pattern=r"^[0-9a-fA-F]{8,64}$")],
) -> RetractionPublic:
    done = retract(node.store, node.db, node.clock, sha256, caller.code, actor=caller.actor)
    return RetractionPublic(
        sha256=done.sha256,
        owner=done.owner,
        evidence_ids=list(done.evidence_ids),
        removed=dict(done.removed),
        kept=dict(done.kept),
    )
