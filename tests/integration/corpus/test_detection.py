"""Format detection asks a parser to sniff a sample only when the sample holds one of the
parser's marks (``Parser.marks``). Over every file of the corpus and every parser's own test
samples, a parser that claims a sample (a score of ``MIN_SCORE`` or more) finds a mark in it,
so skipping the others changes no detection."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from wuzhen.evidence import parsers
from wuzhen.evidence.inputs import SAMPLE_BYTES, detection_sample

PARSERS = parsers.all_parsers()
MARKED = sorted(name for name, p in PARSERS.items() if p.marks)
TEST_SAMPLES = Path(__file__).resolve().parents[2] / "data" / "evidence"


def _samples(corpus: Path) -> list[tuple[Path, list[str]]]:
    out = []
    for root in (corpus, TEST_SAMPLES):
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            with path.open("rb") as fh:
                head = fh.read(SAMPLE_BYTES)
            if head[:2] == b"\x1f\x8b":
                with gzip.open(path, "rb") as fh:
                    head = fh.read(SAMPLE_BYTES)
            out.append((path, detection_sample(head)))
    return out


@pytest.fixture(scope="module")
def samples(corpus: Path) -> list[tuple[Path, list[str]]]:
    return _samples(corpus)


def test_marked_parsers_are_the_costly_ones() -> None:
    assert {"openssh", "fail2ban", "netfilter", "suricata-eve", "zeek-json"} <= set(MARKED)


@pytest.mark.parametrize("name", MARKED)
def test_a_parser_claims_no_sample_without_its_marks(
    name: str, samples: list[tuple[Path, list[str]]]
) -> None:
    parser = PARSERS[name]
    claimed = [(path, lines) for path, lines in samples if parser.sniff(lines) >= parsers.MIN_SCORE]
    assert claimed, "the corpus and the test samples hold the format"
    assert [path.name for path, lines in claimed if not parser.may_read(lines)] == []
