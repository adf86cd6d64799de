"""The public transparency report: every member measured by the same metrics, computed the
same way (one documented query per metric, :mod:`.methods`), published as JSON, CSV, HTML
and PDF with the ledger's head hash.

Data flow: :mod:`.frames` reads the relational store and the event store once into frames;
:mod:`.metrics` runs the documented queries over them (pure); :mod:`.report` applies the
publication rules (ranges for small counts, withheld figures, not onboarded) and assembles
the dict; :mod:`.render` and :mod:`.pdf` make the files.
"""

from __future__ import annotations

from wuzhen.transparency.period import Period, parse_period
from wuzhen.transparency.publish import publish
from wuzhen.transparency.report import build, transparency_report

__all__ = ["Period", "build", "parse_period", "publish", "transparency_report"]
