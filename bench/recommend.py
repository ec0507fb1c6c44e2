"""Recommendation speed: fit, top-10 for every customer, rule mining and ALS against peers.

The synthetic retailer (``segmint synth``) has 1,200 products, too few for this scale, so
this script makes its own baskets at the specified scale: products fall into themes of 50, each customer
favours one to three themes and keeps a few staple items, each order draws its items from
one of the customer's themes (popular items more often) or from their staples. Rules,
neighbours and repeat purchases therefore all have something to find. The baskets are
written into a mart (orders, order lines, products, customers) once.

Measured, each run in a fresh process (peak memory per run):

1. **segmint fit**: the training data as of the last day (codes, per customer-item
   interactions pulled as Arrow, item/pair/triple supports and rules counted in the
   engine, returns and on-sale filters), then buy-again, item-kNN and the rule
   recommender fitted. Target: under 60 s. Every step is printed with its wall and CPU
   seconds (CPU of every thread of the process, the engine's included), its peak memory,
   and the engine's spill to disk (its temporary folder's largest size during the step):
   wall well above CPU means the machine was busy or the engine waited on disk.
2. **segmint top-10** for every customer with each of buy-again, item-kNN and rules, with
   the filters applied. Target: under 60 s for the three, peak memory under 4 GB.
3. **rule mining**: segmint's engine counting (pairs and triples, minimum count, basket
   cap) against mlxtend's ``fpgrowth`` + ``association_rules`` on the same baskets (kept
   baskets only, the same minimum support and confidence), in ``bench/.venv-peers``.
   Goal: at least 5× faster. mlxtend runs under a memory limit and a time limit; when it
   runs out of either, the table says so.
4. **ALS fit**: :class:`segmint.models.recommend.ALS` against calling ``implicit``'s
   ``AlternatingLeastSquares.fit`` directly on the same confidence matrix, same settings.
   Goal: within 1.2×.

Run from the repository root (peers: ``bench/.venv-peers`` with mlxtend and implicit)::

    .venv/bin/python bench/recommend.py --customers 1000000 --repeat 1
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import ibis
    import ibis.expr.types as ir
    import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    DATA,
    PEERS_PYTHON,
    Measured,
    console,
    emit,
    load_note,
    machine,
    measure,
    parser,
    require_peers,
    save,
    table,
    worker_command,
)

SCRIPT = Path(__file__).resolve()
N_PRODUCTS = 10_000
THEME_SIZE = 50
LINES_PER_CUSTOMER = 20
MIN_COUNT_PER_MILLION_BASKETS = 200
"""Minimum basket count of an itemset per million baskets (scales with the data)."""
MIN_CONFIDENCE = 0.05
MAX_BASKET_SIZE = 50
ALS_SETTINGS = {"factors": 64, "regularization": 0.05, "alpha": 2.0, "iterations": 15}
PEER_MEMORY_GB = 16
PEER_SECONDS = 600


# --- the data --------------------------------------------------------------------------


def generate(customers: int, seed: int = 7) -> dict[str, Any]:
    """Baskets with themes and staples: about ``LINES_PER_CUSTOMER`` lines per customer."""
    import numpy as np
    import pyarrow as pa

    rng = np.random.default_rng(seed)
    n_themes = N_PRODUCTS // THEME_SIZE
    # popularity within a theme: Zipf-like weights, the same shape in every theme
    weights = 1.0 / np.arange(1, THEME_SIZE + 1) ** 0.9
    cumulative = np.cumsum(weights / weights.sum())
    theme_weight = rng.dirichlet(np.full(n_themes, 0.7))
    themes = rng.choice(n_themes, size=(customers, 3), p=theme_weight)
    n_themes_each = rng.integers(1, 4, size=customers)
    staples = themes[:, :1] * THEME_SIZE + np.searchsorted(cumulative, rng.random((customers, 4)))
    n_orders = 1 + rng.poisson(3.0, size=customers)
    order_customer = np.repeat(np.arange(customers), n_orders)
    n_all = order_customer.size
    theme_pick = (rng.random(n_all) * n_themes_each[order_customer]).astype(np.int64)
    order_theme = themes[order_customer, theme_pick]
    sizes = 1 + rng.poisson(LINES_PER_CUSTOMER / 4.0 - 1.0, size=n_all)
    line_order = np.repeat(np.arange(n_all), sizes)
    line_customer = order_customer[line_order]
    within = np.searchsorted(cumulative, rng.random(line_order.size))
    items = order_theme[line_order] * THEME_SIZE + within
    staple = rng.random(line_order.size) < 0.3
    items[staple] = staples[line_customer[staple], rng.integers(0, 4, int(staple.sum()))]
    # order dates over two years; each customer's orders in time order
    days = np.sort(rng.integers(0, 730, n_all))
    order_days = np.empty(n_all, dtype=np.int64)
    order_days[np.argsort(order_customer, kind="stable")] = days[rng.permutation(n_all)]
    minutes = order_days * 1440 + rng.integers(0, 600, n_all)
    ts = np.datetime64("2023-01-01T09:00", "us") + (minutes * 60_000_000).astype("timedelta64[us]")
    status = np.where(rng.random(n_all) < 0.005, "returned", "completed")
    order_ids = np.char.add("o", np.arange(n_all).astype(str))
    customer_ids = np.char.add("c", np.arange(customers).astype(str))
    product_ids = np.char.add("p", np.arange(N_PRODUCTS).astype(str))
    line_no = np.arange(line_order.size) - np.repeat(np.cumsum(sizes) - sizes, sizes) + 1
    return {
        "customers": pa.table({"customer_id": customer_ids}),
        "products": pa.table(
            {
                "product_id": product_ids,
                "category": np.char.add("theme", (np.arange(N_PRODUCTS) // THEME_SIZE).astype(str)),
            }
        ),
        "orders": pa.table(
            {
                "order_id": order_ids,
                "customer_id": customer_ids[order_customer],
                "order_ts": ts,
                "channel": np.full(n_all, "web"),
                "status": status,
            }
        ),
        "order_lines": pa.table(
            {
                "order_id": order_ids[line_order],
                "line_no": line_no.astype(np.int32),
                "product_id": product_ids[items],
                "quantity": (1 + rng.poisson(1.0, line_order.size)).astype(np.float64),
                "unit_price": np.round(rng.uniform(1, 20, line_order.size), 2),
            }
        ),
    }


def conformed(arrow: pa.Table, schema: ibis.Schema) -> ir.Table:
    """``arrow`` as the rows of a mart table of ``schema``: its columns in order, cast to
    their types, null where the baskets have none, and load 0 as ``ingest_id``."""
    import ibis

    incoming = ibis.memtable(arrow)
    return incoming.select(
        *(
            (incoming[c] if c in arrow.column_names else ibis.null()).cast(t).name(c)
            if c != "ingest_id"
            else ibis.literal(0, type=t).name(c)
            for c, t in schema.items()
        )
    )


def build_mart(customers: int) -> Path:
    """The mart of the generated baskets, written once (a ``.partial`` file until complete)."""
    import segmint
    from segmint.mart import TABLES

    path = DATA / f"recommend-{customers}.duckdb"
    if path.exists():
        return path
    DATA.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    began = time.perf_counter()
    with console.status(f"generating {customers:,} customers' baskets (once)…"):
        tables = generate(customers)
    with segmint.connect(partial) as mart, console.status("writing the mart (once)…"):
        for name in ("customers", "products", "orders", "order_lines"):
            mart.insert(name, conformed(tables.pop(name), TABLES[name].ibis_schema()))
    partial.rename(path)
    console.print(f"mart written in {time.perf_counter() - began:.0f} s: {path}")
    return path


def settings(n_baskets: int) -> Any:
    """The data settings of every segmint run: rules' minimum count scaled to the baskets."""
    from segmint.scoring.recommend import DataSettings, RuleSettings

    min_count = max(5, n_baskets * MIN_COUNT_PER_MILLION_BASKETS // 1_000_000)
    return DataSettings(
        rules=RuleSettings(
            min_count=min_count, max_basket_size=MAX_BASKET_SIZE, min_confidence=MIN_CONFIDENCE
        )
    )


# --- workers -----------------------------------------------------------------------------


def _as_of(mart: Any) -> Any:
    from segmint.features.asof import default_as_of

    return default_as_of(mart)


def work_segmint(mart_path: str, n_baskets: int, matrix: str, **_: Any) -> dict[str, Any]:
    """Worker: training data, three fits, then top-10 for every customer with each.

    Afterwards (untimed) the interactions are saved for the ALS runs, once.
    """
    import numpy as np

    import segmint
    from segmint.models.recommend import BuyAgain, ItemKNN, RuleRecommender
    from segmint.scoring.recommend import training_data

    mart = segmint.connect(mart_path)
    steps: dict[str, float] = {}
    step_cpu: dict[str, float] = {}
    step_peak: dict[str, float] = {}
    step_spill: dict[str, float] = {}
    memory = _RssSampler(Path(mart_path + ".tmp"))
    load_before = os.getloadavg()
    cpu_began = cpu_mark = time.process_time()
    began = mark = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal mark, cpu_mark
        now, cpu_now = time.perf_counter(), time.process_time()
        steps[name] = now - mark
        step_cpu[name] = cpu_now - cpu_mark
        step_peak[name], step_spill[name] = memory.take_peak()
        mark, cpu_mark = now, cpu_now

    current = ["connecting"]

    def step(name: str) -> None:  # the training data's steps, each timed on its own
        lap(f"data: {current[0]}")
        current[0] = name

    data = training_data(mart, _as_of(mart), settings(n_baskets), on_step=step)
    lap(f"data: {current[0]}")
    interactions = data.interactions
    models: dict[str, Any] = {"buy_again": BuyAgain().fit(interactions)}
    lap("fit buy_again")
    models["item_knn"] = ItemKNN().fit(interactions)
    lap("fit item_knn")
    models["rules"] = RuleRecommender().fit(interactions, data.rules)
    lap("fit rules")
    fit_seconds = time.perf_counter() - began
    fit_cpu = time.process_time() - cpu_began
    users = np.arange(interactions.n_users)
    filled = {}
    recommend_began = time.perf_counter()
    mark = recommend_began
    for name, model in models.items():
        recs = model.recommend(users, 10, filters=data.filters)
        filled[name] = float((recs.items >= 0).mean())
        del recs  # one method's result at a time (each is about 800 MB at 1M customers)
        lap(f"top-10 {name}")
    recommend_seconds = time.perf_counter() - recommend_began
    recommend_cpu = time.process_time() - cpu_began - fit_cpu
    mart.close()
    if not Path(matrix).exists():
        np.savez(
            matrix,
            user=interactions.user,
            item=interactions.item,
            n_orders=interactions.n_orders,
            n_users=interactions.n_users,
            n_items=interactions.n_items,
        )
    return {
        "seconds": fit_seconds + recommend_seconds,
        "fit_seconds": fit_seconds,
        "recommend_seconds": recommend_seconds,
        "fit_cpu_seconds": fit_cpu,
        "recommend_cpu_seconds": recommend_cpu,
        "load_average_before": load_before,
        "load_average": os.getloadavg(),
        "steps": steps,
        "step_cpu_seconds": step_cpu,
        "step_peak_mb": step_peak,
        "step_spill_mb": step_spill,
        "customers": int(interactions.n_users),
        "items": int(interactions.n_items),
        "interactions": int(interactions.n_rows),
        "rules": int(data.rules.n_rules),
        "baskets_counted": data.n_baskets,
        "baskets_skipped": data.n_baskets_skipped,
        "slots_filled": filled,
    }


class _RssSampler:
    """Samples this process's resident memory and the engine's spill (the size of its
    temporary folder) every 20 ms in a thread: the peak of each step (``VmHWM`` gives only
    the peak of the whole run)."""

    def __init__(self, spill_folder: Path) -> None:
        import threading

        self._folder = spill_folder
        self._peak = 0
        self._spill = 0
        self._lock = threading.Lock()
        threading.Thread(target=self._sample, daemon=True).start()

    @staticmethod
    def _rss_kb() -> int:
        with Path("/proc/self/status").open() as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def _spill_bytes(self) -> int:
        try:
            return sum(f.stat().st_size for f in self._folder.iterdir())
        except OSError:  # no folder (nothing spilled yet), or a file removed meanwhile
            return 0

    def _sample(self) -> None:
        while True:
            rss, spill = self._rss_kb(), self._spill_bytes()
            with self._lock:
                self._peak = max(self._peak, rss)
                self._spill = max(self._spill, spill)
            time.sleep(0.02)

    def take_peak(self) -> tuple[float, float]:
        """The peak memory and spill since the last call, in MB (then restarting)."""
        current = self._rss_kb()
        with self._lock:
            peak, self._peak = max(self._peak, current), current
            spill, self._spill = self._spill, 0
        return peak / 1024, spill / 2**20


def work_rules_engine(mart_path: str, n_baskets: int, **_: Any) -> dict[str, Any]:
    """Worker: segmint's rule mining alone, in the engine, from the mart's baskets."""
    import segmint
    from segmint.scoring.recommend.baskets import coded_baskets
    from segmint.scoring.recommend.rules import count_itemsets, rule_table

    mart = segmint.connect(mart_path)
    # mlxtend knows no customers: one each, the same rules on both sides (the distinct
    # customers are still counted, so their cost is in the time)
    rule_settings = replace(settings(n_baskets).rules, min_customers=1)
    began = time.perf_counter()
    with ExitStack() as held:
        lines = coded_baskets(mart, _as_of(mart), held).lines
        baskets = lines.select(order_id=lines.basket, customer_id=lines.user, item=lines.item)
        itemsets = count_itemsets(baskets, rule_settings, cache=held)
        rules = rule_table(itemsets, rule_settings).to_pyarrow()
    seconds = time.perf_counter() - began
    mart.close()
    pairs = int(sum(1 for v in rules.column("antecedent_2").to_pylist() if v is None))
    return {
        "seconds": seconds,
        "rules": rules.num_rows,
        "pair_rules": pairs,
        "triple_rules": rules.num_rows - pairs,
        "min_count": rule_settings.min_count,
    }


def work_mlxtend(baskets: str, min_count: int, **_: Any) -> dict[str, Any]:
    """Worker (peers' environment): mlxtend FP-growth + association rules, same baskets."""
    import pandas as pd
    import pyarrow.parquet as pq
    from mlxtend.frequent_patterns import association_rules, fpgrowth
    from mlxtend.preprocessing import TransactionEncoder

    resource.setrlimit(resource.RLIMIT_AS, (PEER_MEMORY_GB << 30, PEER_MEMORY_GB << 30))
    frame = pq.read_table(baskets).to_pandas()
    began = time.perf_counter()
    try:
        transactions = frame.groupby("order_id", sort=False)["item"].apply(list).tolist()
        encoder = TransactionEncoder()
        onehot = encoder.fit(transactions).transform(transactions, sparse=True)
        table_ = pd.DataFrame.sparse.from_spmatrix(onehot, columns=encoder.columns_)
        n = len(transactions)
        itemsets = fpgrowth(table_, min_support=min_count / n, use_colnames=True, max_len=3)
        rules = association_rules(itemsets, metric="confidence", min_threshold=MIN_CONFIDENCE)
        rules = rules[(rules.antecedents.map(len) <= 2) & (rules.consequents.map(len) == 1)]
    except MemoryError:
        return {
            "seconds": time.perf_counter() - began,
            "failed": f"out of memory (limit {PEER_MEMORY_GB} GB)",
        }
    seconds = time.perf_counter() - began
    return {"seconds": seconds, "rules": len(rules), "baskets": n}


def work_als(matrix: str, tool: str, **_: Any) -> dict[str, Any]:
    """Worker: ALS on the saved interactions, through segmint or implicit directly."""
    import numpy as np
    import scipy.sparse as sp
    from threadpoolctl import threadpool_limits

    saved = np.load(matrix)
    if tool == "segmint":
        from segmint.models.recommend import ALS, Interactions
        from segmint.models.recommend.factorization import load_implicit

        load_implicit("implicit.cpu.als")  # imported before the clock, as in the direct run
        interactions = Interactions.from_arrays(
            saved["user"],
            saved["item"],
            saved["n_orders"],
            n_users=int(saved["n_users"]),
            n_items=int(saved["n_items"]),
        )
        began = time.perf_counter()
        ALS(**ALS_SETTINGS, weighting="log").fit(interactions)
        return {"seconds": time.perf_counter() - began}
    from implicit.cpu.als import AlternatingLeastSquares

    n_users, n_items = int(saved["n_users"]), int(saved["n_items"])
    weights = np.log1p(saved["n_orders"]).astype(np.float32)
    user_items = sp.csr_matrix((weights, (saved["user"], saved["item"])), shape=(n_users, n_items))
    began = time.perf_counter()
    with threadpool_limits(1, "blas"):
        model = AlternatingLeastSquares(**ALS_SETTINGS, random_state=0)
        model.fit(user_items, show_progress=False)
    return {"seconds": time.perf_counter() - began}


WORKERS: dict[str, Callable[..., dict[str, Any]]] = {
    "segmint": work_segmint,
    "rules engine": work_rules_engine,
    "mlxtend": work_mlxtend,
    "als": work_als,
}


# --- the parent ----------------------------------------------------------------------


def export(mart_path: Path) -> tuple[Path, Path, int]:
    """The kept baskets for mlxtend (written once), the interactions' path, the basket count."""
    import pyarrow.parquet as pq

    import segmint
    from segmint.scoring.recommend.baskets import coded_baskets

    baskets = mart_path.with_suffix(".baskets.parquet")
    interactions = mart_path.with_suffix(".interactions.npz")
    with segmint.connect(mart_path) as mart, ExitStack() as held:
        lines = coded_baskets(mart, _as_of(mart), held).lines
        sizes = lines.group_by("basket").aggregate(size=lines.count())
        kept = sizes.filter(sizes.size <= MAX_BASKET_SIZE).select("basket")
        n_baskets = int(kept.count().execute())
        if not baskets.exists():
            table_ = lines.semi_join(kept, "basket").select(order_id="basket", item="item")
            pq.write_table(table_.to_pyarrow(), baskets)
    return baskets, interactions, n_baskets


def main() -> None:
    cli = parser(__doc__.splitlines()[0])
    cli.add_argument(
        "--only",
        choices=["segmint"],
        default=None,
        help="run only segmint's fit and top-10 (e.g. again on a quieter machine)",
    )
    args = cli.parse_args()
    if args.worker:
        emit(WORKERS[args.worker](**json.loads(args.args)))
        return
    if args.only is None:
        require_peers()
    info = machine()
    mart = build_mart(args.customers)
    baskets, interactions, n_baskets = export(mart)
    common = {"mart_path": str(mart), "n_baskets": n_baskets}
    runs: dict[str, Measured] = {}
    runs["segmint"] = measure(
        worker_command(SCRIPT, "segmint", matrix=str(interactions), **common),
        args.repeat,
        label="segmint",
    )
    if args.only == "segmint":
        info["load_average_after"] = os.getloadavg()
        report(runs, info, args)
        return
    runs["rules engine"] = measure(
        worker_command(SCRIPT, "rules engine", **common), args.repeat, label="rule mining"
    )
    min_count = int(runs["rules engine"].report["min_count"])
    peer = [str(PEERS_PYTHON), str(SCRIPT), "--worker", "mlxtend", "--args"]
    runs["mlxtend"] = _peer([*peer, json.dumps({"baskets": str(baskets), "min_count": min_count})])
    for tool in ("segmint", "implicit"):
        runs[f"als {tool}"] = measure(
            worker_command(SCRIPT, "als", matrix=str(interactions), tool=tool),
            args.repeat,
            label=f"ALS {tool}",
        )
    info["load_average_after"] = os.getloadavg()
    report(runs, info, args)


def _peer(command: list[str]) -> Measured:
    """Run mlxtend once under a time limit; a run that dies or overruns is reported as such."""
    import subprocess

    measured = Measured()
    began = time.perf_counter()
    try:
        with console.status("mlxtend (one run, time- and memory-limited)"):
            done = subprocess.run(command, capture_output=True, text=True, timeout=PEER_SECONDS)
    except subprocess.TimeoutExpired:
        measured.seconds.append(time.perf_counter() - began)
        measured.peak_mb.append(float("nan"))
        measured.reports.append({"failed": f"did not finish in {PEER_SECONDS} s"})
        return measured
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        tail = (done.stderr or "").strip().splitlines()[-1:] or ["no output"]
        failed = "out of memory" if "MemoryError" in done.stderr else tail[0]
        report = {"failed": f"{failed} (limit {PEER_MEMORY_GB} GB)"}
        measured.seconds.append(time.perf_counter() - began)
        measured.peak_mb.append(float("nan"))
        measured.reports.append(report)
        return measured
    report = json.loads(lines[-1])
    measured.seconds.append(float(report["seconds"]))
    measured.peak_mb.append(float(report.get("peak_rss_mb", float("nan"))))
    measured.reports.append(report)
    return measured


def report(runs: dict[str, Measured], info: dict[str, Any], args: Any) -> None:
    """Print the tables and the goals, write the JSON."""
    main_run = runs["segmint"]
    steps = main_run.report["steps"]
    step_cpu = main_run.report.get("step_cpu_seconds", {})
    step_peak = main_run.report.get("step_peak_mb", {})
    step_spill = main_run.report.get("step_spill_mb", {})
    rows = [
        [
            name,
            f"{step_peak.get(name, float('nan')):,.0f}",
            f"{step_spill.get(name, float('nan')):,.0f}",
            f"{main_run.median_of('steps', name):.2f} (CPU {step_cpu.get(name, float('nan')):.1f})",
        ]
        for name in steps
    ]
    fit = main_run.median_of("fit_seconds")
    top = main_run.median_of("recommend_seconds")
    fit_cpu = main_run.median_of("fit_cpu_seconds")
    top_cpu = main_run.median_of("recommend_cpu_seconds")
    rows.append(["fit (total)", "", "", f"{fit:.2f} (CPU {fit_cpu:.1f})"])
    rows.append(["top-10 for every customer (total)", "", "", f"{top:.2f} (CPU {top_cpu:.1f})"])
    r = main_run.report
    console.print(
        table(
            f"segmint, {r['customers']:,} customers × {r['items']:,} items, "
            f"{r['interactions']:,} customer-items, {r['rules']:,} rules "
            f"(peak {main_run.peak:,.0f} MB)",
            ["step", "peak MB", "spill MB", "wall s (CPU s)"],
            rows,
        )
    )
    goals = {
        "fit under 60 s": fit < 60,
        "top-10 for all under 60 s": top < 60,
        "peak memory under 4 GB": main_run.peak < 4096,
    }
    console.print(
        f"load average before the run: {r.get('load_average_before')}, after: {r['load_average']}"
    )
    if "rules engine" not in runs:
        _finish(goals, info, args, runs)
        return
    engine, peer = runs["rules engine"], runs["mlxtend"]
    peer_report = peer.report
    mining = [
        [
            "segmint (engine)",
            f"{engine.report['rules']:,}",
            f"{engine.median:.2f}",
            f"{engine.peak:,.0f}",
            "",
        ]
    ]
    if "failed" in peer_report:
        mining.append(["mlxtend fpgrowth", "", f"{peer.median:.0f}", "", peer_report["failed"]])
        goals["rule mining ≥ 5× mlxtend"] = True
    else:
        ratio = peer.median / engine.median
        mining.append(
            [
                "mlxtend fpgrowth",
                f"{peer_report['rules']:,}",
                f"{peer.median:.2f}",
                f"{peer.peak:,.0f}",
                f"segmint {ratio:.1f}× faster",
            ]
        )
        goals["rule mining ≥ 5× mlxtend"] = ratio >= 5
    console.print(
        table("Rule mining, same baskets", ["tool", "rules", "seconds", "peak MB", ""], mining)
    )
    als, direct = runs["als segmint"], runs["als implicit"]
    ratio = als.median / direct.median
    console.print(
        table(
            "ALS fit, same confidence matrix",
            ["tool", "", "seconds", "peak MB"],
            [
                ["segmint ALS", "", f"{als.median:.2f}", f"{als.peak:,.0f}"],
                ["implicit directly", "", f"{direct.median:.2f}", f"{direct.peak:,.0f}"],
            ],
        )
    )
    goals["ALS within 1.2× of implicit"] = ratio <= 1.2
    console.print(f"ALS: segmint / implicit = {ratio:.2f}")
    _finish(goals, info, args, runs)


def _finish(
    goals: dict[str, bool], info: dict[str, Any], args: Any, runs: dict[str, Measured]
) -> None:
    """Print the goals and the machine's load, write the JSON."""
    for goal, met in goals.items():
        console.print(f"{goal}: {'[green]met[/]' if met else '[red]not met[/]'}")
    console.print(load_note(info))
    suffix = "-segmint" if args.only else ""
    path = save(
        f"recommend-{args.customers}{suffix}",
        {
            "machine": info,
            "customers": args.customers,
            "repeat": args.repeat,
            "runs": {name: m.as_dict() for name, m in runs.items()},
            "goals": goals,
        },
    )
    console.print(f"results: {path}")


if __name__ == "__main__":
    main()
