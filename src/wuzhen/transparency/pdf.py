"""The printable report: the HTML report printed to PDF by headless Chromium, locally.

The tool is Chromium's own ``--print-to-pdf`` (Debian package ``chromium``), run with a fresh
profile and with every host name mapped to nothing, so the print fetches nothing: the HTML
is self-contained (inline styles and SVG). Fonts are the system's, through fontconfig: the
project installs Debian's ``fonts-noto-core`` (Latin, Cyrillic, Arabic) and
``fonts-noto-cjk`` (Chinese), which cover the six UN languages; the style sheet names Noto
Sans first. The PDF is written under a temporary name and renamed when complete.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from wuzhen.errors import ConfigError, StoreError
from wuzhen.i18n import _

log = logging.getLogger(__name__)
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "chrome")
TIMEOUT = 180
FLAGS = (
    "--headless=new",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--no-pdf-header-footer",
    "--host-resolver-rules=MAP * ~NOTFOUND",  # no host name resolves: nothing is fetched
)


def find_browser(explicit: Path | None = None) -> Path:
    """Chromium: ``explicit``, ``$WUZHEN_CHROMIUM``, or the first of :data:`BROWSERS` found."""
    given = explicit or (Path(p) if (p := os.environ.get("WUZHEN_CHROMIUM")) else None)
    if given is not None:
        if not given.is_file():
            raise ConfigError(_("No browser at {path}.").format(path=given))
        return given
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return Path(found)
    raise ConfigError(
        _(
            "The PDF is printed by Chromium, which was not found: install it (apt-get install "
            "chromium fonts-noto-core fonts-noto-cjk) or name it with WUZHEN_CHROMIUM."
        )
    )


def print_pdf(html: Path, pdf: Path, *, browser: Path | None = None) -> Path:
    """Print the HTML file ``html`` to ``pdf`` (A4, as the report's style sheet says)."""
    exe = find_browser(browser)
    pdf.parent.mkdir(parents=True, exist_ok=True)
    partial = pdf.with_name(f".{pdf.name}.partial")
    with tempfile.TemporaryDirectory(prefix="wuzhen-pdf-") as profile:
        args = [
            str(exe),
            *FLAGS,
            *(("--no-sandbox",) if hasattr(os, "geteuid") and os.geteuid() == 0 else ()),
            f"--user-data-dir={profile}",
            f"--print-to-pdf={partial}",
            html.resolve().as_uri(),
        ]
        try:
            done = subprocess.run(  # a fixed program and flags, no shell
                args, capture_output=True, text=True, timeout=TIMEOUT, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as err:
            raise StoreError(_("Chromium could not print the PDF: {err}").format(err=err)) from err
    if done.returncode != 0 or not partial.is_file() or partial.read_bytes()[:5] != b"%PDF-":
        partial.unlink(missing_ok=True)
        log.error("chromium failed (%s): %s", done.returncode, done.stderr[-2000:])
        raise StoreError(
            _("Chromium could not print the PDF (exit status {code}).").format(code=done.returncode)
        )
    partial.replace(pdf)
    return pdf
