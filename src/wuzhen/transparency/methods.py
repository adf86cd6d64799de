"""How every figure of the transparency report is computed: one documented SQL query per
metric, run as written (by DuckDB, over the frames of :mod:`wuzhen.transparency.frames`).

``docs/user/transparency-methods.md`` prints these queries (a test keeps it in step); each
figure of the report links to its method. A query returns one row per party and key:
``party`` (a member's code; in the member-pair view, ``A>B``), ``key`` (e.g. a request type),
``value``, ``n`` (the number of cases the figure rests on: a figure resting on fewer cases
than the small-count threshold is withheld) and ``reporting`` (members whose evidence the
figure counts, for origins; else null).

Request queries name the party ``{party}``: the requested member (``requested``) in the
member view, the pair (column ``pair`` of the view ``cohort``: ``requester || '>' ||
requested``) in the member-pair view, the same query otherwise. No query names a member:
every member is measured by the same code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

#: Markings whose events may be counted in published aggregates. CLEAR and GREEN may be
#: shared widely; AMBER events are known to the member they are routed to, and a count of
#: distinct origins discloses no event. AMBER+STRICT and RED stay with their owner (they are
#: never routed), so they are never counted here.
PUBLISHED_MARKINGS = ("CLEAR", "GREEN", "AMBER")
OUTCOMES = ("executed", "partially-executed", "refused", "withdrawn", "pending", "overdue")
FINAL_WITH_ANSWER = ("executed", "partially-executed", "refused")
DOC = "docs/user/transparency-methods.md"

Section = Literal["requested", "requesting", "notices", "origins", "contests", "directory"]
Unit = Literal["count", "seconds", "percent", "rate"]


@dataclass(frozen=True, slots=True)
class Method:
    name: str  # the anchor in the methods document
    section: Section
    title: str
    what: str  # one paragraph: what the figure means
    sql: str
    cases: bool = True  # its counts are counts of cases (shown as ranges when small)
    derived: bool = False  # a ratio, time or percentage: withheld when n is small
    zero_keys: tuple[str, ...] = ()  # keys every member gets, 0 when it has none
    pairs: bool = False  # also run in the member-pair view
    unit: Unit = "count"  # how values are rounded: seconds whole, percent 2 decimals, ...

    @property
    def doc(self) -> str:
        return f"{DOC}#{self.name}"


#: Views every query reads (documented with the queries).
VIEWS = {
    "cohort": """
CREATE VIEW cohort AS
SELECT r.*, p.as_of,
       r.requester || '>' || r.requested AS pair,
       r.acknowledged_at IS NOT NULL AND r.acknowledged_at <= p.as_of AS acknowledged,
       CASE
         WHEN r.outcome_at IS NOT NULL AND r.outcome_at <= p.as_of
              AND r.state IN ('executed', 'partially-executed', 'refused', 'withdrawn')
           THEN r.state
         WHEN p.as_of > CASE WHEN r.state = 'postponed' AND r.postponed_until > r.due_at
                             THEN r.postponed_until ELSE r.due_at END
           THEN 'overdue'
         ELSE 'pending'
       END AS status
FROM requests r, period p
WHERE r.sent_at >= p.period_start AND r.sent_at < p.period_end
""",
    "notice_cohort": """
CREATE VIEW notice_cohort AS
SELECT n.*, n.acknowledged_at IS NOT NULL AND n.acknowledged_at <= p.as_of AS acknowledged
FROM notices n, period p
WHERE n.created_at >= p.period_start AND n.created_at < p.period_end
""",
    "published_origins": f"""
CREATE VIEW published_origins AS
SELECT DISTINCT o.member, o.ip, o.classification, o.day, o.owner
FROM origins o, period p
WHERE o.route_state = 'routed'
  AND o.tlp IN ({", ".join(f"'{m}'" for m in PUBLISHED_MARKINGS)})
  AND o.day >= CAST(p.period_start AS DATE) AND o.day < CAST(p.period_end AS DATE)
""",
    "origin_counts": """
