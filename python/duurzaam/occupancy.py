"""Multi-state state occupancy from spells (Aalen-Johansen, with the infinitesimal-jackknife
standard errors of R's survfit) and its bootstrap. :class:`Spells` inherits ``occupancy``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from . import _core
from ._input import check_level, core_call, nested_strata
from ._result import Result, handout, result
from .errors import BootstrapWarning, DegenerateDataError, InputError


class OccupancyRules:
    """``Spells.occupancy``: the share of each group in each state over time."""

    def occupancy(self, *, origin: str | Mapping[Any, Any] | pd.Series, group: str | None = None,
                  times: Sequence[int] = (6, 12, 18), weights: str | None = None, n_resamples: int = 0,
                  cluster: str | None = None, seed: int = 0, conf_level: float = 0.95) -> Occupancy:
        """The share of each group in each state at ``times`` periods after the origin: the
        Aalen-Johansen estimate of a multi-state model (as R's ``survfit`` with
        ``Surv(tstart, tstop, state)``, ``id`` and ``istate``), which accounts for persons who
        leave observation, unlike a cross-tab of the panel.

        With ``n_resamples > 0`` the table gets percentile bootstrap intervals (``lower``,
        ``upper``): persons are resampled within each group (as randomised), or whole
        ``cluster`` s (a person-level column such as the municipality; within each group when
        the clusters are nested in the groups, so that no group vanishes from a replicate), with
        the streams of
        :func:`duurzaam.bootstrap` (replicate i from stream i of ``seed``).

        Examples
        --------
        >>> import duurzaam as dz
        >>> panel = dz.datasets.four_arm_panel(n_persons=400, seed=3)
        >>> sp = dz.spells(panel, "person_id", "month", "status")
        >>> occ = sp.occupancy(origin="programme_start", group="arm", times=[6, 12])
        >>> occ.at([12]).groupby("arm")["share"].sum().round(6).unique().tolist()
        [1.0]
        """
        o = self._origin(origin)
        if group is None:
            gcodes = np.zeros(len(self.persons), dtype=np.uint32)
            levels: list[Any] = [None]
        else:
            vals = self._person_values(group)
            codes, uniq = pd.factorize(vals, sort=True)
            if (codes < 0).any():
                raise InputError(f"column '{group}' is missing for a person", column=group)
            gcodes = codes.astype(np.uint32)
            levels = list(uniq)
        w = None
        if weights is not None:
            w = np.ascontiguousarray(self._person_values(weights).to_numpy(dtype=np.float64))
            if not (np.isfinite(w) & (w > 0)).all():
                raise InputError(f"column '{weights}' must be positive and finite", column=weights)
        ts = sorted(int(t) for t in times)
        if not ts or ts[0] < 0:
            raise InputError("times must be non-negative whole periods")
        horizon = max(ts[-1], 1)
        curves = core_call(self._core.occupancy, {}, self._frame, o, np.ascontiguousarray(gcodes), len(levels),
                           len(self.states), horizon, w)
        bounds = None
        if n_resamples > 0:
            nested = None
            if cluster is not None:
                ccodes, clv = pd.factorize(self._person_values(cluster), sort=True)
                scheme, codes, n_codes = "cluster", np.ascontiguousarray(ccodes, dtype=np.uint32), len(clv)
                if group is not None:
                    # clusters nested in groups (case workers in arms) are resampled within their
                    # group, so no group vanishes; clusters across groups (municipalities holding
                    # every arm) are resampled whole
                    try:
                        nested = nested_strata(codes, n_codes, np.asarray(gcodes), cluster, group)
                    except InputError:
                        nested = None
            elif group is not None:
                scheme, codes, n_codes = "stratified", np.ascontiguousarray(gcodes), len(levels)
            else:
                scheme, codes, n_codes = "ordinary", None, 0
            reps = []
            failed = 0
            n = len(self.persons)
            for r in range(int(n_resamples)):
                rw = _core.resample_weights(n, scheme, codes, n_codes, int(seed), r, cluster_strata=nested)
                wr = rw if w is None else rw * w
                try:
                    cs = self._core.occupancy(o, np.ascontiguousarray(gcodes), len(levels), len(self.states), horizon,
                                              np.ascontiguousarray(wr), False)
                except _core.CoreDegenerateError:
                    failed += 1  # a group without anyone at time 0 in this replicate
                    continue
                reps.append(np.stack([c["pstate"] for c in cs]))
            if failed:
                import warnings


                warnings.warn(f"{failed} of {n_resamples} resamples had a group with nobody at time 0 and were "
                              "left out", BootstrapWarning, stacklevel=2)
            if not reps:
                raise DegenerateDataError("no bootstrap resample of the occupancy succeeded")
            arr = np.stack(reps)
            alpha = (1 - check_level(conf_level)) / 2
            bounds = (np.quantile(arr, alpha, axis=0), np.quantile(arr, 1 - alpha, axis=0))
        return Occupancy._from_core(curves, levels, group, list(self.states), horizon, ts, bounds)


@result
class Occupancy(Result):
    """State occupancy curves per group, built by :meth:`Spells.occupancy`."""

    group: str | None
    states: list[Any]
    times: list[int]
    _curve: pd.DataFrame

    @classmethod
    def _from_core(cls, curves: list[dict[str, np.ndarray]], levels: list[Any], group: str | None,
                  states: list[Any], horizon: int, times: list[int],
                  bounds: tuple[np.ndarray, np.ndarray] | None = None) -> Occupancy:
        k = len(states)
        parts = []
        for gi, (lvl, c) in enumerate(zip(levels, curves)):
            p = c["pstate"].reshape(horizon + 1, k)
            r = c["n_risk"].reshape(horizon + 1, k)
            se = c["std_err"].reshape(horizon + 1, k)
            for j, st in enumerate(states):
                part = pd.DataFrame({"time": np.arange(horizon + 1), "state": st, "share": p[:, j], "std_err": se[:, j],
                                     "n_risk": r[:, j]})
                if bounds is not None:
                    part["lower"] = bounds[0][gi].reshape(horizon + 1, k)[:, j]
                    part["upper"] = bounds[1][gi].reshape(horizon + 1, k)[:, j]
                if group is not None:
                    part.insert(0, group, lvl)
                parts.append(part)
        return cls(group=group, states=states, times=times, _curve=pd.concat(parts, ignore_index=True))

    @property
    def table(self) -> pd.DataFrame:
        """``[group], time, state, share, std_err, n_risk`` (and ``lower, upper`` with the
        bootstrap) for every whole period 0..max(times). ``std_err`` is the infinitesimal
        jackknife of R's ``survfit`` for a multi-state model, with persons as the units."""
        return handout(self._curve)

    def at(self, times: Sequence[int] | None = None) -> pd.DataFrame:
        """The shares at the given periods (default: the ``times`` asked for)."""
        ts = self.times if times is None else [int(t) for t in times]
        bad = [t for t in ts if t < 0 or t > self._curve["time"].max()]
        if bad:
            raise InputError(f"times {bad} lie outside 0..{self._curve['time'].max()}")
        return self._curve[self._curve["time"].isin(ts)].reset_index(drop=True)

    def wide(self) -> pd.DataFrame:
        """The shares at ``times`` with one column per state."""
        idx = ([self.group] if self.group else []) + ["time"]
        return self.at().pivot_table(index=idx, columns="state", values="share", sort=False)[self.states]

    def _title(self) -> str:
        return "State occupancy (Aalen-Johansen)"

    def _summary_frame(self) -> pd.DataFrame:
        return self.wide()

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Stacked shares over time per state (one panel per group when grouped)."""
        from .plotting import plot_occupancy

        return plot_occupancy(self, ax=ax, **kwargs)
