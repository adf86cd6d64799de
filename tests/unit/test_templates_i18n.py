"""Every user-visible text in the web UI's templates goes through gettext.

Each template's source is reduced to its HTML skeleton: Jinja expressions become a
placeholder without letters, and the text inside ``{% trans %}`` blocks is dropped (it is
marked). What remains are the literal texts; any word of letters in a text node, or in an
attribute a user reads (title, placeholder, aria-label, alt, value, label), is unmarked text,
unless it is one of a few tokens that are not language.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from jinja2 import Environment

from wuzhen.web._render import TEMPLATES_DIR, environment

NOT_LANGUAGE = frozenset({"JSON", "CSV", "STIX", "TLP", "AS"})
READ_ATTRIBUTES = frozenset(
    {"title", "placeholder", "aria-label", "aria-description", "alt", "value", "label"}
)
SKIPPED_ELEMENTS = frozenset({"script", "style"})
# Where ``value`` is data sent with the form, not text on the screen.
HIDDEN_VALUE_INPUTS = frozenset({"hidden", "radio", "checkbox"})
HIDDEN_VALUE_ELEMENTS = frozenset({"option", "button"})
WORD = re.compile(r"[^\W\d_]+")
TEMPLATES = sorted(p.relative_to(TEMPLATES_DIR).as_posix() for p in TEMPLATES_DIR.rglob("*.html"))


def skeleton(env: Environment, source: str) -> str:
    """The template's HTML with every Jinja part replaced and ``{% trans %}`` text removed."""
    out: list[str] = []
    in_trans = False
    block: list[str] | None = None  # tokens of the {% ... %} being read
    for _line, kind, value in env.lex(source):
        newlines = "\n" * value.count("\n")
        if kind == "block_begin":
            block = []
            out.append(newlines)
        elif kind == "block_end":
            names = block or []
            if names[:1] == ["trans"]:
                in_trans = True
            elif names[:1] == ["endtrans"]:
                in_trans = False
            block = None
            out.append(newlines)
        elif block is not None:
            if kind == "name":
                block.append(value)
            out.append(newlines)
        elif kind == "data":
            out.append(newlines if in_trans else value)
        elif kind == "variable_begin":
            out.append("0")
        else:  # inside {{ ... }} or a comment
            out.append(newlines)
    return "".join(out)


class _Finder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self._skipping: list[str] = []

    def _check(self, text: str) -> None:
        words = [w for w in WORD.findall(text) if w not in NOT_LANGUAGE]
        if words:
            self.found.append((self.getpos()[0], text.strip()))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED_ELEMENTS:
            self._skipping.append(tag)
        shown = dict(attrs)
        for name, value in attrs:
            if name not in READ_ATTRIBUTES or not value:
                continue
            if name == "value" and (
                tag in HIDDEN_VALUE_ELEMENTS or shown.get("type") in HIDDEN_VALUE_INPUTS
            ):
                continue
            self._check(value)

    def handle_endtag(self, tag: str) -> None:
        if self._skipping and self._skipping[-1] == tag:
            self._skipping.pop()

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self._check(data)


def unmarked(env: Environment, source: str) -> list[tuple[int, str]]:
    """(line, text) of each text a user reads that does not go through gettext."""
    finder = _Finder()
    finder.feed(skeleton(env, source))
    finder.close()
    return finder.found


@pytest.fixture(scope="module")
def env() -> Environment:
    return environment("en")


def test_there_are_templates() -> None:
    assert {"base.html", "dashboard.html", "notice.html", "events.html"} <= set(TEMPLATES)


@pytest.mark.parametrize("name", TEMPLATES)
def test_template_text_is_marked_for_translation(env: Environment, name: str) -> None:
    source = (TEMPLATES_DIR / name).read_text(encoding="utf-8")
    env.parse(source)  # it compiles
    assert unmarked(env, source) == []


@pytest.mark.parametrize(
    "source",
    [
        "<p>Inbox</p>",
        "<p>{{ n }} events</p>",
        '<input placeholder="e.g. CN">',
        '<button title="Revoke">x</button>',
        '<input type="submit" value="Sign in">',
        '<input name="timezone" value="Europe/Paris">',
        '<optgroup label="Types"></optgroup>',
        "<td>{% if x %}yes{% endif %}</td>",
        "<p>{% trans %}marked{% endtrans %} but not this</p>",
    ],
)
def test_the_check_finds_unmarked_text(env: Environment, source: str) -> None:
    assert unmarked(env, source) != []


@pytest.mark.parametrize(
    "source",
    [
        '<p>{{ _("Inbox") }}</p>',
        "<p>{% trans n=3 %}{{ n }} events{% endtrans %}</p>",
        "<p>{% trans %}one{% pluralize %}many{% endtrans %}</p>",
        "<input placeholder=\"{{ _('e.g. %(x)s', x='CN') }}\">",
        '<a href="/api/v1/events">JSON</a> · <span>AS{{ asn }}</span>',
        "<script>var s = 'not text';</script>",
        "<p>{# a comment #}{{ value }}</p>",
        '<input type="radio" name="scope" value="all"> <option value="upheld">0</option>',
    ],
)
def test_the_check_accepts_marked_text(env: Environment, source: str) -> None:
    assert unmarked(env, source) == []


def _page(language: str) -> str:
    template = environment(language).get_template("error.html")
    return template.render(user=None, csrf="", json_url=None, status=404, message="x")


def test_html_carries_the_language_and_direction() -> None:
    assert '<html lang="en" dir="ltr">' in _page("en")
    assert '<html lang="ar" dir="rtl">' in _page("ar")
    assert '<html lang="fr" dir="ltr">' in _page("fr")


def test_templates_live_in_the_package() -> None:
    assert Path(TEMPLATES_DIR, "base.html").is_file()
