"""Translation of user-facing strings.

Every string a user reads goes through ``_()`` (or ``ngettext`` for plurals). Catalogs live in
``wuzhen/locale/<lang>/LC_MESSAGES/wuzhen.mo``; the language comes from ``WUZHEN_LANGUAGE``,
then the usual ``LANGUAGE``/``LC_ALL``/``LC_MESSAGES``/``LANG`` variables. Missing catalogs
fall back to the English source strings. The six official UN languages are the target:
Arabic, Chinese, English, French, Russian, Spanish.
"""

from __future__ import annotations

import gettext as _gettext
import os
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

DOMAIN = "wuzhen"
LOCALE_DIR = Path(__file__).parent / "locale"
UN_LANGUAGES = ("ar", "zh", "en", "fr", "ru", "es")
RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur"})


def _languages() -> list[str] | None:
    chosen = os.environ.get("WUZHEN_LANGUAGE")
    return [chosen] if chosen else None


def translation(language: str | None = None) -> _gettext.NullTranslations:
    """The catalog for ``language`` (or the environment's), falling back to English."""
    languages = [language] if language else _languages()
    return _gettext.translation(DOMAIN, LOCALE_DIR, languages=languages, fallback=True)


_active = translation()
_language = os.environ.get("WUZHEN_LANGUAGE") or "en"


def _(message: str) -> str:
    """Translate ``message`` into the active language."""
    return _active.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Translate a message whose form depends on the count ``n``."""
    return _active.ngettext(singular, plural, n)


def activate(language: str | None) -> None:
    """Switch the active language for this process (the CLI's ``--language``)."""
    global _active, _language
    _active = translation(language)
    _language = language or os.environ.get("WUZHEN_LANGUAGE") or "en"


def language() -> str:
    """The code of the active language (``en`` unless one was chosen)."""
    return _language


def direction(language: str) -> str:
    """The writing direction of ``language``: ``rtl`` (Arabic, ...) or ``ltr``."""
    return "rtl" if language.split("-")[0] in RTL_LANGUAGES else "ltr"


def template_environment(templates: Path, language: str) -> Environment:
    """A Jinja2 environment for the templates in ``templates``, translated into ``language``
    with Wuzhen's catalog (``_()``, ``{% trans %}``): autoescaped, strict about undefined
    names."""
    env = Environment(
        loader=FileSystemLoader(templates),
        autoescape=select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translation(language), newstyle=True)  # type: ignore[attr-defined]
    return env
