"""Rule tables for text formats: cheap tests pick a rule per record, one regex per rule.

Each record is tested against the rules' literal conditions in order (the first that holds
wins); then each rule's regular expression runs only over the records that chose it (a rule
may give several, tried in order: each runs over the records the ones before it did not
match). A rule either makes events (it names a classification) or skips records (it names a
reason). A record no expression of its chosen rule matches is rejected: it looked like that
message but not in the expected form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import polars as pl

from wuzhen.evidence.parsers._base import RECORD, reject, skip

RULE = "__rule"  # the rule's index while classifying, its name in the results
MATCH = "__match"  # the whole match of a rule's expression


@dataclass(frozen=True, slots=True)
class Rule:
    name: str  # becomes classification.identifier for event rules
    when: pl.Expr  # cheap test on the record's columns (literal contains/starts_with)
    pattern: str | tuple[str, ...] | None = None  # regex(es) with named groups, on ``text``
    type: str | None = None  # classification.type: an event rule
    skip: str | None = None  # reason: a skip rule
    description: str | None = None


@dataclass(frozen=True, slots=True)
class Applied:
    events: pl.DataFrame  # records with RULE and the named groups of their rule's pattern
    skipped: pl.DataFrame
    rejects: pl.DataFrame


def apply_rules(
    frame: pl.DataFrame,
    rules: list[Rule],
    text: str,
    *,
    unmatched_skip: str | None = None,
    unmatched_reject: str | None = None,
) -> Applied:
    """Classify records of ``frame`` by ``rules`` (see the module docstring).

    Records no rule picks are skipped with ``unmatched_skip`` or rejected with
    ``unmatched_reject`` (exactly one must be given).
    """
    if (unmatched_skip is None) == (unmatched_reject is None):
        msg = "give exactly one of unmatched_skip and unmatched_reject"
        raise ValueError(msg)
    tagged = frame.with_columns(pl.Series(RULE, _choose(frame, rules)))
    skipped = []
    rejects = []
    events = []
    none = tagged.filter(pl.col(RULE).is_null())
    if none.height:
        if unmatched_skip is not None:
            skipped.append(skip(none, unmatched_skip))
        else:
            rejects.append(reject(none, unmatched_reject or ""))
    by_rule = {
        index: part
        for (index,), part in tagged.filter(pl.col(RULE).is_not_null())
        .partition_by(RULE, as_dict=True)
        .items()
    }
    for i, rule in enumerate(rules):
        part = by_rule.get(i)
        if part is None:
            continue
        part = part.with_columns(pl.lit(rule.name).alias(RULE))
        if rule.skip is not None:
            skipped.append(skip(part, rule.skip))
            continue
        if rule.pattern is None:
            events.append(part)
            continue
        for pattern in _patterns(rule):
            if part.height == 0:
                break
            # One pass of the expression: a group around all of it tells whether it matched.
            groups = part.select(
                pl.col(text).str.extract_groups(f"(?P<{MATCH}>{pattern})").alias("__g")
            ).unnest("__g")
            matched = groups[MATCH].is_not_null()
            events.append(pl.concat([part, groups.drop(MATCH)], how="horizontal").filter(matched))
            part = part.filter(~matched)
        if part.height:
            rejects.append(reject(part, f"{rule.name}: message not in the expected form"))
    out = (
        pl.concat(events, how="diagonal_relaxed")
        if events
        else tagged.clear().with_columns(pl.col(RULE).cast(pl.String))
    )
    # Every group of every pattern is a column, even when no record matched its rule.
    group_names = {g for r in rules for p in _patterns(r) for g in re.compile(p).groupindex}
    out = out.with_columns(
        pl.lit(None, pl.String).alias(g) for g in sorted(group_names - set(out.columns))
    )
    return Applied(
        events=out,
        skipped=pl.concat(skipped)
        if skipped
        else pl.DataFrame(schema={RECORD: pl.Int64, "reason": pl.String}),
        rejects=pl.concat(rejects)
        if rejects
        else pl.DataFrame(schema={RECORD: pl.Int64, "raw": pl.String, "reason": pl.String}),
    )


def _patterns(rule: Rule) -> tuple[str, ...]:
    if rule.pattern is None:
        return ()
    return (rule.pattern,) if isinstance(rule.pattern, str) else rule.pattern


def _choose(frame: pl.DataFrame, rules: list[Rule]) -> pl.Series:
    """Each record's first rule whose test holds (null if none). Each test runs only over the
    records no earlier rule took, and reads only the columns the tests name (a chain of
    when/then ran every test over every record)."""
    needed = sorted({c for r in rules for c in r.when.meta.root_names()})
    undecided = frame.select(RECORD, *needed)
    rows = np.arange(frame.height)
    choice = np.full(frame.height, -1, np.int32)
    for i, rule in enumerate(rules):
        if rows.shape[0] == 0:
            break
        tested = undecided.select(rule.when.fill_null(value=False).alias("__hit"))["__hit"]
        hit = (  # a test that reads no column (a literal) gives one value for all
            tested.to_numpy()
            if tested.len() == rows.shape[0]
            else np.full(rows.shape[0], tested[0])
        )
        if hit.any():
            choice[rows[hit]] = i
            rows = rows[~hit]
            undecided = undecided.filter(pl.Series(~hit))
    return pl.Series(RULE, choice).replace(-1, None)


def classification(rules: list[Rule]) -> pl.Expr:
    """``classification.type`` of each event row, from its rule."""
    mapping = {r.name: r.type for r in rules if r.type is not None}
    return pl.col(RULE).replace_strict(mapping, default=None, return_dtype=pl.String)


def description(rules: list[Rule]) -> pl.Expr:
    """``event_description.text`` of each event row: its rule's description (null if none)."""
    mapping = {r.name: r.description for r in rules if r.description is not None}
    return pl.col(RULE).replace_strict(mapping, default=None, return_dtype=pl.String)
