#!/usr/bin/env python3
"""The numpy reference for scripts/bench-bandit: the same four policies as
src/main/java/dev/metaorch/bandit/, vectorised over runs (one numpy array row per run, one
loop over t), on one core. Prints one JSON object: numpy's version, and per policy the pulls per
second (wall clock, median of --repeats timed runs) and per CPU second of this process (over all
of them),
and the mean pseudo-regret at T with its standard error (so the reader can check that
both sides simulate the same policy: the regrets must agree within their standard errors).

Usage: bandit_numpy.py --arms 0.3,0.4,0.5,0.6,0.7 --horizon 10000 --runs 500 --seed 1
       [--policies eps-greedy,ucb1,kl-ucb,thompson] [--epsilon 0.1] [--repeats 3]
"""
import argparse
import json
import time

import numpy as np

TOL = 1e-11  # KL-UCB's Newton tolerance, as in KlUcb.java


def klucb_index(p, d, start):
    """max{q in [p, 1] : kl(p, q) <= d} for every (run, arm) at once: Newton's method on
    kl(p, q) = p ln p + (1-p) ln(1-p) - p ln q - (1-p) ln(1-q), warm-started from the previous
    index, with KlUcb.java's safeguards, until every element has moved less than TOL."""
    with np.errstate(divide="ignore", invalid="ignore"):
        h = np.where(p > 0, p * np.log(p), 0.0) + np.where(p < 1, (1 - p) * np.log1p(-p), 0.0)
        solid = p < 1
        q = np.where((start > p) & (start < 1), start, (1 + p) / 2)
        q[~solid] = 0.5
        for _ in range(100):
            f = h - p * np.log(q) - (1 - p) * np.log1p(-q) - d
            nxt = q - f * q * (1 - q) / (q - p)
            nxt = np.where(nxt <= p, (p + q) / 2, np.where(nxt >= 1, (q + 1) / 2, nxt))
            step = np.abs(nxt - q)
            q = nxt
            if step[solid].max(initial=0.0) < TOL:
                break
        return np.where(solid, q, 1.0)


def simulate(policy, arms, horizon, runs, rng, epsilon):
    k = len(arms)
    mu = np.asarray(arms)
    gap = mu.max() - mu
    pulls = np.zeros((runs, k))
    succ = np.zeros((runs, k))
    warm = np.zeros((runs, k))
    regret = np.zeros(runs)
    rows = np.arange(runs)
    for t in range(1, horizon + 1):
        if t <= k and policy != "thompson":
            a = np.full(runs, t - 1)
        elif policy == "eps-greedy":
            mean = succ / pulls
            best = mean.max(axis=1, keepdims=True)
            # uniform among tied best arms: argmax of (is best) + tiny random jitter
            a = np.argmax((mean == best) + rng.random((runs, k)) * 0.5, axis=1)
            explore = rng.random(runs) < epsilon
            a = np.where(explore, rng.integers(0, k, runs), a)
        elif policy == "ucb1":
            a = np.argmax(succ / pulls + np.sqrt(2 * np.log(t - 1) / pulls), axis=1)
        elif policy == "kl-ucb":
            warm = klucb_index(succ / pulls, np.log(t - 1) / pulls, warm)
            a = np.argmax(warm, axis=1)
        elif policy == "thompson":
            a = np.argmax(rng.beta(1 + succ, 1 + pulls - succ), axis=1)
        else:
            raise ValueError(policy)
        r = rng.random(runs) < mu[a]
        pulls[rows, a] += 1
        succ[rows, a] += r
        regret += gap[a]
    return regret


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arms", default="0.3,0.4,0.5,0.6,0.7")
    ap.add_argument("--horizon", type=int, default=10000)
    ap.add_argument("--runs", type=int, default=500)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--epsilon", type=float, default=0.1)
    ap.add_argument("--policies", default="eps-greedy,ucb1,kl-ucb,thompson")
    ap.add_argument("--repeats", type=int, default=3, help="timed repetitions")
    args = ap.parse_args()
    arms = [float(x) for x in args.arms.split(",")]
    out = {"numpy": np.__version__, "policies": {}}
    for policy in args.policies.split(","):
        walls, cpus = [], []
        for _ in range(args.repeats):
            rng = np.random.default_rng(args.seed)
            start = time.perf_counter()
            cpu = time.process_time()
            regret = simulate(policy, arms, args.horizon, args.runs, rng, args.epsilon)
            cpus.append(time.process_time() - cpu)
            walls.append(time.perf_counter() - start)
        seconds = float(np.median(walls))
        cpu = float(np.sum(cpus)) / args.repeats
        out["policies"][policy] = {
            "pulls_per_sec": args.runs * args.horizon / seconds,
            "pulls_per_cpu_sec": args.runs * args.horizon / cpu,
            "seconds": seconds,
            "cpu_seconds": cpu,
            "regret_mean": float(regret.mean()),
            "regret_se": float(regret.std(ddof=1) / np.sqrt(args.runs)),
        }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
