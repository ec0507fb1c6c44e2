"""CLV model fits and scoring: segmint against lifetimes and PyMC-Marketing (MAP), in one run.

    .venv/bin/python bench/clv.py [--sizes 100000 1000000] [--repeat 1] [--timeout 900] [--skip-slow]
                                  [--models bgnbd paretonbd gammagamma] [--out clv]
                                  [--tools segmint lifetimes pymc-marketing] [--no-scoring]

Data: the CDNOW 1/10 sample summary (2,357 customers, 39 weeks, with mean spend) and
customers simulated from the published CDNOW BG/NBD and Gamma-Gamma estimates, ages
uniform over two years rounded to whole days (generated once into
``bench/results/data/clv-sim-N.parquet``). Fits: BG/NBD, Pareto/NBD, Gamma-Gamma by
segmint; ``BetaGeoFitter``, ``ParetoNBDFitter``, ``GammaGammaFitter`` by lifetimes 0.11.3;
``BetaGeoModel``, ``ParetoNBDModel``, ``GammaGammaModel`` by PyMC-Marketing 0.19.2 with
``fit(method="map")`` and flat priors (``HalfFlat``) so the MAP is the maximum-likelihood
estimate. Every fit runs in its own process (the peers in ``bench/.venv-peers``); the
clock starts after imports and reading the data and stops when the fit returns (for
PyMC-Marketing that includes building and compiling the model, as a user waits for it).

The log-likelihood of every fit is computed afterwards with segmint's likelihood at the
fitted parameters, so the numbers compare the parameters, not each tool's constant terms.
Scoring: P(alive), expected purchases in 52 weeks and 52-week CLV (monthly discounting,
10 % a year) for every simulated customer with the segmint fits.

``--skip-slow`` leaves out the runs known to take many minutes (lifetimes' and
PyMC-Marketing's Pareto/NBD on 1M customers); a run past ``--timeout`` seconds is
stopped; both are reported. Results: ``bench/results/<--out>.json`` (default ``clv``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
CDNOW = (
    BENCH.parent.parent
    / "shared"
    / "datasets"
    / "cdnow"
    / "cdnow_customers_summary_with_transactions.csv"
)
CDNOW_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
CDNOW_GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "gamma": 15.44}
MODELS = ("bgnbd", "paretonbd", "gammagamma")
TOOLS = ("segmint", "lifetimes", "pymc-marketing")
SLOW = {("lifetimes", "paretonbd"), ("pymc-marketing", "paretonbd")}
"""Runs --skip-slow leaves out on 1M customers."""


def read_summary(path: str) -> Any:
    """The summary as a frame with ``frequency``, ``recency``, ``T``, ``monetary_value``."""
    import pandas as pd

    if path.endswith(".csv"):
        frame = pd.read_csv(path).rename(
            columns={"x": "frequency", "t_x": "recency", "zbar": "monetary_value"}
        )
        return frame[["frequency", "recency", "T", "monetary_value"]]
    return pd.read_parquet(path)


# --- workers: each runs in its own process and prints one JSON line ---------------------


def fit_segmint(model: str, frame: Any) -> dict[str, float]:
    from segmint.models import BGNBD, GammaGamma, ParetoNBD

    if model == "gammagamma":
        buyers = frame[frame.frequency > 0]
        return dict(GammaGamma().fit(buyers.frequency, buyers.monetary_value).params_)
    estimator = BGNBD() if model == "bgnbd" else ParetoNBD()
    return dict(estimator.fit(frame.frequency, frame.recency, frame["T"]).params_)


def fit_lifetimes(model: str, frame: Any) -> dict[str, float]:
    from lifetimes import (  # type: ignore[import-not-found]  # peers' venv
        BetaGeoFitter,
        GammaGammaFitter,
        ParetoNBDFitter,
    )

    if model == "gammagamma":
        buyers = frame[frame.frequency > 0]
        fitter = GammaGammaFitter().fit(buyers.frequency, buyers.monetary_value)
        params = {k: float(v) for k, v in fitter.params_.items()}
        params["gamma"] = params.pop("v")
        return params
    cls = BetaGeoFitter if model == "bgnbd" else ParetoNBDFitter
    fitter = cls().fit(frame.frequency, frame.recency, frame["T"])
    return {k: float(v) for k, v in fitter.params_.items()}


def fit_pymc(model: str, frame: Any) -> dict[str, float]:
    import numpy as np
    from pymc_extras.prior import Prior  # type: ignore[import-not-found]  # peers' venv
    from pymc_marketing.clv import (  # type: ignore[import-not-found]  # peers' venv
        BetaGeoModel,
        GammaGammaModel,
        ParetoNBDModel,
    )

    data = frame.assign(customer_id=np.arange(len(frame)))
    if model == "gammagamma":
        names, cls = ("p", "q", "v"), GammaGammaModel
        data = data[data.frequency > 0][["customer_id", "frequency", "monetary_value"]]
    else:
        names = ("r", "alpha", "a", "b") if model == "bgnbd" else ("r", "alpha", "s", "beta")
        cls = BetaGeoModel if model == "bgnbd" else ParetoNBDModel
        data = data[["customer_id", "frequency", "recency", "T"]]
    fitted = cls(data=data, model_config={n: Prior("HalfFlat") for n in names})
    fitted.fit(method="map", progressbar=False)
    params = {k: float(v) for k, v in fitted.fit_summary().items()}
    if model == "gammagamma":
        params["gamma"] = params.pop("v")
    return params


def score_segmint(frame: Any) -> dict[str, float]:
    """Seconds to score every customer: P(alive), expected purchases, CLV (fits untimed)."""
    from segmint.models import BGNBD, GammaGamma, customer_lifetime_value

    x, t_x, age = frame.frequency, frame.recency, frame["T"]
    transactions = BGNBD().fit(x, t_x, age)
    buyers = frame[frame.frequency > 0]
    spend = GammaGamma().fit(buyers.frequency, buyers.monetary_value)
    began = time.perf_counter()
    transactions.probability_alive(x, t_x, age)
    transactions.predict_purchases(52.0, x, t_x, age)
    customer_lifetime_value(
        transactions,
        spend,
        x,
        t_x,
        age,
        monetary_value=frame.monetary_value,
        horizon_end=52.0,
        period_length=52.0 / 12.0,
        discount_rate=1.1 ** (1 / 12) - 1,
    )
    return {"seconds": time.perf_counter() - began, "customers": float(len(frame))}


IMPORTS = {
    "segmint": ("segmint.models",),
    "lifetimes": ("lifetimes",),
    "pymc-marketing": ("pymc_extras.prior", "pymc_marketing.clv"),
}
"""What each tool imports, loaded before the clock starts."""


def worker(kind: str, tool: str, model: str, path: str) -> None:
    import importlib

    for module in IMPORTS[tool]:
        importlib.import_module(module)
    frame = read_summary(path)
    if kind == "score":
        print(json.dumps(score_segmint(frame)), flush=True)
        return
    fit = {"segmint": fit_segmint, "lifetimes": fit_lifetimes, "pymc-marketing": fit_pymc}[tool]
    began = time.perf_counter()
    params = fit(model, frame)
    print(json.dumps({"seconds": time.perf_counter() - began, "params": params}), flush=True)


# --- the parent: data, runs with timeouts, log-likelihoods, table -------------------------


def simulated(n: int) -> Path:
    """Customers simulated from the CDNOW estimates, generated once (see module docstring)."""
    import numpy as np
    import pandas as pd

    from segmint.models import simulate_bgnbd, simulate_gamma_gamma

    path = BENCH / "results" / "data" / f"clv-sim-{n}.parquet"
    if path.exists():
        return path
    rng = np.random.default_rng(n)
    age = np.round(rng.uniform(1.0, 104.0, n) * 7.0) / 7.0
    frame = simulate_bgnbd(CDNOW_BGNBD, age, random_state=rng)
    frame["recency"] = np.round(frame["recency"] * 7.0) / 7.0
    frame["monetary_value"] = simulate_gamma_gamma(CDNOW_GAMMA_GAMMA, frame.frequency, rng)
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(frame).to_parquet(path)
    return path


def run(kind: str, tool: str, model: str, path: Path, timeout: float) -> dict[str, Any]:
    python = BENCH / ".venv-peers" / "bin" / "python" if tool != "segmint" else Path(sys.executable)
    command = [str(python), __file__, "--worker", kind, tool, model, str(path)]
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return {"status": f"stopped after {timeout:.0f} s"}
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        return {"status": "failed", "error": done.stderr[-1500:]}
    return {"status": "ok", **json.loads(lines[-1])}


def our_log_likelihood(model: str, params: dict[str, float], frame: Any) -> float:
    """segmint's log-likelihood of ``frame`` at ``params`` (any tool's estimates)."""
    import numpy as np

    from segmint.models import BGNBD, GammaGamma, ParetoNBD
    from segmint.models._base import Histories, compress_rows
    from segmint.models._validation import validate_rfm
    from segmint.models.gamma_gamma import RepeatSpends

    if model == "gammagamma":
        buyers = frame[frame.frequency > 0]
        theta = np.array([params[n] for n in GammaGamma.param_names])
        x, zbar = (buyers[c].to_numpy(np.float64) for c in ("frequency", "monetary_value"))
        return float(
            GammaGamma._log_likelihood(theta, RepeatSpends.of(x, zbar, np.ones(x.size)))[0]
        )
    estimator = BGNBD() if model == "bgnbd" else ParetoNBD()
    (x, t_x, age), w = compress_rows(
        *validate_rfm(frame.frequency, frame.recency, frame["T"]), weights=np.ones(len(frame))
    )
    theta = np.array([params[n] for n in estimator.param_names])
    return float(estimator._log_likelihood(theta, Histories.of(x, t_x, age, w))[0])


def main() -> None:
    import argparse

    sys.path.insert(0, str(BENCH))
    from _common import console, load_note, machine, require_peers, save, table

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="*", default=[100_000, 1_000_000])
    p.add_argument("--repeat", type=int, default=1, help="runs per fit; the median is kept")
    p.add_argument("--timeout", type=float, default=900.0, help="seconds before a run is stopped")
    p.add_argument("--skip-slow", action="store_true", help="skip peers' Pareto/NBD on 1M")
    p.add_argument("--models", nargs="*", choices=MODELS, default=list(MODELS))
    p.add_argument("--tools", nargs="*", choices=TOOLS, default=list(TOOLS))
    p.add_argument("--no-scoring", action="store_true", help="skip the scoring runs")
    p.add_argument("--out", default="clv", help="results file name under bench/results/")
    args = p.parse_args()
    require_peers()
    info = machine()
    datasets = {"cdnow": CDNOW, **{f"sim-{n}": simulated(n) for n in args.sizes}}
    results: list[dict[str, Any]] = []
    for name, path in datasets.items():
        frame = read_summary(str(path))
        for model in args.models:
            for tool in args.tools:
                entry: dict[str, Any] = {"data": name, "model": model, "tool": tool}
                if args.skip_slow and len(frame) >= 1_000_000 and (tool, model) in SLOW:
                    results.append({**entry, "status": "skipped (--skip-slow)"})
                    continue
                runs = []
                for _ in range(args.repeat):
                    with console.status(f"{name} {model} {tool}"):
                        runs.append(run("fit", tool, model, path, args.timeout))
                    if runs[-1]["status"] != "ok":
                        break
                ok = [r for r in runs if r["status"] == "ok"]
                if len(ok) == len(runs):
                    seconds = sorted(r["seconds"] for r in ok)[len(ok) // 2]
                    params = ok[-1]["params"]
                    entry |= {"status": "ok", "seconds": seconds, "params": params}
                    entry["log_likelihood"] = our_log_likelihood(model, params, frame)
                else:
                    entry |= runs[-1]
                entry["load_average"] = os.getloadavg()[0]
                results.append(entry)
                console.print(_line(entry), highlight=False)
    scoring = {}
    for n in [] if args.no_scoring else args.sizes:
        scoring[n] = run("score", "segmint", "bgnbd", simulated(n), args.timeout)
        scoring[n]["load_average"] = os.getloadavg()[0]
        console.print(f"scoring {n:,}: {scoring[n]}", highlight=False)
    rows = _rows(results)
    console.print(table("CLV fits (log-likelihood by segmint's formula)", HEADER, rows))
    note = load_note(machine())
    console.print(note)
    path = save(args.out, {"machine": info, "note": note, "fits": results, "scoring": scoring})
    console.print(f"results in {path}")
    print(_markdown(rows, scoring, note))


HEADER = (
    "data",
    "model",
    "tool",
    "seconds",
    "vs segmint",
    "log-likelihood",
    "ΔLL vs segmint",
    "load",
)


def _line(entry: dict[str, Any]) -> str:
    if entry["status"] != "ok":
        return f"{entry['data']} {entry['model']} {entry['tool']}: {entry['status']}"
    return (
        f"{entry['data']} {entry['model']} {entry['tool']}: {entry['seconds']:.2f} s, "
        f"LL {entry['log_likelihood']:.3f}"
    )


def _rows(results: list[dict[str, Any]]) -> list[tuple[str, ...]]:
    ours = {
        (r["data"], r["model"]): r
        for r in results
        if r["tool"] == "segmint" and r["status"] == "ok"
    }
    rows = []
    for r in results:
        base = ours.get((r["data"], r["model"]))
        if r["status"] != "ok" or base is None:
            rows.append((r["data"], r["model"], r["tool"], r["status"], "", "", "", ""))
            continue
        rows.append(
            (
                r["data"],
                r["model"],
                r["tool"],
                f"{r['seconds']:.3f}",
                f"{r['seconds'] / base['seconds']:.1f}x",
                f"{r['log_likelihood']:,.2f}",
                f"{r['log_likelihood'] - base['log_likelihood']:+.3f}",
                f"{r['load_average']:.1f}",
            )
        )
    return rows


def _markdown(rows: list[tuple[str, ...]], scoring: dict[int, Any], note: str) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    lines.append("")
    for n, s in scoring.items():
        if s.get("status") == "ok":
            lines.append(
                f"Scoring {n:,} customers (P(alive), expected purchases, CLV): "
                f"{s['seconds']:.2f} s (load {s['load_average']:.1f})."
            )
    lines.append(f"{note}.")
    return "\n".join(lines)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker(*sys.argv[2:6])
    else:
        main()
