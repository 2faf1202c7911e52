"""numpy closed-form and scipy odeint peers for bench/pk (B1). Run with /usr/bin/python3.

Reads <dir>/params.csv, doses.csv, ours.csv written by mitra_pk_bench; prints
"PEER <name> <seconds per subject> <max relative error vs ours>".
"""
import sys
import time

import numpy as np
from scipy.integrate import odeint

d = sys.argv[1]
p = dict((r[0], float(r[1])) for r in np.genfromtxt(f"{d}/params.csv", delimiter=",", skip_header=1, dtype=None, encoding=None))
doses = np.loadtxt(f"{d}/doses.csv", delimiter=",", skiprows=1)
ours = np.loadtxt(f"{d}/ours.csv", delimiter=",", skiprows=1)
times = ours[:, 0]
td, dmg = doses[:, 0], doses[:, 1]
ka, cl, v1, q, v2 = p["ka"], p["cl"], p["v1"], p["q"], p["v2"]
f, fm, clm, vm, mwp, mwm = p["f"], p["fm"], p["clm"], p["vm"], p["mwp"], p["mwm"]
k10, k12, k21, km = cl / v1, q / v1, q / v2, clm / vm


def closed_form():
    s = k10 + k12 + k21
    disc = np.sqrt(s * s - 4 * k10 * k21)
    a, b = (s + disc) / 2, (s - disc) / 2
    ca = ka * (k21 - a) / ((ka - a) * (b - a))
    cb = ka * (k21 - b) / ((ka - b) * (a - b))
    rates = np.array([a, b, ka])
    coef = np.array([ca, cb, -(ca + cb)])
    dt = times[:, None] - td[None, :]                     # times x doses
    active = dt >= 0
    dt = np.where(active, dt, 0.0)
    umol = f * dmg * 1000.0 / mwp
    e = np.exp(-rates[:, None, None] * dt[None])          # 3 x times x doses
    ekm = np.exp(-km * dt)
    central = np.einsum("j,jtd->td", coef, e)
    met = np.einsum("j,jtd->td", coef / (km - rates), e - ekm[None])
    amt_c = (central * active) @ umol
    amt_m = fm * k10 * ((met * active) @ umol)
    return amt_c / v1 * mwp, amt_m / vm * mwm


def rhs(x, t):
    return [-ka * x[0], ka * x[0] - (k10 + k12) * x[1] + k21 * x[2], k12 * x[1] - k21 * x[2],
            fm * k10 * x[1] - km * x[3]]


def odeint_piecewise(rtol=1e-10, atol=1e-14):
    x = np.zeros(4)
    out = np.zeros((len(times), 4))
    edges = list(td) + [times[-1] + 1.0]
    for i in range(len(td)):
        x[0] += f * dmg[i] * 1000.0 / mwp
        lo, hi = edges[i], edges[i + 1]
        sel = np.nonzero((times >= lo) & (times < hi))[0]
        grid = np.concatenate(([lo], times[sel], [hi]))
        sol = odeint(rhs, x, grid, rtol=rtol, atol=atol)
        out[sel] = sol[1:-1]
        x = sol[-1].copy()
    return out[:, 1] / v1 * mwp, out[:, 3] / vm * mwm


def max_rel(a, b):
    floor = 1e-6 * np.max(np.abs(b))
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), floor)))


def bench(fn, reps, inner):
    samples = []
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(inner):
            r = fn()
        samples.append((time.perf_counter() - t0) / inner)
    return sorted(samples)[len(samples) // 2], r


for name, fn, reps, inner in [("numpy_closed_form", closed_form, 5, 5),
                              ("scipy_odeint", odeint_piecewise, 3, 1)]:
    s, (cp, cm) = bench(fn, reps, inner)
    err = max(max_rel(cp, ours[:, 1]), max_rel(cm, ours[:, 2]))
    print(f"PEER {name} {s:.6e} {err:.2e}")
