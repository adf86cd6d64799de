"""STIX patterning: the tokenizer, and the network observables a pattern compares.

A pattern is cut into tokens (:data:`TOKEN`) and the tokens exploded into one frame, so that
the structure checks are column expressions over neighbouring tokens: a pattern with text
that is no STIX token, with unbalanced brackets or a misplaced operator is not STIX
patterning. Its observables are the comparisons ``ipv4-addr:value``, ``ipv6-addr:value``,
``domain-name:value`` or ``url:value`` with a string, and ``autonomous-system:number`` with an
integer, by ``=``, ``IN (...)`` or (for addresses) ``ISSUBSET``, not negated.
"""

from __future__ import annotations

import polars as pl

STR = r"'(?:[^'\\]|\\['\\])*'"  # a STIX string literal: only \' and \\ are escapes
_NAME = r"[A-Za-z0-9_-]+"
PATH = rf"[a-z0-9][a-z0-9-]*:(?:{_NAME}|{STR})(?:\.(?:{_NAME}|{STR})|\[(?:\*|\d+)\])*"
OPS = r"<=|>=|!=|<>|=|<|>|(?:IN|LIKE|MATCHES|ISSUBSET|ISSUPERSET)\b"
KEYWORDS = r"(?:AND|OR|NOT|FOLLOWEDBY|EXISTS|WITHIN|SECONDS|REPEATS|TIMES|START|STOP|true|false)\b"
#: The SCO types whose values are network observables (an autonomous system is one only
#: where nothing else is: beside an address, it is where the address is announced).
OBSERVABLE_TYPES = ("ipv4-addr", "ipv6-addr", "domain-name", "url", "autonomous-system")
AS = "autonomous-system"
_INT = r"\d+"
_TEXT_PATH = rf"(?:{'|'.join(OBSERVABLE_TYPES[:4])}):value"  # compared with strings
_AS_PATH = rf"{AS}:number"  # compared with integers
SUPPORTED = rf"(?:{_TEXT_PATH}|{_AS_PATH})"


def _comparison(path: str, literal: str) -> str:
    """``path`` compared with ``literal`` or a set of them."""
    one_or_set = rf"(?:{literal}|\(\s*{literal}(?:\s*,\s*{literal})*\s*\))"
    return rf"{path}\s*(?:NOT\s+)?(?:{OPS})\s*{one_or_set}"


#: A comparison of a supported property with a string or an integer, or a set of them: one
#: token.
COMPARISON = f"{_comparison(_TEXT_PATH, STR)}|{_comparison(_AS_PATH, _INT)}"
#: Every token of STIX patterning. The comparison comes first, and string literals are
#: whole tokens, so nothing inside a string is ever read as a comparison.
TOKEN = rf"{COMPARISON}|[tbh]?{STR}|{PATH}|{OPS}|{KEYWORDS}|[\[\]\(\),]|[+-]?\d+(?:\.\d+)?"


def pattern_observables(patterns: pl.DataFrame, key: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Observables of STIX patterns, and which patterns are not STIX patterning.

    ``patterns`` holds the ``key`` of each pattern and its text (``pattern``). Returns the
    observables (``key``, ``__otype``, ``__value``; in pattern order, each once a pattern)
    of the valid patterns, and ``__pattern_bad`` by ``key``."""
    patterns = patterns.select(
        key,
        pl.col("pattern").str.extract_all(TOKEN).alias("__tok"),
        pl.col("pattern").str.replace_all(TOKEN, "").str.contains(r"\S").alias("__stray"),
    )
    tokens = patterns.select(key, "__tok").explode("__tok")
    t = pl.col("__tok")
    # Neighbours within the same pattern (the frame is in pattern order).
    obj = pl.col(key)
    prv = pl.when(obj.shift(1) == obj).then(t.shift(1))
    nxt = pl.when(obj.shift(-1) == obj).then(t.shift(-1))
    joins = ["AND", "OR", "FOLLOWEDBY"]
    # Structure: an operator between two operands, no empty or adjacent observations, and
    # the pattern ends an observation (or a qualifier).
    misplaced = (
        (
            t.is_in(joins)
            & (
                prv.is_null()
                | prv.is_in([*joins, "[", "("])
                | nxt.is_null()
                | nxt.is_in([*joins, "]", ")"])
            )
        )
        | ((t == "[") & (nxt == "]"))
        | ((t == "]") & nxt.is_in(["[", "("]))
    )
    last = t.last()
    structure = (
        tokens.with_columns(misplaced.fill_null(False).alias("__misplaced"))
        .group_by(key)
        .agg(
            (
                ~t.first().is_in(["[", "("])
                | ~(last.is_in(["]", ")", "SECONDS", "TIMES"]) | last.str.starts_with("t'"))
                | ((t == "[").sum() != (t == "]").sum())
                | ((t == "(").sum() != (t == ")").sum())
                | pl.col("__misplaced").any()
            )
            .fill_null(True)
            .alias("__structure_bad")
        )
    )
    pattern_bad = patterns.join(structure, on=key, how="left").select(
        key, (pl.col("__stray") | pl.col("__structure_bad").fill_null(True)).alias("__pattern_bad")
    )
    head = rf"^{SUPPORTED}\s*(?:NOT\s+)?({OPS})"
    otype = t.str.extract(r"^([a-z0-9-]+):", 1)
    op = t.str.extract(head, 1)
    supported = ~t.str.contains(r"^\S+\s*NOT\s") & (
        (op == "=") | (op == "IN") | ((op == "ISSUBSET") & otype.is_in(OBSERVABLE_TYPES[:2]))
    )
    values = (
        tokens.join(pattern_bad.filter(~pl.col("__pattern_bad")), on=key, maintain_order="left")
        .filter(t.str.contains(head).fill_null(False))
        .filter(supported)
        .select(
            key,
            otype.alias("__otype"),
            pl.when(otype == AS)
            .then(t.str.extract_all(_INT))  # the path holds no digit
            .otherwise(t.str.extract_all(STR))
            .alias("__value"),
        )
        .explode("__value")
        .with_columns(
            pl.col("__value")
            .str.strip_prefix("'")
            .str.strip_suffix("'")
            .str.replace_all(r"\\(['\\])", "${1}")
        )
        .unique([key, "__otype", "__value"], keep="first", maintain_order=True)
    )
    return values, pattern_bad


def alone_as(observables: pl.DataFrame, key: str) -> pl.DataFrame:
    """``observables`` without the autonomous systems of an object (``key``) that names an
    address, a name or a URL too."""
    is_as = pl.col("__otype") == AS
    return observables.filter(~is_as | ((~is_as).sum().over(key) == 0))