CREATE VIEW origin_counts AS
SELECT member AS party, coalesce(classification, 'total') AS key,
       count(DISTINCT (ip, classification, day)) AS value,
       count(DISTINCT (ip, classification, day)) AS n,
       count(DISTINCT owner) AS reporting
FROM published_origins
GROUP BY GROUPING SETS ((member, classification), (member))
""",
    "contest_cohort": """
CREATE VIEW contest_cohort AS
SELECT c.*,
       CASE WHEN c.resolved_at IS NOT NULL AND c.resolved_at <= p.as_of
            THEN c.outcome ELSE 'open' END AS status
FROM contests c, period p
WHERE c.created_at >= p.period_start AND c.created_at < p.period_end
""",
}

_TIMES = """
WITH t AS (
  SELECT {{party}} AS party, date_diff('second', sent_at, {column}) AS s
  FROM cohort WHERE {where}
)
SELECT party, 'median' AS key, quantile_cont(s, 0.5) AS value, count(*) AS n,
       NULL AS reporting FROM t GROUP BY party
UNION ALL
SELECT party, 'p90' AS key, quantile_cont(s, 0.9) AS value, count(*) AS n,
       NULL AS reporting FROM t GROUP BY party
"""

METHODS: tuple[Method, ...] = (
    Method(
        "requests-received",
        "requested",
        "Requests received, by type",
        "Requests sent to the member during the period (drafts are never counted), by "
        "request type and in total.",
        """
SELECT {party} AS party, coalesce(kind, 'total') AS key, count(*) AS value, count(*) AS n,
       NULL AS reporting
FROM cohort
GROUP BY GROUPING SETS (({party}, kind), ({party}))
""",
        zero_keys=("total",),
        pairs=True,
    ),
    Method(
        "acknowledged-in-time",
        "requested",
        "Acknowledged within the deadline, in percent",
        "Of the requests received in the period whose acknowledgement deadline has passed or "
        "that are acknowledged, the share acknowledged by the deadline fixed when each was "
        "sent (rule requests.acknowledge_within).",
        """
SELECT {party} AS party, 'percent' AS key,
       100.0 * count(*) FILTER (WHERE acknowledged AND acknowledged_at <= acknowledge_by)
             / count(*) AS value,
       count(*) AS n, NULL AS reporting
FROM cohort
WHERE acknowledged OR acknowledge_by < as_of
GROUP BY {party}
""",
        derived=True,
        pairs=True,
        unit="percent",
    ),
    Method(
        "time-to-acknowledge",
        "requested",
        "Time to acknowledge (median, 90th percentile)",
        "Seconds from sending to acknowledgement, over the requests received in the period "
        "and acknowledged. Percentiles interpolate linearly between the two nearest values "
        "(the median of an even number of values is the mean of the middle two).",
        _TIMES.format(column="acknowledged_at", where="acknowledged"),
        derived=True,
        pairs=True,
        unit="seconds",
    ),
    Method(
        "time-to-outcome",
        "requested",
        "Time to outcome (median, 90th percentile)",
        "Seconds from sending to the outcome (executed, partially executed or refused; a "
        "withdrawal is the requester's act and is not counted), over the requests received "
        "in the period with such an outcome.",
        _TIMES.format(
            column="outcome_at",
            where="status IN ('executed', 'partially-executed', 'refused')",
        ),
        derived=True,
        pairs=True,
        unit="seconds",
    ),
    Method(
        "request-outcomes",
        "requested",
        "Outcomes",
        "Requests received in the period by their status at the report's time: executed, "
        "partially executed, refused, withdrawn by the requester, pending (open, within its "
        "deadline) or overdue (open, past its deadline or postponement).",
        """
SELECT {party} AS party, status AS key, count(*) AS value, count(*) AS n, NULL AS reporting
FROM cohort
GROUP BY ALL
""",
        zero_keys=OUTCOMES,
        pairs=True,
    ),
    Method(
        "refusal-grounds",
        "requested",
        "Refusal grounds cited",
        "How many times each ground was cited by the refusals and partial executions of "
        "requests received in the period (one request may cite several grounds).",
        """
