"""The bootstrap: intervals as R's boot.ci, reproducibility across threads, failures, the
Python-callable path, interruption, and the coverage of the intervals in simulation."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest

import duurzaam as dz
from duurzaam import _core
from conftest import arr, assert_close, golden

BOOT = golden("boot.json")


@pytest.mark.parametrize("case", BOOT["cases"], ids=lambda c: c["name"])
@pytest.mark.parametrize("conf", [0.95, 0.9])
def test_intervals_against_r_boot_ci(case, conf):
    t, t0 = np.ascontiguousarray(arr(case["t"])), case["t0"]
    want = case[f"conf_{conf}"]
    a = _core.bca_acceleration(t0, np.ascontiguousarray(arr(case["theta_minus"])))
    assert_close(a, case["accel"], rtol=1e-10, what="acceleration")
    for kind in ("percentile", "basic", "normal", "bca"):
        got = _core.boot_interval(kind, t0, t, conf, accel=a)
        assert_close(got, arr(want[kind]), rtol=1e-10, what=kind)
    if want.get("studentized") is not None:
        got = _core.boot_interval("studentized", t0, t, conf, v0=case["v0"], v=np.ascontiguousarray(arr(case["v"])))
        assert_close(got, arr(want["studentized"]), rtol=1e-10, what="studentized")


def rossi():
    return dz.datasets.load_rossi()


@pytest.mark.parametrize("scheme,extra", [("ordinary", {}), ("stratified", {"strata": "fin"}),
                                          ("cluster", {"cluster": "prio"}), ("bayesian", {})])
def test_same_seed_same_bytes_with_1_2_and_4_threads(scheme, extra):
    reps = []
    for jobs in (1, 2, 4):
        bs = dz.bootstrap(dz.kaplan_meier, rossi(), "week", "arrest", group="fin", times=[26], tau=[52],
                          n_resamples=300, scheme=scheme, seed=5, n_jobs=jobs, progress=False, **extra)
        reps.append(bs.replicates.to_numpy().tobytes())
        bc = dz.bootstrap(dz.cox, rossi(), "week", "arrest", ["fin", "age"], n_resamples=100, scheme=scheme,
                          seed=5, n_jobs=jobs, progress=False, **extra)
        reps.append(bc.replicates.to_numpy().tobytes())
    assert reps[0] == reps[2] == reps[4]
    assert reps[1] == reps[3] == reps[5]
    other = dz.bootstrap(dz.kaplan_meier, rossi(), "week", "arrest", group="fin", times=[26], tau=[52],
                         n_resamples=300, scheme=scheme, seed=6, progress=False, **extra)
    assert other.replicates.to_numpy().tobytes() != reps[0]


def test_stratified_resampling_keeps_arm_sizes():
    w = _core.resample_weights(432, "stratified", rossi()["fin"].to_numpy().astype(np.uint32), 2, 1, 7)
    fin = rossi()["fin"].to_numpy()
    assert w[fin == 0].sum() == (fin == 0).sum() and w[fin == 1].sum() == (fin == 1).sum()


def test_python_callable_gets_the_same_resamples():
    def rmst52(df):
        km = dz.kaplan_meier(df, "week", "arrest", group="fin")
        return dict(zip(["0", "1"], km.rmst(52)["rmst"]))

    slow = dz.bootstrap(rmst52, rossi(), n_resamples=40, seed=9, jackknife=False, progress=False)
    fast = dz.bootstrap(dz.kaplan_meier, rossi(), "week", "arrest", group="fin", tau=[52], quantiles=[],
                        n_resamples=40, seed=9, jackknife=False, progress=False)
    np.testing.assert_allclose(slow.replicates.to_numpy(), fast.replicates.to_numpy()[:, :2], rtol=1e-12)


def test_failed_replicates_are_counted_and_can_raise():
    d = rossi().head(40)  # few events: some resamples lose every event in one arm
    with pytest.warns(dz.BootstrapWarning, match="replicates failed"):
        bs = dz.bootstrap(dz.cox, d, "week", "arrest", ["fin", "race"], n_resamples=200, seed=2, progress=False)
    assert 0 < bs.failed < 200
    assert bs.replicates.isna().all(axis=1).sum() == bs.failed
    with pytest.raises(ValueError, match="failed"):
        dz.bootstrap(dz.cox, d, "week", "arrest", ["fin", "race"], n_resamples=200, seed=2, progress=False,
                     on_failure="raise")


def test_bad_options():
    with pytest.raises(ValueError, match="scheme"):
        dz.bootstrap(dz.kaplan_meier, rossi(), "week", "arrest", scheme="jackknife")
    with pytest.raises(ValueError, match="strata"):
        dz.bootstrap(dz.kaplan_meier, rossi(), "week", "arrest", scheme="stratified")
    bs = dz.bootstrap(dz.logrank, rossi(), "week", "arrest", "fin", n_resamples=50, progress=False)
    with pytest.raises(ValueError, match="type"):
        bs.ci("bootstrap-t")


def test_ctrl_c_stops_promptly():
    code = textwrap.dedent("""
        import os, signal, threading, time
        import duurzaam as dz
        d = dz.datasets.load_rossi()
        threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
        t0 = time.time()
        try:
            dz.bootstrap(dz.cox, d, "week", "arrest", ["fin", "age", "prio"], n_resamples=10_000_000,
                         n_jobs=2, progress=False)
            print("finished")
        except KeyboardInterrupt:
            print("interrupted", round(time.time() - t0, 2))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    words = out.stdout.split()
    assert words and words[0] == "interrupted", out.stdout + out.stderr
    assert float(words[1]) < 3.0


