#!/usr/bin/env python3
"""Independent reference for GuidelineImpactTest (numpy only; statsmodels is not installable here).

Writes guideline_impact.csv (a seeded data set: 12 tasks x 4 configs x 5 sessions) and prints
the OLS coefficients of  success ~ g1 + g2 + g3 + C(task)  with
  - homoskedastic SEs: sigma^2 (Z'Z)^-1, sigma^2 = RSS / (N - K)
  - CR1 SEs clustered by task: (Z'Z)^-1 (sum_g Z_g'u_g u_g'Z_g) (Z'Z)^-1 * G/(G-1) * (N-1)/(N-K)
    (the formula of statsmodels' cov_type="cluster" with use_correction=True, and Stata's vce(cluster))
where Z = [g1 g2 g3, intercept, task dummies] (full dummy-variable regression, no within transform).
Run:  python3 guideline_impact_reference.py  (numpy 2.4.6 gave the values in the test).
"""
import numpy as np

rng = np.random.default_rng(20261203)
configs = {"c0": (0, 0, 0), "c1": (1, 0, 0), "c2": (1, 1, 0), "c3": (0, 1, 1)}
effects = np.array([0.20, -0.05, 0.10])
rows = []
for t in range(12):
    base = rng.uniform(0.15, 0.6)
    task_effect = rng.normal(0, 0.15, 3)  # effects vary by task: clustered errors matter
    for c, g in configs.items():
        p = np.clip(base + np.dot(g, effects + task_effect), 0.02, 0.98)
        for s in range(5):
            rows.append((f"t{t:02d}", c, *g, int(rng.uniform() < p)))

with open("guideline_impact.csv", "w") as f:
    f.write("task,config,g1,g2,g3,success\n")
    for r in rows:
        f.write(",".join(map(str, r)) + "\n")

tasks = sorted({r[0] for r in rows})
n = len(rows)
X = np.array([[r[2], r[3], r[4]] for r in rows], float)
D = np.array([[1.0] + [1.0 if r[0] == t else 0.0 for t in tasks[1:]] for r in rows])
Z = np.hstack([X, D])
y = np.array([r[5] for r in rows], float)
K = Z.shape[1]
assert np.linalg.matrix_rank(Z) == K
bread = np.linalg.inv(Z.T @ Z)
beta = bread @ Z.T @ y
u = y - Z @ beta
sigma2 = u @ u / (n - K)
se_ols = np.sqrt(np.diag(sigma2 * bread))
meat = np.zeros((K, K))
for t in tasks:
    idx = [i for i, r in enumerate(rows) if r[0] == t]
    s = Z[idx].T @ u[idx]
    meat += np.outer(s, s)
G = len(tasks)
cr1 = bread @ meat @ bread * G / (G - 1) * (n - 1) / (n - K)
se_cr1 = np.sqrt(np.diag(cr1))
np.set_printoptions(precision=15)
print("n", n, "K", K, "G", G)
print("beta", repr(beta[:3]))
print("se_ols", repr(se_ols[:3]))
print("se_cr1", repr(se_cr1[:3]))