SELECT party, ground AS key, count(*) AS value, count(*) AS n, NULL AS reporting
FROM (SELECT {party} AS party, unnest(grounds) AS ground
      FROM cohort WHERE status IN ('refused', 'partially-executed'))
GROUP BY ALL
""",
        pairs=True,
    ),
    Method(
        "refusals-other-only",
        "requested",
        "Refusals citing only the ground 'other'",
        "Refused requests whose only ground is 'other', listed with the text given for it "
        "(not the written reason, not the requesting member).",
        """
SELECT requested AS party, kind, other_text
FROM cohort
WHERE status = 'refused' AND other_only
ORDER BY party, kind, other_text
""",
    ),
    Method(
        "requests-sent",
        "requesting",
        "Requests sent, by type",
        "Requests the member sent during the period, by request type and in total.",
        """
SELECT requester AS party, coalesce(kind, 'total') AS key, count(*) AS value, count(*) AS n,
       NULL AS reporting
FROM cohort
GROUP BY GROUPING SETS ((requester, kind), (requester))
""",
        zero_keys=("total",),
    ),
    Method(
        "requests-sent-to",
        "requesting",
        "Requests sent, by requested member",
        "Requests the member sent during the period, by the member requested.",
        """
SELECT requester AS party, requested AS key, count(*) AS value, count(*) AS n,
       NULL AS reporting
FROM cohort
GROUP BY ALL
""",
    ),
    Method(
        "usefulness-feedback",
        "requesting",
        "Usefulness feedback given",
        "Of the requests the member sent in the period that were executed, partially "
        "executed or refused, how many it marked useful, not useful, or gave no feedback on.",
        """
SELECT requester AS party,
       CASE WHEN useful THEN 'useful' WHEN NOT useful THEN 'not-useful' ELSE 'none' END
         AS key,
       count(*) AS value, count(*) AS n, NULL AS reporting
FROM cohort
WHERE status IN ('executed', 'partially-executed', 'refused')
GROUP BY ALL
""",
    ),
    Method(
        "notices",
        "notices",
        "Notices received and acknowledged",
        "Notices (events of one ingest routed to the member, from another member's "
        "evidence) made during the period, and how many the member acknowledged by the "
        "report's time.",
        """
SELECT member AS party, 'received' AS key, count(*) AS value, count(*) AS n,
       NULL AS reporting
FROM notice_cohort GROUP BY member
UNION ALL
SELECT member AS party, 'acknowledged' AS key, count(*) AS value, count(*) AS n,
       NULL AS reporting
FROM notice_cohort WHERE acknowledged GROUP BY member
""",
        zero_keys=("received", "acknowledged"),
    ),
    Method(
        "notice-time-to-acknowledge",
        "notices",
        "Time to acknowledge a notice (median)",
        "Seconds from a notice being made to its acknowledgement, over the notices of the "
        "period acknowledged.",
        """
SELECT member AS party, 'median' AS key,
       quantile_cont(date_diff('second', created_at, acknowledged_at), 0.5) AS value,
       count(*) AS n, NULL AS reporting
FROM notice_cohort WHERE acknowledged
GROUP BY member
""",
        derived=True,
        unit="seconds",
    ),
    Method(
        "origins",
        "origins",
        "Origins, by classification",
        "Distinct (source address, classification type, day) among the events of the period "
        "routed to the member (the route in force: re-routes after contests apply; contested "
        "events wait for the outcome) whose marking permits aggregate publication (CLEAR, "
        "GREEN, AMBER), by classification and in total. 'reporting' is the number of "
        "members whose evidence the figure counts.",
        "SELECT party, key, value, n, reporting FROM origin_counts",
        zero_keys=("total",),
    ),
    Method(
        "origins-per-million-ipv4",
        "origins",
        "Origins per million registered IPv4 addresses",
        "Origins divided by the IPv4 addresses registered to the member's jurisdiction (the "
        "country codes it answers for, in the regional registries' delegations; "
        "special-purpose space excluded), times one million.",
        """