def test_coverage_of_percentile_and_bca_intervals_in_simulation():
    """400 simulated studies (n = 120, two arms, exponential times, uniform censoring): the 95%
    percentile and BCa intervals of the median (control arm) and of the Cox coefficient of the
    arm should cover the truth in 93-97% of them."""
    rng = np.random.default_rng(20261122)
    true_beta, rate = -0.5, 0.1
    true_median = np.log(2) / rate
    hits = {"median_percentile": 0, "median_bca": 0, "cox_percentile": 0, "cox_bca": 0}
    n_sim = 400
    for s in range(n_sim):
        arm = np.repeat([0, 1], 60)
        t = rng.exponential(1 / (rate * np.exp(true_beta * arm)))
        c = rng.uniform(5, 40, 120)
        df = pd.DataFrame({"time": np.minimum(t, c), "event": (t <= c).astype(int), "arm": arm})
        km = dz.bootstrap(dz.kaplan_meier, df[df.arm == 0], "time", "event", n_resamples=400, seed=s, progress=False)
        cx = dz.bootstrap(dz.cox, df, "time", "event", ["arm"], n_resamples=400, seed=s, progress=False,
                          scheme="stratified", strata="arm")
        for key, bs, truth in (("median", km, true_median), ("cox", cx, true_beta)):
            for kind in ("percentile", "bca"):
                lo, hi = bs.ci(kind)[["lower", "upper"]].iloc[0]
                hits[f"{key}_{kind}"] += bool(lo <= truth <= hi)
    coverage = {k: v / n_sim for k, v in hits.items()}
    for k, v in coverage.items():
        assert 0.93 <= v <= 0.97, coverage


def test_backends_give_the_same_replicates(backend):
    d = rossi()
    a = dz.bootstrap(dz.cox, d, "week", "arrest", ["fin", "age"], n_resamples=50, seed=4, progress=False)
    b = dz.bootstrap(dz.cox, backend(d), "week", "arrest", ["fin", "age"], n_resamples=50, seed=4, progress=False)
    assert a.replicates.to_numpy().tobytes() == b.replicates.to_numpy().tobytes()


