"""The Internet's development: indicators per member and year, members' targets, progress.

Values come from the files they are published in (World Bank WDI, UN SDG Global Database,
a plain long CSV), mapped to members by ISO 3166 or M49 code (:mod:`.imports`); members set
targets and the dashboard shows whether they are on track (:mod:`.progress`).
"""

from __future__ import annotations

from wuzhen.development.catalogue import BUILTIN, Indicator, indicator, indicators
from wuzhen.development.imports import ImportReport, IndicatorFileError, import_file, import_text
from wuzhen.development.progress import Progress, progress
from wuzhen.development.service import define, latest, set_target, targets, values

__all__ = [
    "BUILTIN",
    "ImportReport",
    "Indicator",
    "IndicatorFileError",
    "Progress",
    "define",
    "import_file",
    "import_text",
    "indicator",
    "indicators",
    "latest",
    "progress",
    "set_target",
    "targets",
    "values",
]
