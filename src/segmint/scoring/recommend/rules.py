"""Association rules counted in the engine: item, pair and triple supports over baskets.

Counting is relational, so it runs wherever the mart runs (DuckDB here, Spark unchanged):
group-bys and self-joins of the basket lines, Apriori's candidate pruning done as joins
(Agrawal & Srikant 1994, "Fast algorithms for mining association rules", VLDB: a set can
only be frequent when all its subsets are, so pairs are formed from frequent items and
triples from frequent pairs).

Baskets with more than ``max_basket_size`` distinct items are set aside before anything is
counted (their number is reported): a wholesale order of 500 lines alone would add 124,750
pairs and 20 million triples, which is how in-memory miners run out of memory on retail
data. Every count and every support below is over the baskets kept.

Then, with ``N`` baskets and ``n(S)`` the baskets holding every item of ``S``:

* support ``= n(A ∪ {c}) / N``; confidence ``= n(A ∪ {c}) / n(A)``;
* lift ``= confidence / (n(c) / N)``.

Two filters keep the rules to habits shared by people:

* **Distinct customers.** Beside ``n(S)``, every item, pair and triple counts ``m(S)``, the
  distinct customers with a basket holding ``S``, and must reach ``min_customers`` as well
  as ``min_count``. Baskets are not independent draws: one customer who orders the same
  basket nineteen times makes ``n(S) = 19`` and, being the only buyer of those items, a
  confidence of 1 and a lift in the hundreds, a rule that speaks of one person. ``m`` only
  shrinks as a set grows (a customer with ``S ∪ {x}`` in a basket has ``S`` in it), so
  Apriori's pruning holds for both thresholds.
* **Minimum improvement** (Bayardo, Agrawal & Gunopulos 2000, "Constraint-based rule mining
  in large, dense databases", Data Min. Knowl. Discov. 4, 217-240): a two-item antecedent
  rule "X and Y -> Z" is kept only when its confidence is above that of both "X -> Z" and
  "Y -> Z". Otherwise Y adds nothing to what X alone says (or X to Y), and the longer rule
  only repeats a shorter one in more words.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from segmint.exceptions import InputError


@dataclass(frozen=True)
class RuleSettings:
    """How rules are counted.

    Attributes:
        min_count: fewest baskets an item, pair or triple must appear in.
        min_customers: fewest distinct customers whose baskets hold an item, pair or triple.
            The default, 5, asks that a rule be the habit of a handful of people: one
            customer's repeat orders (or a couple's, or an office's shared account) never
            make a rule, while a rule a few regulars share in a small shop still counts. It
            is a number of people, not of baskets, so it does not follow ``min_count``
            (which grows with how often people buy). A set's customers are never more than
            its baskets: below ``min_count`` (the defaults, 5 and 10) it leaves out only
            sets whose baskets come from fewer than five people; at or above it,
            ``min_count`` no longer binds.
        max_basket_size: baskets with more distinct items are not counted.
        min_confidence: rules below are dropped in the engine.
        triples: also count triples, for two-item antecedents ("X and Y -> Z").
    """

    min_count: int = 10
    min_customers: int = 5
    max_basket_size: int = 50
    min_confidence: float = 0.05
    triples: bool = True

    def __post_init__(self) -> None:
        if not (isinstance(self.min_count, int) and self.min_count >= 1):
            raise InputError(
                f"min_count must be an integer >= 1 (baskets); got {self.min_count!r}."
            )
        if not (isinstance(self.min_customers, int) and self.min_customers >= 1):
            raise InputError(
                f"min_customers must be an integer >= 1 (customers); got {self.min_customers!r}."
            )
        if not (isinstance(self.max_basket_size, int) and self.max_basket_size >= 2):
            raise InputError(
                f"max_basket_size must be an integer >= 2 (items); got {self.max_basket_size!r}."
            )
        if not 0 <= self.min_confidence <= 1:
            raise InputError(f"min_confidence must lie in [0, 1]; got {self.min_confidence!r}.")


@dataclass(frozen=True)
class Itemsets:
    """The counts, as Ibis tables over the kept baskets.

    Attributes:
        baskets: ``order_id``, ``size`` of every basket (kept or not).
        lines: ``order_id``, ``customer_id``, ``item`` of the kept baskets.
        items: ``item``, ``n``, ``n_customers`` for frequent items: in at least
            ``min_count`` baskets of at least ``min_customers`` customers.
        pairs: ``a < b``, ``n``, ``n_customers`` for frequent pairs.
        triples: ``a < b < c``, ``n``, ``n_customers`` for frequent triples (empty when not
            counted).
        max_basket_size: the size cap the baskets were kept under.
    """

    baskets: ir.Table
    lines: ir.Table
    items: ir.Table
    pairs: ir.Table
    triples: ir.Table
    max_basket_size: int

    def n_baskets(self) -> ir.IntegerScalar:
        """Baskets counted (at most ``max_basket_size`` items)."""
        sizes = self.baskets
        return sizes.count(where=sizes.size <= self.max_basket_size).as_scalar()


def count_itemsets(
    baskets: ir.Table, settings: RuleSettings, cache: ExitStack | None = None
) -> Itemsets:
    """Frequent items, pairs and triples of ``baskets`` (columns ``order_id``,
    ``customer_id``, ``item``: each basket belongs to one customer).

    ``baskets`` must hold each item at most once per basket (as
    :func:`segmint.scoring.recommend.baskets.coded_baskets` does); ``order_id`` and
    ``customer_id`` may be any type (an integer code is much cheaper to join on than a
    string). A set is frequent when it is in at least ``min_count`` baskets of at least
    ``min_customers`` distinct customers. With ``cache``, each
    step is held by the engine (:meth:`ibis.Table.cache`) until the stack closes, so the
    next step and the rule table read the counted result instead of counting again.
    """

    def held(table: ir.Table, stack: ExitStack | None = cache) -> ir.Table:
        return table if stack is None else stack.enter_context(table.cache())

    missing = [c for c in ("order_id", "customer_id", "item") if c not in baskets.columns]
    if missing:
        raise InputError(
            f"baskets to count rules over need the columns order_id, customer_id and item; "
            f"{', '.join(missing)} missing from {list(baskets.columns)}."
        )
    sizes = held(baskets.group_by("order_id").aggregate(size=baskets.count()))
    kept = sizes.filter(sizes.size <= settings.max_basket_size).select("order_id")
    lines = baskets.select("order_id", "customer_id", "item").semi_join(kept, "order_id")
    items = held(_frequent(lines, ["item"], settings))
    # the intermediate tables are dropped as soon as the next step has read them, so the
    # engine holds less (and spills less) while it counts the pairs and triples
    with ExitStack() as scratch:
        own = scratch if cache is not None else None
        # only frequent items can be in a frequent pair or triple (Apriori)
        frequent = held(lines.semi_join(items.select("item"), "item"), own)
        # pairs in enough baskets, by a plain count of every basket's pairs; then the
        # baskets' pairs of those, formed once more, for their distinct customers and the
        # triples: counting distinct customers costs several times a plain count, and
        # these rows are a fraction of all the baskets' pairs
        counted = _basket_pairs(frequent).group_by(["a", "b"]).aggregate(n=ibis._.count())
        enough = counted.filter(counted.n >= settings.min_count).select("a", "b")
        in_pairs = held(_basket_pairs(frequent).semi_join(enough, ["a", "b"]), own)
        pairs = held(_frequent(in_pairs, ["a", "b"], settings))
        triples = _no_triples()
        if settings.triples:
            triples = held(_triples(in_pairs, pairs, settings))
    return Itemsets(sizes, lines, items, pairs, triples, settings.max_basket_size)


def _frequent(rows: ir.Table, keys: list[str], settings: RuleSettings) -> ir.Table:
    """``keys``, ``n`` (baskets) and ``n_customers`` (distinct customers) of the sets in
    ``rows`` (one row per basket holding the set: ``customer_id`` and ``keys``), those that
    reach both ``min_count`` and ``min_customers``."""
    counts = rows.group_by(keys).aggregate(n=rows.count(), n_customers=rows.customer_id.nunique())
    return counts.filter(
        (counts.n >= settings.min_count) & (counts.n_customers >= settings.min_customers)
    )


def _no_triples() -> ir.Table:
    """An empty triple table (when triples are not counted)."""
    return ibis.memtable(
        {"a": [], "b": [], "c": [], "n": [], "n_customers": []},
        schema={"a": "int64", "b": "int64", "c": "int64", "n": "int64", "n_customers": "int64"},
    )


def _basket_pairs(lines: ir.Table) -> ir.Table:
    """``order_id``, ``customer_id``, ``a < b``: every pair of items of each basket in
    ``lines``."""
    left = lines.select("order_id", "customer_id", a="item")
    right = lines.select(order=lines.order_id, b="item")
    joined = left.join(right, [left.order_id == right.order, left.a < right.b])
    return joined.select("order_id", "customer_id", "a", "b")


def _triples(known: ir.Table, pairs: ir.Table, settings: RuleSettings) -> ir.Table:
    """Frequent ``a < b < c``: two frequent pairs sharing ``a`` in one basket, counted,
    then kept when ``(b, c)`` is a frequent pair too.

    ``known`` holds each basket's pairs (``order_id``, ``customer_id``, ``a``, ``b``) that
    are in ``min_count`` baskets; those of too few customers among them make no triple
    (a triple's customers are among its pairs'). Counting before checking ``(b, c)`` is exact (every basket holding ``a, b, c``
    holds the frequent pairs ``(a, b)`` and ``(a, c)``) and joins the small counted table,
    not the basket rows, to the pairs.
    """
    first = known.select("order_id", "customer_id", "a", "b")
    second = known.select(order=known.order_id, a2=known.a, c=known.b)
    joined = first.join(
        second,
        [first.order_id == second.order, first.a == second.a2, first.b < second.c],
    )
    frequent = _frequent(joined.select("customer_id", "a", "b", "c"), ["a", "b", "c"], settings)
    closing = pairs.select(b2=pairs.a, c2=pairs.b)
    closed = frequent.join(closing, [frequent.b == closing.b2, frequent.c == closing.c2])
    return closed.select("a", "b", "c", "n", "n_customers")


def _ratio(part: ir.NumericValue, whole: ir.NumericValue) -> ir.FloatingValue:
    """``part / whole`` as a float, null when ``whole`` is 0 (Spark's ANSI mode raises)."""
    return part.cast("float64") / whole.cast("float64").nullif(0.0)


RULE_COLUMNS = (
    "antecedent_1",
    "consequent",
    "n_baskets",
    "n_customers",
    "n_antecedent",
    "n_consequent",
)
"""The counts of a rule before its statistics (with ``antecedent_2`` for two items)."""


def rule_table(itemsets: Itemsets, settings: RuleSettings) -> ir.Table:
    """Rules ``A -> c`` with one- and two-item antecedents, and their statistics.

    Columns: ``antecedent_1``, ``antecedent_2`` (null for one item), ``consequent``,
    ``n_baskets``, ``n_customers`` (distinct customers with a basket holding ``A`` and
    ``c``), ``support``, ``confidence``, ``lift``. Rules under ``min_confidence`` are
    dropped, and so are two-item antecedent rules "X and Y -> Z" whose confidence is not
    above both "X -> Z"'s and "Y -> Z"'s (minimum improvement, see the module). Both the
    rule list and the rule recommender read this table, and the recommender loses nothing
    by the improvement filter: a customer who bought X and Y matches "X -> Z" too, the
    recommender scores an item by its best rule (highest confidence, then lift, then
    baskets), and a longer rule that does not improve on the shorter one never ranks above
    it (no higher confidence or lift, no more baskets). So its items and scores stay the
    same; it matches fewer rules, and its reasons name the shorter rule.
    """
    total = itemsets.n_baskets()
    singles = _one_item_rules(itemsets)
    with_none = singles.mutate(antecedent_2=ibis.null("int64"))
    parts = [with_none.select("antecedent_1", "antecedent_2", *RULE_COLUMNS[1:])]
    if settings.triples:
        parts.append(_two_item_rules(itemsets))
    rules = ibis.union(*parts)
    confidence = _ratio(rules.n_baskets, rules.n_antecedent)
    with_stats = rules.select(
        "antecedent_1",
        "antecedent_2",
        "consequent",
        "n_baskets",
        "n_customers",
        support=_ratio(rules.n_baskets, total),
        confidence=confidence,
        lift=confidence / _ratio(rules.n_consequent, total),
    )
    return with_stats.filter(with_stats.confidence >= settings.min_confidence)


def _one_item_rules(itemsets: Itemsets) -> ir.Table:
    """``X -> Z`` from each frequent pair, both ways, with the counts of ``X`` and ``Z``."""
    items = itemsets.items
    pairs = itemsets.pairs
    parts = []
    for source, target in (("a", "b"), ("b", "a")):
        lhs = items.select(x=items.item, n_x=items.n)
        rhs = items.select(y=items.item, n_y=items.n)
        joined = pairs.join(lhs, pairs[source] == lhs.x).join(rhs, pairs[target] == rhs.y)
        parts.append(
            joined.select(
                antecedent_1=joined[source],
                consequent=joined[target],
                n_baskets=joined.n,
                n_customers=joined.n_customers,
                n_antecedent=joined.n_x,
                n_consequent=joined.n_y,
            )
        )
    return ibis.union(*parts)


WAYS = (("a", "b", "c"), ("a", "c", "b"), ("b", "c", "a"))
"""The three rules of a triple ``a < b < c``: (first, second) of the antecedent, consequent."""


def _two_item_rules(itemsets: Itemsets) -> ir.Table:
    """``X and Y -> Z`` from each frequent triple, three ways, with the counts of ``{X, Y}``
    and ``Z``; only those more confident than both "X -> Z" and "Y -> Z" (Bayardo et al.'s
    minimum improvement, above zero).

    Each triple is joined once to the counts of its three pairs and three items (six small
    joins), then read three ways by a cross join with a three-row table, so the engine
    plans the joins once (a union of three readings would plan them three times, which a
    Spark driver may not survive). Both shorter rules exist: the pairs of a frequent triple
    are frequent. Confidences are compared as cross products of whole counts,
    ``n(XYZ) n(X) > n(XZ) n(XY)``, so two equal fractions are never told apart by rounding.
    """
    counted = _with_subset_counts(itemsets)
    # three rows made by the engine: an in-memory table would stay registered with the
    # connection after every read of the rules
    ways = ibis.literal([0, 1, 2], type="array<int64>").unnest().name("way").as_table()
    table = counted.cross_join(ways)

    def pick(*names: str) -> ir.IntegerValue:
        """Column ``names[k]`` in the rows of way ``k``."""
        branches = [(table.way == k, table[name]) for k, name in enumerate(names)]
        value: ir.IntegerValue = ibis.cases(*branches[:-1], else_=branches[-1][1])
        return value

    def n(way: tuple[str, str, str], *members: str) -> str:
        """The count column of ``members`` (positions in ``way``)."""
        return "n_" + "".join(sorted(way[int(m)] for m in members))

    def count(*members: str) -> ir.IntegerValue:
        value: ir.IntegerValue = pick(*(n(way, *members) for way in WAYS)).cast("int64")
        return value

    longer = table.n.cast("int64")
    both = count("0", "1")
    improves = (longer * count("0") > count("0", "2") * both) & (
        longer * count("1") > count("1", "2") * both
    )
    kept = table.filter(improves)
    return kept.select(
        antecedent_1=pick(*(way[0] for way in WAYS)),
        antecedent_2=pick(*(way[1] for way in WAYS)).cast("int64"),
        consequent=pick(*(way[2] for way in WAYS)),
        n_baskets=kept.n,
        n_customers=kept.n_customers,
        n_antecedent=both,
        n_consequent=count("2"),
    )


def _with_subset_counts(itemsets: Itemsets) -> ir.Table:
    """The triples ``a < b < c`` with ``n``, ``n_customers`` and the baskets of each of
    their pairs (``n_ab``, ``n_ac``, ``n_bc``) and items (``n_a``, ``n_b``, ``n_c``)."""
    table = itemsets.triples
    pairs = itemsets.pairs
    items = itemsets.items
    for u, v in (("a", "b"), ("a", "c"), ("b", "c")):
        name = f"n_{u}{v}"
        pair = pairs.select(**{f"{name}_u": pairs.a, f"{name}_v": pairs.b, name: pairs.n})
        joined = table.join(pair, [table[u] == pair[f"{name}_u"], table[v] == pair[f"{name}_v"]])
        table = joined.select(*table.columns, name)
    for w in ("a", "b", "c"):
        name = f"n_{w}"
        item = items.select(**{f"{name}_item": items.item, name: items.n})
        joined = table.join(item, table[w] == item[f"{name}_item"])
        table = joined.select(*table.columns, name)
    return table
