"""Evidence uploaded through the web UI, ingested in a background thread.

An upload is saved under ``<data dir>/uploads/<job>/``, ingested for the uploader's member
(``node.pipeline.ingest``), then deleted: the evidence lives on in the event store. The page
polls the job's status (bytes read so far, then the per-file counts). Jobs are kept in memory
by the app that started them and visible only to the account that made them.
"""

from __future__ import annotations

import logging
import re
import secrets
import shutil
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from wuzhen.errors import InputError, NotFoundError, WuzhenError
from wuzhen.evidence import parsers
from wuzhen.evidence.ingest import IngestOptions
from wuzhen.evidence.inputs import renamed
from wuzhen.i18n import _
from wuzhen.node import Node

log = logging.getLogger(__name__)

KEEP_JOBS = 200
CHUNK = 1 << 20
RUNNING, DONE, FAILED = "running", "done", "failed"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(name: str, taken: set[str]) -> str:
    """A file name for ``name`` without directories or odd characters, unique in ``taken``."""
    base = _UNSAFE.sub("_", Path(name.replace("\\", "/")).name).lstrip(".") or "evidence"
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{n}-{base}"
    taken.add(candidate)
    return candidate


@dataclass
class UploadJob:
    id: str
    account: str
    member: str
    folder: Path
    sizes: dict[str, int]  # saved path -> bytes
    names: dict[str, str]  # saved path -> the name the user gave
    format: str | None = None  # None: detected
    state: str = RUNNING
    error: str = ""
    ingest_id: str = ""
    read: dict[str, int] = field(default_factory=dict)
    files: list[dict[str, Any]] = field(default_factory=list)
    unread: list[dict[str, str]] = field(default_factory=list)  # files not read, with why
    routes: dict[str, Any] = field(default_factory=dict)  # Routes.as_dict() of the ingest
    lock: threading.Lock = field(default_factory=threading.Lock)

    def progress(self, path: str, done: int) -> None:
        with self.lock:
            self.read[path] = done

    def status(self) -> dict[str, Any]:
        with self.lock:
            total = sum(self.sizes.values()) or 1
            read = sum(min(self.read.get(p, 0), n) for p, n in self.sizes.items())
            fraction = 1.0 if self.state != RUNNING else min(read / total, 0.99)
            return {
                "id": self.id,
                "state": self.state,
                "progress": round(fraction, 4),
                "error": self.error,
                "ingest_id": self.ingest_id,
                "files": list(self.files),
                "unread": list(self.unread),
                "routes": dict(self.routes),
            }


class Uploads:
    """The upload jobs of one app."""

    def __init__(self) -> None:
        self._jobs: OrderedDict[str, UploadJob] = OrderedDict()
        self._lock = threading.Lock()

    def start(
        self,
        node: Node,
        *,
        account: str,
        member: str,
        files: list[tuple[str, BinaryIO]],
        fmt: str | None = None,
    ) -> UploadJob:
        """Save ``files`` (name, stream) and ingest them in a background thread, in format
        ``fmt`` (default: each file's, detected)."""
        if not files:
            raise InputError(_("Choose at least one evidence file."))
        if fmt is not None:
            parsers.get(fmt)  # an unknown name is refused before anything is saved
        job_id = secrets.token_urlsafe(12)
        folder = node.settings.data_dir / "uploads" / job_id
        folder.mkdir(parents=True)
        sizes: dict[str, int] = {}
        names: dict[str, str] = {}
        taken: set[str] = set()
        for name, stream in files:
            path = folder / safe_name(name, taken)
            with path.open("wb") as out:
                shutil.copyfileobj(stream, out, CHUNK)
            sizes[str(path)] = path.stat().st_size
            names[str(path)] = name
        job = UploadJob(job_id, account, member, folder, sizes, names, fmt)
        with self._lock:
            self._jobs[job_id] = job
            while len(self._jobs) > KEEP_JOBS:
                self._jobs.popitem(last=False)
        threading.Thread(target=self._run, args=(node, job), name=f"upload-{job_id}").start()
        return job

    def get(self, job_id: str, account: str) -> UploadJob:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None or job.account != account:
            raise NotFoundError(_("No such upload."))
        return job

    def _run(self, node: Node, job: UploadJob) -> None:
        try:
            report = node.pipeline.ingest(
                list(job.sizes),
                IngestOptions(owner=job.member, format=job.format),
                job.progress,
                names=job.names,
            )
        except parsers.FormatNotRecognised as err:
            with job.lock:
                job.state = FAILED
                job.error = err.telling(_("choose one under Format"), job.names)
        except WuzhenError as err:
            with job.lock:
                job.state, job.error = FAILED, renamed(str(err), job.names)
        except Exception:
            # A background thread is a process boundary: log it, show a failure, keep serving.
            log.exception("upload %s failed", job.id)
            with job.lock:
                job.state, job.error = FAILED, _("The ingest failed; see the server's log.")
        else:
            with job.lock:
                job.ingest_id = report.ingest_id if report.files else ""  # only empty files
                job.files = [f.as_dict() for f in report.files]
                job.unread = [{"path": u.path, "reason": u.reason} for u in report.unread]
                job.routes = report.routes.as_dict()
                job.state = DONE
        finally:
            shutil.rmtree(job.folder, ignore_errors=True)


_MAKING = threading.Lock()


def uploads_of(app_state: Any) -> Uploads:
    """The app's upload jobs (made on first use)."""
    with _MAKING:
        found: Uploads | None = getattr(app_state, "web_uploads", None)
        if found is None:
            found = Uploads()
            app_state.web_uploads = found
        return found
