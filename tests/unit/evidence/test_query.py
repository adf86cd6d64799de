"""Event filters (``wuzhen.evidence.query``): a classification by taxonomy, type or both."""

from __future__ import annotations

import polars as pl
import pytest

from wuzhen.errors import InputError
from wuzhen.evidence.query import EventFilter

EVENTS = pl.DataFrame(
    {
        "classification.taxonomy": ["other", "other", "other", "test", "intrusion-attempts"],
        "classification.type": ["other", "blacklist", "undetermined", "test", "brute-force"],
    }
)


def _types(classification: str) -> list[str]:
    where = EventFilter(classification=classification)
    return EVENTS.filter(where.predicate())["classification.type"].to_list()


@pytest.mark.parametrize(
    ("given", "types"),
    [
        ("other", ["other", "blacklist", "undetermined"]),  # alone, the taxonomy
        ("Other/Other", ["other"]),  # tester's report: the type "other" could not be chosen
        ("other/blacklist", ["blacklist"]),
        ("blacklist", ["blacklist"]),
        ("test/test", ["test"]),
        ("intrusion-attempts", ["brute-force"]),
    ],
)
def test_a_classification_by_taxonomy_type_or_both(given: str, types: list[str]) -> None:
    assert _types(given) == types


def test_a_type_of_another_taxonomy_is_an_error() -> None:
    with pytest.raises(InputError, match="the types of other are blacklist, other, undetermined"):
        EventFilter(classification="other/brute-force")