SELECT o.party, o.key, o.value * 1e6 / m.ipv4 AS value, o.n, o.reporting
FROM origin_counts o JOIN members m ON m.code = o.party
WHERE m.ipv4 > 0
""",
        derived=True,
        unit="rate",
    ),
    Method(
        "origins-per-million-users",
        "origins",
        "Origins per million Internet users",
        "Origins divided by the member's Internet users (indicator internet-users: its "
        "latest value up to the period's last year), times one million. No figure when the "
        "member has no such value.",
        """
SELECT o.party, o.key, o.value * 1e6 / m.users AS value, o.n, o.reporting
FROM origin_counts o JOIN members m ON m.code = o.party
WHERE m.users > 0
""",
        derived=True,
        unit="rate",
    ),
    Method(
        "contests",
        "contests",
        "Contests opened",
        "Contests the member opened during the period (it disputes events routed to it: "
        "wrong jurisdiction, false positive), the events they cover and the notices they "
        "concern.",
        """
SELECT member AS party, 'opened' AS key, count(*) AS value, count(*) AS n,
       NULL AS reporting FROM contest_cohort GROUP BY member
UNION ALL
SELECT member, 'events', sum(events), sum(events), NULL FROM contest_cohort GROUP BY member
UNION ALL
SELECT member, 'notices', count(DISTINCT notice_id), count(DISTINCT notice_id), NULL
FROM contest_cohort WHERE notice_id IS NOT NULL GROUP BY member
""",
        zero_keys=("opened", "events", "notices"),
    ),
    Method(
        "contest-outcomes",
        "contests",
        "Contest outcomes",
        "The member's contests of the period by outcome at the report's time: re-routed, "
        "withdrawn (by the evidence's owner), upheld, or open.",
        """
SELECT member AS party, status AS key, count(*) AS value, count(*) AS n, NULL AS reporting
FROM contest_cohort
GROUP BY ALL
""",
    ),
    Method(
        "contacts",
        "directory",
        "Points of contact",
        "The member's points of contact (technical and policy), how many are confirmed at "
        "the report's time, and whether the member is onboarded (it has a confirmed "
        "technical contact). A member that is not onboarded is shown as such: its response "
        "figures (acknowledged in time, overdue) are not computed.",
        """
SELECT m.code AS party, 'total' AS key, count(c.member) AS value, count(c.member) AS n,
       NULL AS reporting
FROM members m LEFT JOIN contacts c ON c.member = m.code GROUP BY m.code
UNION ALL
SELECT m.code, 'confirmed', count(c.member), count(c.member), NULL
FROM members m CROSS JOIN period p
LEFT JOIN contacts c ON c.member = m.code AND c.confirmed_at <= p.as_of
GROUP BY m.code
UNION ALL
SELECT m.code, 'onboarded', CAST(count(c.member) > 0 AS INTEGER), 1, NULL
FROM members m CROSS JOIN period p
LEFT JOIN contacts c ON c.member = m.code AND c.kind = 'technical'
     AND c.confirmed_at <= p.as_of
GROUP BY m.code
""",
        cases=False,
    ),
    Method(
        "contact-confirmation",
        "directory",
        "Contact reachability: last confirmed, confirmation time",
        "When a contact of the member was last confirmed (as seconds since 1970-01-01 UTC; "
        "shown as a date), and the median time from a contact's last change to its "
        "confirmation.",
        """
SELECT member AS party, 'last-confirmed' AS key,
       epoch(max(confirmed_at)) AS value, count(*) AS n, NULL AS reporting
FROM contacts, period p WHERE confirmed_at <= p.as_of GROUP BY member
UNION ALL
SELECT member, 'median-seconds',
       quantile_cont(date_diff('second', updated_at, confirmed_at), 0.5), count(*), NULL
FROM contacts, period p WHERE confirmed_at <= p.as_of GROUP BY member
""",
        cases=False,
        unit="seconds",
    ),
)
BY_NAME = {m.name: m for m in METHODS}
#: Response figures not computed for a member that is not onboarded.
RESPONSE = {("acknowledged-in-time", "percent"), ("request-outcomes", "overdue")}
