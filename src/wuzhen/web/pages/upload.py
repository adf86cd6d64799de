"""Uploading evidence: the form, the job's page (progress, then counts) and its status."""

from __future__ import annotations

from typing import Annotated

from fastapi import File, Form, Request, UploadFile
from fastapi.responses import JSONResponse, RedirectResponse, Response

from wuzhen.evidence import parsers
from wuzhen.web._auth import MemberPost, MemberUser, node_of
from wuzhen.web._render import render
from wuzhen.web._route import page_router
from wuzhen.web.uploads import uploads_of

router = page_router()


@router.get("/upload")
def upload_form(request: Request, user: MemberUser) -> Response:
    formats = sorted((p.title, name) for name, p in parsers.all_parsers().items())
    return render(request, "upload.html", {"json_url": "/api/v1/evidence", "formats": formats})


@router.post("/upload")
def upload(
    request: Request,
    user: MemberPost,
    files: Annotated[list[UploadFile], File()],
    fmt: Annotated[str, Form(alias="format", max_length=64)] = "",
) -> Response:
    assert user.member is not None
    given = [(f.filename or "evidence", f.file) for f in files if f.filename]
    job = uploads_of(request.app.state).start(
        node_of(request), account=user.id, member=user.member, files=given, fmt=fmt or None
    )
    return RedirectResponse(f"/upload/{job.id}", status_code=303)


@router.get("/upload/{job_id}")
def upload_job(request: Request, user: MemberUser, job_id: str) -> Response:
    job = uploads_of(request.app.state).get(job_id, user.id)
    return render(
        request, "upload_job.html", {"job": job.status(), "json_url": f"/upload/{job.id}/status"}
    )


@router.get("/upload/{job_id}/status")
def upload_status(request: Request, user: MemberUser, job_id: str) -> Response:
    job = uploads_of(request.app.state).get(job_id, user.id)
    return JSONResponse(job.status())
