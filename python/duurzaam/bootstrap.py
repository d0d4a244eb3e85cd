"""The bootstrap: confidence intervals for every quantity the estimators report.

For :func:`kaplan_meier`, :func:`logrank` and :func:`cox` the resampling and the re-estimation
run entirely in the Rust core, in parallel, with the GIL released: a replicate is a weight
vector over the shared data, never a copy. Any other Python callable can be bootstrapped too
(slower): it gets the resampled DataFrame. Both paths draw replicate ``i`` from its own random
stream derived from ``(seed, i)``, so a seed gives the same replicates whatever the number of
threads or the machine.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from functools import cached_property, partial
from typing import Any

import numpy as np
import pandas as pd

from .errors import InputError

from . import _core
from ._input import Frame, check_level, check_seed, core_call, default_threads, nested_strata
from ._result import Result, kernel_of, result
from .errors import BootstrapWarning

SCHEMES = ("ordinary", "stratified", "cluster", "bayesian")
INTERVALS = ("percentile", "basic", "normal", "bca", "studentized")


@result
class BootstrapResult(Result):
    """Bootstrap replicates of one or more quantities, with their intervals; built by
    :func:`bootstrap`."""

    _names: pd.DataFrame
    estimate: pd.Series
    failed: int
    n_resamples: int
    _ok: np.ndarray
    _accel: np.ndarray | None
    _jackknife: Callable[[], np.ndarray] | None
    conf_level: float
    scheme: str
    seed: int
    _t: np.ndarray
    _v0: np.ndarray | None
    _v: np.ndarray | None

    @classmethod
    def _from_core(cls, names: pd.DataFrame, t0: np.ndarray, t: np.ndarray, v0: np.ndarray | None,
                  v: np.ndarray | None, failed: np.ndarray, accel: np.ndarray | None, conf_level: float,
                  scheme: str, seed: int, on_failure: str,
                  jackknife: Callable[[], np.ndarray] | None = None) -> BootstrapResult:
        n_failed = int(failed.sum())
        n_resamples = int(len(failed))
        out = cls(_names=names, estimate=pd.Series(t0, index=names["quantity_id"], name="estimate"), failed=n_failed,
                  n_resamples=n_resamples, _ok=~failed, _accel=accel, _jackknife=jackknife, conf_level=conf_level,
                  scheme=scheme, seed=seed, _t=t, _v0=v0, _v=v)
        if n_failed:
            msg = f"{n_failed} of {n_resamples} bootstrap replicates failed"
            if on_failure == "raise":
                from .errors import DegenerateDataError

                raise DegenerateDataError(msg)
            warnings.warn(msg + " and are left out of the intervals", BootstrapWarning, stacklevel=3)
        return out

    @cached_property
    def acceleration(self) -> np.ndarray:
        """The BCa acceleration of each quantity, from the jackknife (leave one row, or one cluster,
        out; computed on first use)."""
        if self._accel is not None:
            return self._accel
        if self._jackknife is None:
            raise InputError("BCa intervals need the jackknife, which is not available here")
        return self._jackknife()

    @property
    def replicates(self) -> pd.DataFrame:
        """The replicate values, one row per replicate (failed ones are NaN)."""
        return pd.DataFrame(self._t, columns=self.estimate.index)

    def ci(self, type: str = "percentile", conf_level: float | None = None) -> pd.DataFrame:
        """Intervals of type ``percentile``, ``basic``, ``normal``, ``bca`` (jackknife
        acceleration) or ``studentized`` (where the estimator has a standard error), computed as
        R's ``boot.ci`` does on the same replicates. NaN replicate values (a median that is not
        reached) are left out per quantity, as ``boot.ci`` does."""
        if type not in INTERVALS:
            raise InputError(f"type must be one of {', '.join(INTERVALS)}, not {type!r}")
        conf = self.conf_level if conf_level is None else check_level(conf_level)
        rows = []
        for j in range(len(self.estimate)):
            t = np.ascontiguousarray(self._t[self._ok, j])
            t0 = float(self.estimate.iloc[j])
            finite = np.isfinite(t)
            lo = hi = np.nan
            if np.isfinite(t0) and finite.sum() >= 2:
                kw: dict[str, Any] = {}
                if type == "bca":
                    kw["accel"] = float(self.acceleration[j])
                if type == "studentized":
                    if self._v is None or not np.isfinite(self._v0[j]):
                        rows.append((np.nan, np.nan))
                        continue
                    kw["v0"] = float(self._v0[j])
                    kw["v"] = np.ascontiguousarray(self._v[self._ok, j])
                lo, hi = _core.boot_interval(type, t0, t, conf, **kw)
            rows.append((lo, hi))
        out = self._names.drop(columns="quantity_id").copy()
        out["estimate"] = self.estimate.to_numpy()
        out["lower"] = [r[0] for r in rows]
        out["upper"] = [r[1] for r in rows]
        out.attrs["interval"] = f"{conf:.0%} {type}"
        return out

    @property
    def summary(self) -> pd.DataFrame:
        """Estimate, bootstrap bias and standard error, and the percentile interval."""
        t = self._t[self._ok]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            se = np.nanstd(t, axis=0, ddof=1)
            bias = np.nanmean(t, axis=0) - self.estimate.to_numpy()
        out = self.ci("percentile")
        out.insert(out.columns.get_loc("estimate") + 1, "bias", bias)
        out.insert(out.columns.get_loc("bias") + 1, "se", se)
        return out

    def plot(self, quantity: str | int = 0, ax: Any = None, **kwargs: Any) -> Any:
        """Histogram of a quantity's replicates with its interval
        (:func:`duurzaam.plotting.plot_bootstrap`)."""
        from .plotting import plot_bootstrap

        return plot_bootstrap(self, quantity, ax, **kwargs)

    def _title(self) -> str:
        return f"Bootstrap ({self.n_resamples} resamples, {self.scheme}, seed {self.seed})"

    def _facts(self) -> list[tuple[str, str]]:
        return [("failed replicates", str(self.failed)), ("interval", f"{self.conf_level:.0%} percentile")]

    def _summary_frame(self) -> pd.DataFrame:
        return self.summary


def _scheme_codes(frame: Frame, scheme: str, strata: str | None,
                  cluster: str | None) -> tuple[np.ndarray | None, int, np.ndarray | None]:
    """Resampling units: (unit codes, number of units, stratum of each cluster or None)."""
    if scheme not in SCHEMES:
        raise InputError(f"scheme must be one of {', '.join(SCHEMES)}, not {scheme!r}")
    if scheme == "stratified":
        if strata is None:
            raise InputError("scheme='stratified' needs strata= (the column to resample within, e.g. the arm)")
        codes, levels = frame.codes(strata)
        return codes, len(levels), None
    if scheme == "cluster" or (scheme == "bayesian" and cluster is not None):
        if cluster is None:
            raise InputError("scheme='cluster' needs cluster= (e.g. the municipality column)")
        codes, levels = frame.codes(cluster)
        nested = None
        if strata is not None:
            if scheme == "bayesian":
                raise InputError("strata= with scheme='bayesian' is not supported; use scheme='cluster' for clusters "
                                 "resampled within strata")
            s_codes, s_levels = frame.codes(strata)
            nested = nested_strata(codes, len(levels), s_codes, cluster, strata)
        return codes, len(levels), nested
    return None, 0, None


def _progress_bar(total: int, progress: bool | None):
    if progress is False or (progress is None and total < 200):
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:  # pragma: no cover
        return None
    return tqdm(total=total, desc="bootstrap", unit="rep", leave=False)


def bootstrap(estimator: Callable[..., Any], data: Any, *args: Any, n_resamples: int = 1000,
              scheme: str = "ordinary", strata: str | None = None, cluster: str | None = None, seed: int = 0,
              n_jobs: int | None = None, conf_level: float = 0.95, times: Sequence[float] | None = None,
              quantiles: Sequence[float] | None = None, tau: Sequence[float] | float | None = None,
              jackknife: bool | None = None, on_failure: str = "drop", progress: bool | None = None,
              backend: str = "local", client: Any = None, block_size: int | None = None,
              **kwargs: Any) -> BootstrapResult:
    """Bootstrap an estimator.

    Parameters
    ----------
    estimator : dz.kaplan_meier, dz.logrank, dz.cox, dz.aft, dz.cumulative_incidence, dz.iptw_cox, or a callable
        These six estimators run in the core (the cumulative incidence at ``times``; the IPTW Cox
        model with its propensity model refitted in every replicate). Kaplan-Meier reports S(t) at ``times``, the
        ``quantiles`` (0.5 = median) and the RMST up to each ``tau`` per group, and with groups
        also each group against the first: the difference in S(t) and the difference and ratio
        of the RMST. The log-rank test reports its statistic, the Cox model its coefficients
        (exponentiate for hazard ratios: intervals of percentile type transform along). A
        callable gets the resampled DataFrame and returns a float, a dict or a Series of floats.
    data, *args, **kwargs
        What the estimator takes (column names, ``group=``, ``weights=``, ...). ``strata=`` here
        is the resampling's; an estimator's own strata (a stratified Cox or AFT model) go with a
        ``functools.partial``: ``dz.bootstrap(partial(dz.cox, strata="region"), data, ...)``,
        which still runs in the core.
    n_resamples : int
    scheme : {"ordinary", "stratified", "cluster", "bayesian"}
        Case resampling; resampling within ``strata`` (keeping e.g. arm sizes); resampling whole
        ``cluster`` s (municipalities, case workers), within ``strata`` when given (a two-stage
        scheme: each arm gets as many of its own case workers as it has; a cluster spanning
        strata is an error); Dirichlet weights (per cluster if given).
    seed : int
        Replicate ``i`` draws from stream ``i`` of a ChaCha8 generator seeded with ``seed``.
    n_jobs : int, optional
        Threads (default: all cores, or ``DUURZAAM_NUM_THREADS``).
    jackknife : bool, optional
        When the leave-one-out estimates for the BCa acceleration are computed (leave one
        cluster out under the cluster schemes; above 2000 units, a grouped jackknife): ``True``
        now, by default on the first BCa interval asked for, ``False`` never.
    on_failure : {"drop", "raise"}
        Failed replicates (no events, no convergence) are counted and left out with a
        warning, or raise.
    progress : bool, optional
        A progress bar (tqdm); by default for 200 or more resamples. Ctrl-C stops the run.
    backend : {"local", "dask"}
        ``"dask"`` runs the replicates on a Dask distributed cluster (the core estimators only):
        the data are scattered to every worker once, each task computes a contiguous block of
        replicate indices in Rust (``n_jobs`` threads per task, default 1), and the blocks are
        joined in order, so the replicates are bit-identical to the local run with the same
        seed; a block lost with a worker is recomputed by Dask. The jackknife for BCa runs locally.
    client : dask.distributed.Client, optional
        The cluster to use (default: the current client, ``distributed.get_client()``).
    block_size : int, optional
        Replicates per task (default: about four tasks per worker thread).

    Examples
    --------
    >>> import duurzaam as dz
    >>> rossi = dz.datasets.load_rossi()
    >>> bs = dz.bootstrap(dz.kaplan_meier, rossi, "week", "arrest", group="fin", tau=[52],
    ...                   n_resamples=200, scheme="stratified", strata="fin", seed=1, progress=False)
    >>> bs.ci("percentile")[["quantity", "group"]].values.tolist()[-2:]
    [['rmst_diff(tau=52)', '1 - 0'], ['rmst_ratio(tau=52)', '1 - 0']]
    """
    if on_failure not in ("drop", "raise"):
        raise InputError("on_failure must be 'drop' or 'raise'")
    if isinstance(n_resamples, bool) or not isinstance(n_resamples, (int, np.integer)) or n_resamples < 2:
        raise InputError(f"n_resamples must be a whole number of at least 2, not {n_resamples!r}")
    seed = check_seed(seed)
    conf_level = check_level(conf_level)
    threads = default_threads() if n_jobs is None else max(1, int(n_jobs))
    if backend not in ("local", "dask"):
        raise InputError(f"backend must be 'local' or 'dask', not {backend!r}")
    if strata is not None and scheme not in ("stratified", "cluster"):
        raise InputError(f"strata= says within what to resample (scheme='stratified', or clusters within strata), "
                         f"and scheme={scheme!r} resamples otherwise; for the estimator's own strata (a stratified "
                         f"Cox or AFT model) give functools.partial(dz.cox, strata={strata!r}) as the estimator")
    if isinstance(estimator, partial) and kernel_of(estimator.func) is not None:
        # functools.partial(dz.cox, strata="region"): the estimator's own arguments, kept apart
        # from the resampling's strata=
        args = tuple(estimator.args) + tuple(args)
        kwargs = {**estimator.keywords, **kwargs}
        estimator = estimator.func
    kernel = kernel_of(estimator)
    if kernel is None:
        if backend != "local":
            raise InputError("the dask backend runs the core estimators; a Python callable runs locally")
        return _bootstrap_python(estimator, data, args, kwargs, n_resamples, scheme, strata, cluster, seed,
                                 conf_level, jackknife, on_failure, progress)
    frame = Frame(data)
    codes, n_codes, nested = _scheme_codes(frame, scheme, strata, cluster)
    common = dict(scheme=scheme, scheme_codes=codes, n_scheme_codes=n_codes, cluster_strata=nested,
                  n_resamples=int(n_resamples),
                  seed=int(seed), n_threads=threads, jackknife=bool(jackknife))
    call, names = kernel(frame, data, args, dict(kwargs), {"times": times, "quantiles": quantiles, "tau": tau})
    col_names = call.pop("_names")
    if backend == "dask":
        dask_threads = 1 if n_jobs is None else threads
        r = _run_dask(call, {**common, "n_threads": dask_threads}, int(n_resamples), client, block_size, progress,
                      col_names, frame)
    else:
        bar = _progress_bar(int(n_resamples), progress)
        cb = (lambda done: bar.update(min(done, n_resamples) - bar.n)) if bar is not None else None
        try:
            r = core_call(_core.bootstrap, col_names, frame, progress=cb, **call, **{**common, "jackknife": False})
        finally:
            if bar is not None:
                bar.close()
    k = int(r["k"]) // 2
    t = np.asarray(r["t"]).reshape(int(n_resamples), 2 * k)
    t0 = np.asarray(r["t0"])

    jackknife_accel = partial(_core_jackknife, col_names, frame, call, common, k, t0, codes, scheme)
    accel = jackknife_accel() if jackknife is True else None
    return BootstrapResult._from_core(names, t0[:k], t[:, :k], t0[k:], t[:, k:], np.asarray(r["failed"]), accel,
                                      conf_level, scheme, int(seed), on_failure, jackknife=jackknife_accel)


def _core_jackknife(col_names: dict[str, Any], frame: Frame, call: dict[str, Any], common: dict[str, Any], k: int,
                    t0: np.ndarray, codes: np.ndarray | None, scheme: str) -> np.ndarray:
    """The BCa acceleration of each quantity from the core's jackknife (run when first needed)."""
    j = core_call(_core.bootstrap, col_names, frame, **call, **{**common, "n_resamples": 0, "jackknife": True})
    g = int(j["jack_groups"])
    jack = np.asarray(j["jack"]).reshape(g, 2 * k)[:, :k]
    return _accelerations(t0[:k], jack, codes if (scheme == "stratified" and g == len(frame)) else None)


