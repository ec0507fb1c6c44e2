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
        max_basket_size: baskets with more distinct items are not counted.
        min_confidence: rules below are dropped in the engine.
        triples: also count triples, for two-item antecedents ("X and Y -> Z").
    """

    min_count: int = 10
    max_basket_size: int = 50
    min_confidence: float = 0.05
    triples: bool = True

    def __post_init__(self) -> None:
        if not (isinstance(self.min_count, int) and self.min_count >= 1):
            raise InputError(
                f"min_count must be an integer >= 1 (baskets); got {self.min_count!r}."
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
        lines: ``order_id``, ``item`` of the kept baskets.
        items: ``item``, ``n`` for items in at least ``min_count`` baskets.
        pairs: ``a < b``, ``n`` for frequent pairs.
        triples: ``a < b < c``, ``n`` for frequent triples (empty when not counted).
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
    """Frequent items, pairs and triples of ``baskets`` (columns ``order_id``, ``item``).

    ``baskets`` must hold each item at most once per basket (as
    :func:`segmint.scoring.recommend.baskets.coded_baskets` does); ``order_id`` may be any
    type (an integer code is much cheaper to join on than a string). With ``cache``, each
    step is held by the engine (:meth:`ibis.Table.cache`) until the stack closes, so the
    next step and the rule table read the counted result instead of counting again.
    """

    def held(table: ir.Table, stack: ExitStack | None = cache) -> ir.Table:
        return table if stack is None else stack.enter_context(table.cache())

    sizes = held(baskets.group_by("order_id").aggregate(size=baskets.count()))
    kept = sizes.filter(sizes.size <= settings.max_basket_size).select("order_id")
    lines = baskets.select("order_id", "item").semi_join(kept, "order_id")
    counts = lines.group_by("item").aggregate(n=lines.count())
    items = held(counts.filter(counts.n >= settings.min_count))
    # the intermediate tables are dropped as soon as the next step has read them, so the
    # engine holds less (and spills less) while it counts the pairs and triples
    with ExitStack() as scratch:
        own = scratch if cache is not None else None
        # only frequent items can be in a frequent pair or triple (Apriori)
        frequent = held(lines.semi_join(items.select("item"), "item"), own)
        basket_pairs = _basket_pairs(frequent)
        pair_counts = basket_pairs.group_by(["a", "b"]).aggregate(n=basket_pairs.count())
        pairs = held(pair_counts.filter(pair_counts.n >= settings.min_count))
        triples = _no_triples()
        if settings.triples:
            # the baskets' pairs that are frequent, formed once more for the triples
            in_pairs = _basket_pairs(frequent).semi_join(pairs.select("a", "b"), ["a", "b"])
            triples = held(_triples(held(in_pairs, own), pairs, settings.min_count))
    return Itemsets(sizes, lines, items, pairs, triples, settings.max_basket_size)


def _no_triples() -> ir.Table:
    """An empty triple table (when triples are not counted)."""
    return ibis.memtable(
        {"a": [], "b": [], "c": [], "n": []},
        schema={"a": "int64", "b": "int64", "c": "int64", "n": "int64"},
    )


def _basket_pairs(lines: ir.Table) -> ir.Table:
    """``order_id``, ``a < b``: every pair of items of each basket in ``lines``."""
    left = lines.select("order_id", a="item")
    right = lines.select(order=lines.order_id, b="item")
    joined = left.join(right, [left.order_id == right.order, left.a < right.b])
    return joined.select("order_id", "a", "b")


def _triples(known: ir.Table, pairs: ir.Table, min_count: int) -> ir.Table:
    """Frequent ``a < b < c``: two frequent pairs sharing ``a`` in one basket, counted,
    then kept when ``(b, c)`` is a frequent pair too.

    ``known`` holds each basket's frequent pairs (``order_id``, ``a``, ``b``). Counting
    before checking ``(b, c)`` is exact (every basket holding ``a, b, c`` holds the
    frequent pairs ``(a, b)`` and ``(a, c)``) and joins the small counted table, not the
    basket rows, to the pairs.
    """
    first = known.select("order_id", "a", "b")
    second = known.select(order=known.order_id, a2=known.a, c=known.b)
    joined = first.join(
        second,
        [first.order_id == second.order, first.a == second.a2, first.b < second.c],
    )
    counts = joined.group_by(["a", "b", "c"]).aggregate(n=joined.count())
    frequent = counts.filter(counts.n >= min_count)
    closing = pairs.select(b2=pairs.a, c2=pairs.b)
    closed = frequent.join(closing, [frequent.b == closing.b2, frequent.c == closing.c2])
    return closed.select("a", "b", "c", "n")


def _ratio(part: ir.NumericValue, whole: ir.NumericValue) -> ir.FloatingValue:
    """``part / whole`` as a float, null when ``whole`` is 0 (Spark's ANSI mode raises)."""
    return part.cast("float64") / whole.cast("float64").nullif(0.0)


def rule_table(itemsets: Itemsets, settings: RuleSettings) -> ir.Table:
    """Rules ``A -> c`` with one- and two-item antecedents, and their statistics.

    Columns: ``antecedent_1``, ``antecedent_2`` (null for one item), ``consequent``,
    ``n_baskets``, ``support``, ``confidence``, ``lift``; rules under ``min_confidence``
    are dropped.
    """
    total = itemsets.n_baskets()
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
                antecedent_2=ibis.null("int64"),
                consequent=joined[target],
                n_baskets=joined.n,
                n_antecedent=joined.n_x,
                n_consequent=joined.n_y,
            )
        )
    if settings.triples:
        triples = itemsets.triples
        for first, second, target in (("a", "b", "c"), ("a", "c", "b"), ("b", "c", "a")):
            both = pairs.select(p=pairs.a, q=pairs.b, n_pq=pairs.n)
            rhs = items.select(y=items.item, n_y=items.n)
            with_pair = triples.join(
                both, [triples[first] == both.p, triples[second] == both.q]
            ).select(triples, both.n_pq)
            joined = with_pair.join(rhs, with_pair[target] == rhs.y)
            parts.append(
                joined.select(
                    antecedent_1=joined[first],
                    antecedent_2=joined[second].cast("int64"),
                    consequent=joined[target],
                    n_baskets=joined.n,
                    n_antecedent=joined.n_pq,
                    n_consequent=joined.n_y,
                )
            )
    rules = ibis.union(*parts)
    confidence = _ratio(rules.n_baskets, rules.n_antecedent)
    with_stats = rules.select(
        "antecedent_1",
        "antecedent_2",
        "consequent",
        "n_baskets",
        support=_ratio(rules.n_baskets, total),
        confidence=confidence,
        lift=confidence / _ratio(rules.n_consequent, total),
    )
    return with_stats.filter(with_stats.confidence >= settings.min_confidence)
