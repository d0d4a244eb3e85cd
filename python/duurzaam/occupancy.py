"""Multi-state state occupancy from spells (Aalen-Johansen, with the infinitesimal-jackknife
standard errors of R's survfit) and its bootstrap. :class:`Spells` inherits ``occupancy``."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from . import _core
from ._input import check_level, core_call, default_threads, nested_strata
from ._result import Result, handout, result
from ._spellcodes import _NO_ORIGIN
from .errors import BootstrapWarning, DegenerateDataError, InputError


class OccupancyRules:
    """``Spells.occupancy``: the share of each group in each state over time, and
    ``Spells.mean_over_time``: hours or earnings per period since the origin."""

    def _person_scheme(self, gcodes: np.ndarray, n_groups: int, group: str | None,
                       cluster: str | None) -> tuple[str, np.ndarray | None, int, np.ndarray | None]:
        """How a bootstrap of persons resamples: whole clusters (within their group when the
        clusters are nested in the groups, so that no group vanishes; municipalities holding
        every arm are resampled whole), persons within groups (as randomised), or persons."""
        if cluster is not None:
            ccodes, clv = pd.factorize(self._person_values(cluster), sort=True)
            if (ccodes < 0).any():
                raise InputError(f"column '{cluster}' is missing for a person", column=cluster)
            codes = np.ascontiguousarray(ccodes, dtype=np.uint32)
            nested = None
            if group is not None:
                try:
                    nested = nested_strata(codes, len(clv), np.asarray(gcodes), cluster, group)
                except InputError:
                    nested = None
            return "cluster", codes, len(clv), nested
        if group is not None:
            return "stratified", np.ascontiguousarray(gcodes, dtype=np.uint32), n_groups, None
        return "ordinary", None, 0, None

    def _group_codes(self, group: str | None) -> tuple[np.ndarray, list[Any]]:
        """Per person, the code of its level of the person-level column ``group``, and the levels."""
        if group is None:
            return np.zeros(len(self.persons), dtype=np.uint32), [None]
        codes, uniq = pd.factorize(self._person_values(group), sort=True)
        if (codes < 0).any():
            raise InputError(f"column '{group}' is missing for a person", column=group)
        return codes.astype(np.uint32), list(uniq)

    def mean_over_time(self, column: str, *, origin: str | Mapping[Any, Any] | pd.Series, group: str | None = None,
                       horizon: int = 24, in_state: Any | Sequence[Any] | None = None, fill: float | None = None,
                       n_resamples: int = 0, cluster: str | None = None, seed: int = 0,
                       conf_level: float = 0.95) -> pd.DataFrame:
        """The mean of a panel column (hours, earnings) in each period since the origin, per
        group: "mean hours per month by arm", overall or among those in work.

        Rules: period ``t`` is the origin's period plus ``t`` (0 = the origin); a person counts at
        ``t`` when the panel has a row for them then (persons who left are not counted as zero).
        With ``in_state`` only rows in that state (or states) count: "hours among those in work";
        a row's state is the state of its spell, so bridged gaps count as the spell's state.
        Rows without a value are left out, or count as ``fill`` (``fill=0``: a month without
        hours is a month with zero hours, for "mean hours overall").

        With ``n_resamples > 0`` percentile bootstrap intervals: persons resampled within groups,
        or whole ``cluster`` s, as :meth:`occupancy`.

        Returns
        -------
        pandas.DataFrame
            ``[group], time, mean, n`` (persons counted) and ``lower, upper`` with the bootstrap.

        Examples
        --------
        >>> import duurzaam as dz
        >>> panel = dz.datasets.four_arm_panel(n_persons=300, seed=3)
        >>> sp = dz.spells(panel, "person_id", "month", "status")
        >>> m = sp.mean_over_time("hours", origin="programme_start", group="arm", horizon=12, in_state="work")
        >>> m.columns.tolist()
        ['arm', 'time', 'mean', 'n']
        """
        horizon = int(horizon)
        if horizon < 0:
            raise InputError("horizon must be a whole number of periods >= 0")
        gcodes, levels = self._group_codes(group)
        o = self._origin(origin)
        pc = self._person_codes
        t = self._row_periods - o[pc]
        raw = pd.Series(self._frame.raw(column))
        values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=np.float64)
        bad = ~np.isfinite(values) & raw.notna().to_numpy()
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise InputError(f"column '{column}' must hold finite numbers ({self._frame.where(row)})", column=column,
                             row=row)
        if fill is not None:
            values = np.where(np.isnan(values), float(fill), values)
        keep = (o[pc] != _NO_ORIGIN) & (t >= 0) & (t <= horizon) & ~np.isnan(values)
        if in_state is not None:
            wanted = [in_state] if isinstance(in_state, str) or not isinstance(in_state, Sequence) else list(in_state)
            mask = np.zeros(len(self.states) + 1, dtype=bool)
            for st in wanted:
                mask[self._state_code(st, "in_state")] = True
            keep &= mask[self._row_states]  # -1 (no spell) reads the last entry: False
        rows = np.flatnonzero(keep)
        n_p, n_t = len(self.persons), horizon + 1
        cell = pc[rows].astype(np.int64) * n_t + t[rows]
        # per person and period: the sum of the values and the number of rows (a person counts once)
        sums = np.bincount(cell, weights=values[rows], minlength=n_p * n_t).reshape(n_p, n_t)
        rows_n = np.bincount(cell, minlength=n_p * n_t).reshape(n_p, n_t)
        present = (rows_n > 0).astype(np.float64)
        per = np.divide(sums, rows_n, out=np.zeros_like(sums), where=rows_n > 0)  # a person's mean at t

        def means(w: np.ndarray) -> np.ndarray:
            out = np.empty((len(levels), n_t))
            for g in range(len(levels)):
                sel = gcodes == g
                den = w[sel] @ present[sel]
                with np.errstate(invalid="ignore", divide="ignore"):
                    out[g] = (w[sel] @ per[sel]) / den
            return out

        est = means(np.ones(n_p))
        counts = np.stack([present[gcodes == g].sum(axis=0) for g in range(len(levels))])
        table = pd.DataFrame({"time": np.tile(np.arange(n_t), len(levels)), "mean": est.ravel(),
                              "n": counts.ravel().astype(np.int64)})
        if group is not None:
            table.insert(0, group, np.repeat(np.asarray(levels, dtype=object), n_t))
        if n_resamples > 0:
            scheme, codes, n_codes, nested = self._person_scheme(gcodes, len(levels), group, cluster)
            reps = np.stack([means(_core.resample_weights(n_p, scheme, codes, n_codes, int(seed), r,
                                                          cluster_strata=nested))
                             for r in range(int(n_resamples))])
            alpha = (1 - check_level(conf_level)) / 2
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # a cell nobody reaches in a replicate
                table["lower"] = np.nanquantile(reps, alpha, axis=0).ravel()
                table["upper"] = np.nanquantile(reps, 1 - alpha, axis=0).ravel()
        table.attrs["rule"] = (f"mean of {column} per period since the origin"
                               + (f" among rows in {in_state}" if in_state is not None else "")
                               + (f"; rows without a value count as {fill:g}" if fill is not None else
                                  "; rows without a value left out"))
        return table

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
        gcodes, levels = self._group_codes(group)
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
            scheme, codes, n_codes, nested = self._person_scheme(gcodes, len(levels), group, cluster)
            n = len(self.persons)
            k = len(self.states)
            if w is None:
                # in the core, in parallel: the persons' intervals collected once and reweighted per
                # replicate (the streams of resample_weights: the same replicates as one by one)
                g32 = np.ascontiguousarray(gcodes, dtype=np.uint32)
                iv = core_call(self._core.occupancy_intervals, {}, self._frame, o, g32, len(levels), k, horizon)
                r = core_call(_core.bootstrap_panel, {}, self._frame, n_persons=n, group=g32, n_groups=len(levels),
                              out_person=[], out_exit=[], out_event=[], out_entry=[], times=[], iv=iv, n_states=k,
                              horizon=horizon, occ_times=list(range(horizon + 1)), scheme=scheme, scheme_codes=codes,
                              n_scheme_codes=n_codes, cluster_strata=nested, n_resamples=int(n_resamples),
                              seed=int(seed), n_threads=default_threads())
                failed = np.asarray(r["failed"], dtype=bool)
                t = np.asarray(r["t"]).reshape(int(n_resamples), len(levels), horizon + 1, k)
                reps = list(t[~failed].reshape(-1, len(levels), (horizon + 1) * k))
                failed_n = int(failed.sum())
            else:
                reps = []
                failed_n = 0
                for rep in range(int(n_resamples)):
                    rw = _core.resample_weights(n, scheme, codes, n_codes, int(seed), rep, cluster_strata=nested)
                    try:
                        cs = self._core.occupancy(o, np.ascontiguousarray(gcodes), len(levels), k, horizon,
                                                  np.ascontiguousarray(rw * w), False)
                    except _core.CoreDegenerateError:
                        failed_n += 1  # a group without anyone at time 0 in this replicate
                        continue
                    reps.append(np.stack([c["pstate"] for c in cs]))
            if failed_n:
                warnings.warn(f"{failed_n} of {n_resamples} resamples had a group with nobody at time 0 and were "
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
