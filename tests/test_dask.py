"""The Dask backend of the bootstrap: on a real LocalCluster with worker processes (no mock), the
replicates are bit-identical to the local run with the same seed, also when a worker is killed in
the middle of the run and its blocks are recomputed elsewhere."""

from __future__ import annotations

import os
import signal
import threading
import time

import numpy as np
import pandas as pd
import pytest

import duurzaam as dz

distributed = pytest.importorskip("distributed")


def cox_data(n: int = 20_000, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    t = rng.exponential(np.exp(-x @ np.array([0.3, -0.2, 0.1])))
    c = rng.exponential(1.5, n)
    return pd.DataFrame({"time": np.minimum(t, c), "event": (t <= c).astype(int), "x0": x[:, 0], "x1": x[:, 1],
                         "x2": x[:, 2], "municipality": rng.integers(0, 40, n)})


def test_the_dask_backend_needs_a_client_and_a_core_estimator():
    # runs before the module's cluster exists: no current client
    rossi = dz.datasets.load_rossi()
    with pytest.raises(ValueError, match="needs a running dask.distributed Client"):
        dz.bootstrap(dz.cox, rossi, "week", "arrest", ["fin"], n_resamples=10, backend="dask", progress=False)
    with pytest.raises(ValueError, match="Python callable runs locally"):
        dz.bootstrap(lambda d: 1.0, rossi, n_resamples=10, backend="dask", progress=False)
    with pytest.raises(ValueError, match="backend must be"):
        dz.bootstrap(dz.cox, rossi, "week", "arrest", ["fin"], n_resamples=10, backend="spark", progress=False)


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cl:
        with distributed.Client(cl) as client:
            yield client


def test_dask_replicates_equal_the_local_run(cluster):
    rossi = dz.datasets.load_rossi()
    rossi["worker"] = rossi["fin"] * 10 + rossi["prio"].clip(upper=6)   # case workers within arms
    for est, args, kw in [
        (dz.cox, ("week", "arrest", ["fin", "age", "prio"]), {}),
        (dz.kaplan_meier, ("week", "arrest"), {"group": "fin", "tau": [52], "times": [26],
                                              "scheme": "stratified", "strata": "fin"}),
        (dz.logrank, ("week", "arrest", "fin"), {"scheme": "cluster", "cluster": "prio"}),
        (dz.iptw_cox, ("week", "arrest", "fin", ["age", "prio"]), {"truncate": 0.02}),
        # clusters nested in arms, resampled within arms (two-stage)
        (dz.kaplan_meier, ("week", "arrest"), {"group": "fin", "tau": [52], "scheme": "cluster",
                                              "cluster": "worker", "strata": "fin"}),
    ]:
        local = dz.bootstrap(est, rossi, *args, n_resamples=101, seed=9, progress=False, **kw)
        remote = dz.bootstrap(est, rossi, *args, n_resamples=101, seed=9, progress=False, backend="dask",
                              client=cluster, block_size=13, **kw)
        np.testing.assert_array_equal(local.replicates.to_numpy(), remote.replicates.to_numpy())
        pd.testing.assert_frame_equal(local.ci("percentile"), remote.ci("percentile"))


def test_a_killed_worker_loses_no_replicate(cluster):
    data = cox_data()
    args = ("time", "event", ["x0", "x1", "x2"])
    kw = dict(n_resamples=160, seed=11, progress=False, scheme="cluster", cluster="municipality")
    local = dz.bootstrap(dz.cox, data, *args, **kw)
    pids = cluster.run(os.getpid)
    victim = sorted(pids.values())[0]
    killed = threading.Event()
    finished = threading.Event()

    def blocks_done(dask_scheduler=None):
        return sum(ts.state == "memory" for k, ts in dask_scheduler.tasks.items() if str(k).startswith("duurzaam-boot"))

    def killer():
        while not finished.is_set():
            if cluster.run_on_scheduler(blocks_done) >= 2:
                os.kill(victim, signal.SIGKILL)
                killed.set()
                return
            time.sleep(0.01)

    th = threading.Thread(target=killer)
    th.start()
    try:
        remote = dz.bootstrap(dz.cox, data, *args, backend="dask", client=cluster, block_size=8, **kw)
    finally:
        finished.set()
        th.join()
    assert killed.is_set(), "the worker was not killed while the run was going on"
    np.testing.assert_array_equal(local.replicates.to_numpy(), remote.replicates.to_numpy())
    cluster.wait_for_workers(2, timeout=60)
    assert victim not in cluster.run(os.getpid).values()  # the nanny started a new worker process


def test_dask_panel_pipeline_equals_the_local_run(cluster):
    panel = dz.datasets.four_arm_panel(n_persons=300, seed=4)
    panel["worker"] = panel["arm"].astype(str) + "/" + (panel["person_id"] % 5).astype(str)
    sp = dz.spells(panel, "person_id", "month", "status")
    outs = {"work": sp.time_to("work", origin="programme_start"),
            "sustained": sp.time_to("work", origin="programme_start", min_duration=6)}
    kw = dict(group="arm", times=[6, 12], ratios={"kept": ("sustained", "work")}, origin="programme_start",
              occupancy_times=[12], n_resamples=57, seed=5, progress=False, cluster="worker")
    local = dz.bootstrap_panel(sp, outs, **kw)
    remote = dz.bootstrap_panel(sp, outs, backend="dask", client=cluster, block_size=10, **kw)
    np.testing.assert_array_equal(local.replicates.to_numpy(), remote.replicates.to_numpy())
    pd.testing.assert_frame_equal(local.ci("bca"), remote.ci("bca"))