def test_aft_bootstrap_is_reproducible_and_close_to_the_model_se():
    a = dz.bootstrap(dz.aft, rossi(), "week", "arrest", ["fin", "age"], n_resamples=300, seed=8, n_jobs=1,
                     progress=False)
    b = dz.bootstrap(dz.aft, rossi(), "week", "arrest", ["fin", "age"], n_resamples=300, seed=8, n_jobs=2,
                     progress=False)
    assert a.replicates.to_numpy().tobytes() == b.replicates.to_numpy().tobytes()
    assert list(a.estimate.index) == ["(Intercept)", "fin", "age", "Log(scale)"]
    fit = dz.aft(rossi(), "week", "arrest", ["fin", "age"])
    np.testing.assert_allclose(a.estimate.to_numpy()[:3], fit.coef.to_numpy(), rtol=1e-10)
    # the bootstrap standard error of a well-determined coefficient is near the model-based one
    se_boot = a.summary.set_index("quantity").loc["fin", "se"]
    assert 0.7 < se_boot / fit.summary.loc["fin", "se"] < 1.3


def test_clusters_are_resampled_within_strata():
    """scheme='cluster' with strata=: case workers nested in arms are drawn within their arm, so
    every replicate keeps each arm and its number of case workers (it used to ignore strata)."""
    rng = np.random.default_rng(5)
    n_workers = {"control": 3, "coaching": 5}
    rows = []
    for arm, k in n_workers.items():
        for w in range(k):
            rows += [{"arm": arm, "worker": f"{arm}-{w}", "t": float(t), "e": int(e)}
                     for t, e in zip(rng.integers(1, 30, 20), rng.integers(0, 2, 20))]
    d = pd.DataFrame(rows)

    def rows_per_arm(x):
        return x.groupby("arm")["t"].size().reindex(list(n_workers)).astype(float)

    bs = dz.bootstrap(rows_per_arm, d, n_resamples=60, scheme="cluster", cluster="worker", strata="arm", seed=3,
                      progress=False)
    reps = bs.replicates.to_numpy()
    assert (reps == np.array([60.0, 100.0])).all()     # 3 and 5 workers of 20 rows, in every replicate
    plain = dz.bootstrap(rows_per_arm, d, n_resamples=60, scheme="cluster", cluster="worker", seed=3, progress=False)
    assert not (plain.replicates.to_numpy() == np.array([60.0, 100.0])).all()   # the one-stage scheme mixes arms
    km = dz.bootstrap(dz.kaplan_meier, d, "t", "e", group="arm", tau=[20], n_resamples=50, scheme="cluster",
                      cluster="worker", strata="arm", seed=1, progress=False)
    assert km.failed == 0
    with pytest.raises(dz.InputError, match="column 'worker': a cluster spans several strata of 'arm'"):
        dz.bootstrap(dz.kaplan_meier, d.assign(worker="w" + (d.index % 4).astype(str)), "t", "e", group="arm",
                     n_resamples=10, scheme="cluster", cluster="worker", strata="arm", seed=1, progress=False)


def test_an_estimators_own_strata_go_with_a_partial_and_strata_is_never_dropped():
    from functools import partial

    d = rossi()
    d["region"] = d["race"]
    # a stratified Cox model, resampled within arms: in the core, equal to refitting in Python
    fast = dz.bootstrap(partial(dz.cox, strata="region"), d, "week", "arrest", ["age", "prio"], n_resamples=20,
                        seed=4, scheme="stratified", strata="fin", jackknife=False, progress=False)

    def refit(df):
        return dz.cox(df, "week", "arrest", ["age", "prio"], strata="region").coef

    slow = dz.bootstrap(refit, d, n_resamples=20, seed=4, scheme="stratified", strata="fin", jackknife=False,
                        progress=False)
    # both stop at the Newton criterion, from the full-data estimate and from 0: iterative-fit tolerance
    np.testing.assert_allclose(fast.replicates.to_numpy()[:, :2], slow.replicates.to_numpy(), rtol=1e-6)
    unstratified = dz.bootstrap(dz.cox, d, "week", "arrest", ["age", "prio"], n_resamples=20, seed=4,
                                scheme="stratified", strata="fin", jackknife=False, progress=False)
    assert not np.allclose(unstratified.replicates.to_numpy(), fast.replicates.to_numpy())
    # strata= with a scheme that does not resample within strata was silently dropped: now an error
    with pytest.raises(dz.InputError, match="partial"):
        dz.bootstrap(dz.cox, d, "week", "arrest", ["age"], strata="region", n_resamples=5, progress=False)