def _accelerations(t0: np.ndarray, jack: np.ndarray, unit_strata: np.ndarray | None) -> np.ndarray:
    """The BCa acceleration of each quantity from its leave-one-unit-out values (one row per
    unit; NaN where a value is missing)."""
    return np.array([_core.bca_acceleration(float(t0[q]), np.ascontiguousarray(jack[:, q]), unit_strata)
                     if np.isfinite(jack[:, q]).all() else np.nan for q in range(len(t0))])


def _core_block(payload: dict[str, Any], first: int, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """One block of replicates on a Dask worker: replicates ``first .. first + n``."""
    # Arrays arrive as the serializer rebuilt them, sometimes at an unaligned address (a buffer
    # passed between workers); the core needs aligned C-contiguous buffers, so such an array is
    # copied once here (a no-op for arrays that already are).
    def aligned(v: Any) -> Any:
        if isinstance(v, np.ndarray):
            return np.require(v, requirements=["C_CONTIGUOUS", "ALIGNED"])
        return [aligned(x) for x in v] if isinstance(v, list) else v

    args = {k: aligned(v) for k, v in payload.items()}
    fn = getattr(_core, args.pop("_core_fn", "bootstrap"))  # the estimators' kernel, or the panel pipeline's
    r = fn(**args, first_replicate=first, n_resamples=n, jackknife=False, progress=None)
    return np.asarray(r["t"]), np.asarray(r["failed"]), np.asarray(r["t0"]), int(r["k"])


def _run_dask(call: dict[str, Any], common: dict[str, Any], n_resamples: int, client: Any, block_size: int | None,
              progress: bool | None, col_names: dict[str, Any], frame: Frame) -> dict[str, Any]:
    """Scatter once, one task per block of replicate indices, joined in index order."""
    try:
        from distributed import as_completed, get_client
    except ImportError as e:  # pragma: no cover
        raise ImportError("backend='dask' needs dask.distributed: pip install 'dask[distributed]'") from e
    if client is None:
        try:
            client = get_client()
        except ValueError:
            raise InputError("backend='dask' needs a running dask.distributed Client (or client=)") from None
    payload = {k: v for k, v in {**call, **common}.items() if k not in ("n_resamples", "jackknife")}
    if block_size is None:
        slots = max(1, sum(client.nthreads().values()))
        block_size = max(1, -(-n_resamples // (4 * slots)))
    blocks = [(a, min(block_size, n_resamples - a)) for a in range(0, n_resamples, int(block_size))]
    [data] = client.scatter([payload], broadcast=True)
    futures = [client.submit(_core_block, data, a, m, pure=False, retries=3, key=f"duurzaam-boot-{a}-{m}-{id(data)}")
               for a, m in blocks]
    sizes = {f.key: m for f, (_, m) in zip(futures, blocks)}
    bar = _progress_bar(n_resamples, progress)
    try:
        for fut in as_completed(futures):
            if fut.status == "error":
                core_call(fut.result, col_names, frame)
            if bar is not None:
                bar.update(sizes[fut.key])
        parts = core_call(client.gather, col_names, frame, futures)
    finally:
        if bar is not None:
            bar.close()
        for f in futures:
            f.release()
    return {"t": np.concatenate([p[0] for p in parts]), "failed": np.concatenate([p[1] for p in parts]),
            "t0": parts[0][2], "k": parts[0][3]}


def _as_values(out: Any) -> pd.Series:
    if isinstance(out, pd.Series):
        return out.astype(float)
    if isinstance(out, dict):
        return pd.Series({str(k): float(v) for k, v in out.items()})
    return pd.Series({"value": float(out)})


def _bootstrap_python(fn: Callable[..., Any], data: Any, args: tuple, kwargs: dict, n_resamples: int, scheme: str,
                      strata: str | None, cluster: str | None, seed: int, conf_level: float, jackknife: bool,
                      on_failure: str, progress: bool | None) -> BootstrapResult:
    """The slow path: a Python statistic on resampled DataFrames, same schemes and streams."""
    frame = Frame(data)
    df = frame.to_pandas()
    codes, n_codes, nested = _scheme_codes(frame, scheme, strata, cluster)
    n = len(df)

    def stat(weights: np.ndarray) -> pd.Series | None:
        if scheme == "bayesian":
            sample = df.assign(_weight=weights)
        else:
            sample = df.loc[np.repeat(np.arange(n), weights.astype(np.int64))].reset_index(drop=True)
        try:
            return _as_values(fn(sample, *args, **kwargs))
        except Exception:
            return None

    t0 = _as_values(fn(df, *args, **kwargs))
    bar = _progress_bar(n_resamples, progress)
    reps, failed = [], []
    try:
        for i in range(n_resamples):
            w = _core.resample_weights(n, scheme, codes, n_codes, int(seed), i, cluster_strata=nested)
            v = stat(w)
            failed.append(v is None)
            reps.append(np.full(len(t0), np.nan) if v is None else v.reindex(t0.index).to_numpy())
            if bar is not None:
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    accel = None
    if jackknife is not False and n <= 2000:
        units = codes if scheme in ("cluster",) or (scheme == "bayesian" and cluster) else np.arange(n)
        jack = []
        for u in np.unique(units):
            sub = df[units != u].reset_index(drop=True)
            try:
                jack.append(_as_values(fn(sub, *args, **kwargs)).reindex(t0.index).to_numpy())
            except Exception:
                jack.append(np.full(len(t0), np.nan))
        jack = np.array(jack)
        accel = np.array([_core.bca_acceleration(float(t0.iloc[j]), np.ascontiguousarray(jack[:, j]))
                          for j in range(len(t0))])
    names = pd.DataFrame({"quantity_id": list(t0.index), "quantity": list(t0.index), "group": [""] * len(t0)})
    return BootstrapResult._from_core(names, t0.to_numpy(), np.array(reps), None, None, np.array(failed), accel,
                                      conf_level, scheme, int(seed), on_failure)


def bootstrap_panel(spells: Any, outcomes: Mapping[str, pd.DataFrame], *, group: str,
                    times: Sequence[float] = (6, 12), ratios: Mapping[str, tuple[str, str]] | None = None,
                    origin: Any = None, occupancy_times: Sequence[int] = (), cluster: str | None = None,
                    n_resamples: int = 1000, seed: int = 0, conf_level: float = 0.95, n_jobs: int | None = None,
                    jackknife: bool | None = None, progress: bool | None = None, backend: str = "local",
                    client: Any = None, block_size: int | None = None) -> BootstrapResult:
    """Bootstrap of the whole panel pipeline: persons (or clusters of persons) resampled, and
    spells -> outcome -> estimator rerun on every replicate, so that the headline numbers of an
    evaluation ("75% into work, 71% of them sustainably"; the share in each state by arm) get
    intervals that carry every step's uncertainty, in one call.

    A person drawn k times enters a replicate as k relabelled copies (their person-months never
    collide). The spell and outcome rules of :func:`duurzaam.spells` work person by person, so a
    copy's spells and outcome rows are the original's: the core computes them once and runs each
    replicate as the estimators with each person's count as weight (tested against relabelled
    copies of the panel rerun through every step).

    Parameters
    ----------
    spells : Spells
        From :func:`duurzaam.spells`.
    outcomes : mapping of name to DataFrame
        Outcome tables of these spells (``spells.time_to(...)``, ``time_to_exit``, ...; one row
        per person kept, with ``duration``, ``event`` and ``entry``): for each, the share of
        each arm with the event by each of ``times`` (1 minus the Kaplan-Meier estimate).
    group : str
        The arm (a person-level column of the panel). Persons are resampled within arms (as
        randomised), or whole ``cluster`` s, within arms when nested in them.
    times : sequence of float
        Times (since the origin) of the shares.
    ratios : mapping of name to (numerator, denominator), optional
        Chains of two outcomes: ``{"sustained among work": ("sustained", "work")}`` gives the
        share of those into work by t whose work is sustained (the share into sustained work
        over the share into work).
    origin, occupancy_times : optional
        With both, the occupancy of every state (Aalen-Johansen, as
        :meth:`Spells.occupancy`) at these whole periods since ``origin``.
    cluster : str, optional
        Person-level cluster column (municipality, case worker): clusters resampled whole.
    n_resamples, seed, conf_level, n_jobs, progress, backend, client, block_size
        As :func:`bootstrap` (replicate i from stream i of ``seed``; the Dask backend gives the
        same replicates, bit for bit).
    jackknife : bool, optional
        Compute the BCa acceleration now (``True``), or when a BCa interval is first asked for.

    Returns
    -------
    BootstrapResult
        Quantities ``share_<outcome>(t=..)``, ``<ratio>(t=..)`` and ``occupancy[<state>](t=..)``
        per arm, then each against the first arm (``..._diff``).

    Examples
    --------
    >>> import duurzaam as dz
    >>> panel = dz.datasets.four_arm_panel(n_persons=400, seed=3)
    >>> sp = dz.spells(panel, "person_id", "month", "status")
    >>> work = sp.time_to("work", origin="programme_start")
    >>> sus = sp.time_to("work", origin="programme_start", min_duration=6)
    >>> bs = dz.bootstrap_panel(sp, {"work": work, "sustained": sus}, group="arm", times=[12],
    ...                         ratios={"sustained_of_work": ("sustained", "work")}, n_resamples=50,
    ...                         progress=False)
    >>> bs.ci()["quantity"].unique().tolist()[:3]
    ['share_work(t=12)', 'share_sustained(t=12)', 'sustained_of_work(t=12)']
    """
    from .spells import Spells

    if not isinstance(spells, Spells):
        raise InputError("spells must come from duurzaam.spells(...)")
    if not outcomes and not len(occupancy_times):
        raise InputError("nothing to bootstrap: give outcomes, or origin= and occupancy_times=")
    if isinstance(n_resamples, bool) or not isinstance(n_resamples, (int, np.integer)) or n_resamples < 2:
        raise InputError(f"n_resamples must be a whole number of at least 2, not {n_resamples!r}")
    if backend not in ("local", "dask"):
        raise InputError(f"backend must be 'local' or 'dask', not {backend!r}")
    seed = check_seed(seed)
    conf_level = check_level(conf_level)
    threads = default_threads() if n_jobs is None else max(1, int(n_jobs))
    gcodes, levels = spells._group_codes(group)
    frame = spells._frame
    n_persons, n_groups = len(spells.persons), len(levels)
    person_index = pd.Index(spells.persons)
    ts = [float(t) for t in times]
    if not all(np.isfinite(t) and t >= 0 for t in ts):
        raise InputError("times must be finite and >= 0")
    call: dict[str, Any] = dict(n_persons=n_persons, group=np.ascontiguousarray(gcodes, dtype=np.uint32),
                                n_groups=n_groups, out_person=[], out_exit=[], out_event=[], out_entry=[], times=ts)
    names = list(outcomes)
    for name, table in outcomes.items():
        if not isinstance(table, pd.DataFrame) or spells._person not in table or "duration" not in table:
            raise InputError(f"outcome {name!r} must be an outcome table of these spells (person, duration, event)")
        idx = person_index.get_indexer(table[spells._person])
        if (idx < 0).any():
            row = int(np.flatnonzero(idx < 0)[0])
            raise InputError(f"outcome {name!r}: row {row} is a person these spells do not hold", row=row)
        if len(np.unique(idx)) != len(idx):
            raise InputError(f"outcome {name!r} has more than one row for a person; the pipeline bootstrap "
                             "takes one row per person (time to the first event)")
        call["out_person"].append(np.ascontiguousarray(idx, dtype=np.uint32))
        call["out_exit"].append(np.ascontiguousarray(table["duration"].to_numpy(dtype=np.float64)))
        call["out_event"].append(np.ascontiguousarray(table["event"].to_numpy(dtype=np.uint8)))
        entry = table["entry"].to_numpy(dtype=np.float64) if "entry" in table else np.zeros(len(table))
        call["out_entry"].append(np.ascontiguousarray(entry))
    occ = sorted({int(t) for t in occupancy_times})
    if occ:
        if origin is None:
            raise InputError("occupancy_times need origin=")
        if occ[0] < 0:
            raise InputError("occupancy_times must be whole periods >= 0")
        horizon = max(occ[-1], 1)
        o = spells._origin(origin)
        call.update(iv=core_call(spells._core.occupancy_intervals, {}, frame, o,
                                 np.ascontiguousarray(gcodes, dtype=np.uint32), n_groups, len(spells.states), horizon),
                    n_states=len(spells.states), horizon=horizon, occ_times=occ)
    ratios = dict(ratios or {})
    for rname, (num, den) in ratios.items():
        for o_ in (num, den):
            if o_ not in outcomes:
                raise InputError(f"ratio {rname!r} names {o_!r}, which is not among the outcomes")
    scheme, codes, n_codes, nested = spells._person_scheme(gcodes, n_groups, group, cluster)
    common = dict(scheme=scheme, scheme_codes=codes, n_scheme_codes=n_codes, cluster_strata=nested,
                  n_resamples=int(n_resamples), seed=int(seed), n_threads=threads)
    if backend == "dask":
        r = _run_dask({**call, "_core_fn": "bootstrap_panel"}, {**common, "n_threads": 1 if n_jobs is None else threads},
                      int(n_resamples), client, block_size, progress, {}, frame)
    else:
        bar = _progress_bar(int(n_resamples), progress)
        cb = (lambda done: bar.update(min(done, n_resamples) - bar.n)) if bar is not None else None
        try:
            r = core_call(_core.bootstrap_panel, {}, frame, progress=cb, **call, **common, jackknife=False)
        finally:
            if bar is not None:
                bar.close()
    k = int(r["k"])
    derive, qnames = _panel_quantities(names, ratios, levels, ts, [str(s) for s in spells.states], occ)
    t = derive(np.asarray(r["t"]).reshape(int(n_resamples), k))
    t0 = derive(np.asarray(r["t0"]).reshape(1, k))[0]

    def accel() -> np.ndarray:
        j = core_call(_core.bootstrap_panel, {}, frame, **call, **{**common, "n_resamples": 0}, jackknife=True)
        g = int(j["jack_groups"])
        jack = derive(np.asarray(j["jack"]).reshape(g, k))
        return _accelerations(t0, jack, codes if (scheme == "stratified" and g == n_persons) else None)

    return BootstrapResult._from_core(qnames, t0, t, None, None, np.asarray(r["failed"]),
                                      accel() if jackknife is True else None, conf_level, scheme, int(seed), "drop",
                                      jackknife=accel)


def _panel_quantities(outcomes: list[str], ratios: dict[str, tuple[str, str]], levels: list[Any], times: list[float],
                      states: list[str], occ: list[int]) -> tuple[Callable[[np.ndarray], np.ndarray], pd.DataFrame]:
    """The derived quantities of the panel bootstrap from the core's values (per outcome, group
    and time the share; then per group, time and state the occupancy): shares, ratios and
    occupancies per arm, then each against the first arm."""
    G, T, S = len(levels), len(times), len(states)
    lab = ["" if g is None else str(g) for g in levels]

    def derive(v: np.ndarray) -> np.ndarray:
        m = v.shape[0]
        share = v[:, :len(outcomes) * G * T].reshape(m, len(outcomes), G, T)
        blocks = [share[:, o].transpose(0, 2, 1).reshape(m, T * G) for o in range(len(outcomes))]
        with np.errstate(divide="ignore", invalid="ignore"):
            for num, den in ratios.values():
                r = share[:, outcomes.index(num)] / share[:, outcomes.index(den)]
                blocks.append(r.transpose(0, 2, 1).reshape(m, T * G))
        if occ:
            p = v[:, len(outcomes) * G * T:].reshape(m, G, len(occ), S)
            blocks.append(p.transpose(0, 3, 2, 1).reshape(m, S * len(occ) * G))
        per_arm = np.concatenate(blocks, axis=1) if blocks else np.empty((m, 0))
        x = per_arm.reshape(m, -1, G)
        diffs = (x[:, :, 1:] - x[:, :, :1]).reshape(m, -1)
        return np.concatenate([per_arm, diffs], axis=1)

    def t_(t: float) -> str:
        return f"{t:g}"

    labels = [f"share_{o}(t={t_(t)})" for o in outcomes for t in times]
    labels += [f"{r}(t={t_(t)})" for r in ratios for t in times]
    labels += [f"occupancy[{s}](t={t})" for s in states for t in occ] if occ else []
    rows = [(q, g) for q in labels for g in lab]
    rows += [(q.replace("(", "_diff(", 1), f"{g} - {lab[0]}") for q in labels for g in lab[1:]]
    ids = [f"{q} [{g}]" if g else q for q, g in rows]
    return derive, pd.DataFrame({"quantity_id": ids, "quantity": [q for q, _ in rows], "group": [g for _, g in rows]})

