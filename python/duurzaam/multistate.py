"""Multi-state Cox models: transition-specific hazards (benefit -> work, work -> benefit, ...) on
counting-process rows, and the predicted share of a person in each state over time.

The partial likelihood of a multi-state Cox model with its own coefficients and baseline hazard
per transition factors into one Cox model per transition: for the transition ``a -> b``, the rows
of stays in ``a`` are at risk over ``(entry, exit]`` and have the event when the stay ended in
``b``. Each is fitted by the core's Cox model (Efron or Breslow ties, delayed entry, robust
variance grouped by person), which is what R's ``coxph(Surv(entry, exit, state) ~ ..., id =,
istate =)`` computes (the robust variance's diagonal blocks, one per transition, are the
per-transition sandwiches; R's cross-transition blocks are not reported).

Predicted occupancy is the product integral of the predicted transition hazards, as R's
``survfit(fit, newdata =, p0 =)``: ``p(t) = p(0) prod exp(dA(s))`` over the event times, with the
matrix exponential of each increment of the hazard matrix (R's choice for a Cox model, whose
predicted increments may exceed 1; ``I + dA`` would be the Aalen-Johansen estimator); its standard error,
which R does not give, comes from the infinitesimal jackknife: each person's influence on the
coefficients (dfbeta) and on every baseline hazard increment, carried through the product
integral, summed within the person and squared.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ._input import Frame, check_level, check_values, fix_times
from ._model import _design, _pandas, _z
from ._result import Result, handout, result
from .cox import CoxFit, cox
from .errors import DegenerateDataError, InputError


def _arrow(a: Any, b: Any) -> str:
    return f"{a} -> {b}"


@result
class MultiStateCoxFit(Result):
    """A fitted multi-state Cox model; built by :func:`multistate_cox`.

    Attributes
    ----------
    summary : DataFrame
        One row per (transition, term): ``transition`` ("benefit -> work"), ``term``, ``coef``,
        ``exp_coef``, ``se`` (model-based), ``robust_se`` (grouped by ``id``), ``z``,
        ``p_value``, ``lower``, ``upper``, ``exp_lower``, ``exp_upper`` (z, p and intervals from
        the robust standard error, as R).
    states : list
        The states, in order.
    transitions : list of tuple
        The (from, to) pairs with at least one event, in order.
    fits : dict
        The Cox model of each transition (``fits[("benefit", "work")]``).
    """

    states: list[Any]
    transitions: list[tuple[Any, Any]]
    fits: dict[tuple[Any, Any], CoxFit]
    _summary: pd.DataFrame
    _rows: dict[tuple[Any, Any], dict[str, Any]]
    conf_level: float
    n: int
    n_ids: int

    @property
    def summary(self) -> pd.DataFrame:
        return handout(self._summary)

    @property
    def loglik(self) -> tuple[float, float]:
        """The log partial likelihood at zero and at the estimate, summed over transitions (R's
        ``fit$loglik``)."""
        return (float(sum(f.loglik[0] for f in self.fits.values())), float(sum(f.loglik[1] for f in self.fits.values())))

    def _title(self) -> str:
        return f"Multi-state Cox model: {len(self.transitions)} transitions between {len(self.states)} states"

    def _facts(self) -> list[tuple[str, str]]:
        ev = ", ".join(f"{_arrow(a, b)} {int(f.n_events)}" for (a, b), f in self.fits.items())
        return [("rows", f"{self.n} stays of {self.n_ids} persons"), ("events", ev)]

    def _summary_frame(self) -> pd.DataFrame:
        cols = ["transition", "term", "coef", "exp_coef", "se", "robust_se", "p_value"]
        return self._summary[cols].set_index(["transition", "term"])

    def to_frame(self) -> pd.DataFrame:
        return self.summary

    # -- prediction ------------------------------------------------------------------------
    def predict_occupancy(self, newdata: Any, times: float | Sequence[float], initial_state: Any | Mapping[Any, float],
                          *, std_err: bool = True, conf_level: float | None = None) -> pd.DataFrame:
        """The share of a person like each row of ``newdata`` in each state at ``times``, starting
        at time 0 in ``initial_state`` (a state, or a mapping state -> probability), as R's
        ``survfit(fit, newdata =, p0 =)`` (the product integral of the predicted hazards, with the
        matrix exponential of each increment, as R).

        Returns one row per (newdata row, time, state): ``row`` (0-based), ``time``, ``state``,
        ``probability``, ``std_err``, ``lower``, ``upper`` (plain Wald intervals, clipped to
        [0, 1]). The standard error is the infinitesimal jackknife (influence of every person on
        the coefficients and the baseline hazards, summed within persons); ``std_err=False``
        skips it (it costs one pass over the rows per newdata row, state and time).
        """
        ts = check_values(times, "times")
        level = check_level(self.conf_level if conf_level is None else conf_level)
        p0 = self._p0(initial_state)
        S = len(self.states)
        lp_codes = {h: self.fits[h]._linear_predictor(newdata) for h in self.transitions}
        lps = {h: v[0] for h, v in lp_codes.items()}
        x_new = {h: _newdata_x(self.fits[h], newdata) for h in self.transitions}
        n_new = len(next(iter(lps.values())))
        z = _z(level)
        cache: dict[tuple[Any, int | None], dict[str, np.ndarray]] = {}
        rows = []
        for r in range(n_new):
            base = {}
            for h in self.transitions:
                codes = lp_codes[h][1]
                key = (h, None if codes is None else int(codes[r]))
                if key not in cache:
                    cache[key] = self._increments(h, key[1])
                base[h] = cache[key]
            grid = np.unique(np.concatenate([b["time"] for b in base.values()]))
            # the hazard matrix increment dA_k at each grid time, and its exponential
            dA = np.zeros((len(grid), S, S))
            for h in self.transitions:
                a, b = self.states.index(h[0]), self.states.index(h[1])
                at = np.searchsorted(grid, base[h]["time"])
                d = base[h]["dlam"] * np.exp(lps[h][r])
                dA[at, a, b] += d
                dA[at, a, a] -= d
            M = _expm_stack(dA)
            path = np.empty((len(grid) + 1, S))  # p before grid time k (row k), p at the end (last row)
            path[0] = p0
            for j in range(len(grid)):
                path[j + 1] = path[j] @ M[j]
            for t in ts:
                m = int(np.searchsorted(grid, t, side="right"))  # grid times <= t
                p_t = path[m]
                se = np.sqrt(self._ij_variance(t, m, path, grid, dA, M, base, lps, x_new, r)) if std_err else np.full(S, np.nan)
                for j, state in enumerate(self.states):
                    rows.append((r, t, state, p_t[j], se[j]))
        out = pd.DataFrame(rows, columns=["row", "time", "state", "probability", "std_err"])
        out["lower"] = (out["probability"] - z * out["std_err"]).clip(0.0, 1.0)
        out["upper"] = (out["probability"] + z * out["std_err"]).clip(0.0, 1.0)
        return out

    def _p0(self, initial_state: Any) -> np.ndarray:
        p0 = np.zeros(len(self.states))
        if isinstance(initial_state, Mapping):
            for s, v in initial_state.items():
                p0[self._state_index(s)] = float(v)
            if not (np.all(p0 >= 0) and abs(p0.sum() - 1) < 1e-9):
                raise InputError("initial_state probabilities must be non-negative and add up to 1")
        else:
            p0[self._state_index(initial_state)] = 1.0
        return p0

    def _state_index(self, s: Any) -> int:
        try:
            return self.states.index(s)
        except ValueError:
            raise InputError(f"{s!r} is not a state of the model (states: {', '.join(map(str, self.states))})") from None

    def _increments(self, h: tuple[Any, Any], stratum: int | None = None) -> dict[str, np.ndarray]:
        """Baseline hazard increments of transition ``h`` (in ``stratum`` of a stratified model)
        at its event times, with the weighted risk-set sums S0 and the covariate means at each,
        from the transition's rows.

        The increments are R's for multi-state predictions (survival 3.5-3, ``multihaz``): the
        weighted events over S0 (Breslow ties), or for Efron ties over the mean of the Efron
        denominators as R computes it, ``S0 - S0_d (d - 1) / (2 d^2)`` with ``d`` the number of
        tied events and ``S0_d`` their weighted risk (close to Breslow, and not the Efron
        increments of the one-event ``survfit.coxph``)."""
        fit = self.fits[h]
        rows = self._rows[h]
        mask = np.ones(len(rows["w"]), dtype=bool) if stratum is None else rows["stratum"] == stratum
        w, x, ev = rows["w"] * mask, rows["x"], rows["event"] & mask
        r = np.exp(x @ fit.coef.to_numpy())
        wr = w * r
        t, inv = np.unique(rows["exit"][ev], return_inverse=True)
        d_n = np.bincount(inv, minlength=len(t)).astype(float)
        d_w = np.bincount(inv, weights=w[ev], minlength=len(t))
        d_wr = np.bincount(inv, weights=wr[ev], minlength=len(t))
        # S0 and S1 at each event time: at risk when entry < t <= exit
        s0 = _at_risk_sum(rows["entry"], rows["exit"], wr[:, None], t)[:, 0]
        s1 = _at_risk_sum(rows["entry"], rows["exit"], wr[:, None] * x, t)
        denom = s0 - d_wr * (d_n - 1) / (2 * d_n**2) if fit.ties == "efron" else s0
        return {"time": t, "dlam": d_w / denom, "s0": s0, "xbar": s1 / s0[:, None], "r": r, "mask": mask}

    def _ij_variance(self, t: float, m: int, path: np.ndarray, grid: np.ndarray, dA: np.ndarray, M: np.ndarray,
                     base: dict, lps: dict, x_new: dict, r: int) -> np.ndarray:
        """Infinitesimal-jackknife variance of p(t) for newdata row ``r`` (all states)."""
        S = len(self.states)
        # P[k] = M_{k+1} ... M_{m-1}: the transition matrix from grid time k (after its jump) to t
        P = np.empty((m, S, S))
        cur = np.eye(S)
        for k in range(m - 1, -1, -1):
            P[k] = cur
            cur = M[k] @ cur
        infl = np.zeros((self.n_ids, S))
        for h in self.transitions:
            a, b = self.states.index(h[0]), self.states.index(h[1])
            bh = base[h]
            rows = self._rows[h]
            keep = bh["time"] <= t
            if not keep.any():
                continue
            k_grid = np.searchsorted(grid, bh["time"][keep])
            # G_k: the change in p(t) per unit change of this transition's hazard increment at k:
            # p(before k) L(dA_k, E) P_k, with L the Frechet derivative of the exponential
            G = _sensitivity(path, dA, P, k_grid, a, b)  # (K, S)
            eta = float(np.exp(lps[h][r]))
            dlam, s0, xbar = bh["dlam"][keep], bh["s0"][keep], bh["xbar"][keep]
            times_h = bh["time"][keep]
            # the event term: rows whose stay ended in b at an event time <= t (rows of other
            # strata have weight 0 here: they act through the coefficients only)
            w = rows["w"] * bh["mask"]
            ev_rows = np.flatnonzero(rows["event"] & bh["mask"] & (rows["exit"] <= t))
            contrib = np.zeros((len(w), S))
            if ev_rows.size:
                kk = np.searchsorted(times_h, rows["exit"][ev_rows])
                contrib[ev_rows] += (w[ev_rows] / s0[kk])[:, None] * G[kk]
            # the at-risk term: minus w r sum over event times in (entry, min(exit, t)] of G dlam / S0
            cum = np.vstack([np.zeros(S), np.cumsum(G * (dlam / s0)[:, None], axis=0)])
            hi = np.searchsorted(times_h, np.minimum(rows["exit"], t), side="right")
            lo = np.searchsorted(times_h, rows["entry"], side="right")
            contrib -= (w * bh["r"])[:, None] * (cum[hi] - cum[lo])
            # the coefficients: dfbeta times sum_k G dlam (x* - xbar_k)
            sens = G.T @ (dlam[:, None] * (x_new[h][r][None, :] - xbar))  # (S, p)
            if rows.get("dfbeta") is None:
                rows["dfbeta"] = self.fits[h].residuals("dfbeta")
            contrib += rows["dfbeta"] @ sens.T
            np.add.at(infl, rows["id"], eta * contrib)
        return np.sum(infl**2, axis=0)


def _newdata_x(fit: CoxFit, newdata: Any) -> np.ndarray:
    from ._model import _newdata_design

    return _newdata_design(newdata, fit._model_spec, fit.terms)


def _at_risk_sum(entry: np.ndarray, exit_: np.ndarray, v: np.ndarray, t: np.ndarray) -> np.ndarray:
    """For each time in ``t``, the sum of rows of ``v`` at risk (entry < t <= exit)."""
    def tail(key: np.ndarray, strict: bool) -> np.ndarray:
        order = np.argsort(key, kind="stable")
        cs = np.vstack([np.zeros(v.shape[1]), np.cumsum(v[order], axis=0)])
        # rows with key >= t (strict=False) or key > t... : sum of the tail
        pos = np.searchsorted(key[order], t, side="left" if not strict else "right")
        return cs[-1] - cs[pos]

    # exit >= t, minus entry >= t (those not yet at risk)
    return tail(exit_, strict=False) - tail(entry, strict=False)


def _expm(A: np.ndarray) -> np.ndarray:
    """The matrix exponential of a small matrix: scaling, a Taylor series to machine precision,
    squaring."""
    norm = float(np.max(np.sum(np.abs(A), axis=1))) if A.size else 0.0
    n = A.shape[0]
    if norm == 0.0:
        return np.eye(n)
    s = max(0, int(np.ceil(np.log2(norm / 0.5)))) if norm > 0.5 else 0
    B = A / 2.0**s
    out = np.eye(n)
    term = np.eye(n)
    for i in range(1, 20):
        term = term @ B / i
        out = out + term
    for _ in range(s):
        out = out @ out
    return out


def _expm_stack(dA: np.ndarray) -> np.ndarray:
    """exp of each increment of a hazard matrix. Where all moves leave one state (no ties across
    states, the usual case) the exponential has a closed form: that row becomes ``exp(-D)`` on
    the diagonal and ``d_b (1 - exp(-D)) / D`` towards each ``b``, the other rows stay unit rows."""
    K, S, _ = dA.shape
    M = np.broadcast_to(np.eye(S), (K, S, S)).copy()
    active = np.any(dA != 0, axis=2)  # (K, S): rows with moves
    n_active = active.sum(axis=1)
    one = np.flatnonzero(n_active == 1)
    if one.size:
        a = np.argmax(active[one], axis=1)
        rows = dA[one, a, :]  # (m, S)
        D = -rows[np.arange(one.size), a]
        frac = -np.expm1(-D) / D
        out = rows * frac[:, None]
        out[np.arange(one.size), a] = np.exp(-D)
        M[one, a, :] = out
    for k in np.flatnonzero(n_active > 1):
        M[k] = _expm(dA[k])
    return M


def _sensitivity(path: np.ndarray, dA: np.ndarray, P: np.ndarray, ks: np.ndarray, a: int, b: int) -> np.ndarray:
    """For each grid time k in ``ks``: p(before k) L(dA_k, E) P_k, the change of p(t) per unit
    change of the a -> b hazard increment at k (L the Frechet derivative of exp in the direction
    E of that move). Closed form where only state ``a`` has moves at k, else the block-matrix
    exponential."""
    S = dA.shape[1]
    out = np.empty((len(ks), S))
    active = np.any(dA[ks] != 0, axis=2)
    single = active.sum(axis=1) == 1
    if single.any():
        kk = ks[single]
        rows = dA[kk, a, :]  # (m, S)
        D = -rows[:, a]
        eD = np.exp(-D)
        f = -np.expm1(-D) / D
        df = (D * eD + np.expm1(-D)) / D**2  # d f / dD
        L = rows * df[:, None]  # d_c f'(D) towards every c ...
        L[:, b] += f  # ... plus f(D) towards b
        L[:, a] = -eD
        out[single] = path[kk, a][:, None] * np.einsum("ms,mst->mt", L, P[kk])
    E = np.zeros((S, S))
    E[a, b], E[a, a] = 1.0, -1.0
    for i in np.flatnonzero(~single):
        k = ks[i]
        out[i] = path[k] @ _expm_frechet(dA[k], E) @ P[k]
    return out


def _expm_frechet(A: np.ndarray, E: np.ndarray) -> np.ndarray:
    """The derivative of exp at A in direction E: the upper right block of exp([[A, E], [0, A]])."""
    n = A.shape[0]
    big = np.zeros((2 * n, 2 * n))
    big[:n, :n] = A
    big[n:, n:] = A
    big[:n, n:] = E
    return _expm(big)[:n, n:]


def multistate_cox(data: Any, entry: str, exit: str, from_state: str, to_state: str, covariates: str | Sequence[str],
                   *, id: str, censored: Any = "censored", strata: str | None = None, weights: str | None = None,
                   ties: str = "efron", conf_level: float = 0.95, timefix: bool = True) -> MultiStateCoxFit:
    """Multi-state Cox model with its own coefficients and baseline hazard per transition, as R's
    ``coxph(Surv(entry, exit, to) ~ covariates, id = id, istate = from)``.

    Parameters
    ----------
    data : DataFrame
        One row per person per stay (:meth:`duurzaam.Spells.transitions` writes them): the stay
        in ``from_state`` over ``(entry, exit]``, ended by a move to ``to_state`` or ``censored``.
    covariates : list of str or str
        Columns, or a formula right-hand side (``"C(arm) + age"``); the same for every transition.
    id : str
        The person: robust standard errors are grouped by it, and the occupancy's standard errors.
    censored : label
        The ``to_state`` value of a stay whose end is not a transition.
    strata : str, optional
        A column whose levels get their own baseline hazards within each transition.
    weights : str, optional
        Case weights.
    ties : {"efron", "breslow"}
    timefix : bool
        Near-equal times are one time, as R (see :func:`duurzaam.kaplan_meier`).

    Examples
    --------
    >>> import duurzaam as dz
    >>> panel = dz.datasets.four_arm_panel(n_persons=300, seed=1)
    >>> rows = dz.spells(panel, "person_id", "month", "status").transitions(
    ...     origin="programme_start", states={"education": "other"}, covariates=["age", "female"])
    >>> fit = dz.multistate_cox(rows, "entry", "exit", "from_state", "to_state", ["age", "female"],
    ...                         id="person_id")
    >>> fit.summary["transition"].unique()[:2].tolist()
    ['benefit -> other', 'benefit -> work']
    >>> occ = fit.predict_occupancy(rows.head(1), [6, 12], initial_state="benefit")
    >>> occ.columns.tolist()
    ['row', 'time', 'state', 'probability', 'std_err', 'lower', 'upper']
    """
    if ties not in ("efron", "breslow"):
        raise InputError(f"ties must be 'efron' or 'breslow', not {ties!r}")
    conf_level = check_level(conf_level)
    frame = Frame(data)
    df = _pandas(frame, data)
    en = frame.numeric(entry)
    ex = frame.numeric(exit)
    bad = np.flatnonzero(~(np.isfinite(en) & np.isfinite(ex)) | (en >= ex))
    if bad.size:
        col = entry if not np.isfinite(en[bad[0]]) else exit
        raise InputError(f"column '{col}': each stay needs finite times with {entry} < {exit} "
                         f"({frame.where(int(bad[0]))})", column=col, row=int(bad[0]))
    frm = pd.Series(frame.raw(from_state)).reset_index(drop=True)
    to = pd.Series(frame.raw(to_state)).reset_index(drop=True)
    for col, s in ((from_state, frm), (to_state, to)):
        miss = np.flatnonzero(s.isna().to_numpy())
        if miss.size:
            raise InputError(f"column '{col}' is missing ({frame.where(int(miss[0]))})", column=col, row=int(miss[0]))
    if (frm == censored).any():
        row = int(np.flatnonzero((frm == censored).to_numpy())[0])
        raise InputError(f"column '{from_state}' holds the censoring label {censored!r} ({frame.where(row)})",
                         column=from_state, row=row)
    same = np.flatnonzero((frm == to).to_numpy())
    if same.size:
        raise InputError(f"column '{to_state}': a stay ends in the state it is in ({frame.where(int(same[0]))}); "
                         "join such stays or mark the end as censored", column=to_state, row=int(same[0]))
    # states in order: categorical order, else sorted
    if isinstance(frm.dtype, pd.CategoricalDtype):
        order = [c for c in frm.cat.categories]
    else:
        order = sorted(set(frm.tolist()) | set(to[to != censored].tolist()), key=lambda v: (str(type(v)), v))
    states = list(dict.fromkeys(order + [s for s in to[to != censored].unique().tolist() if s not in order]))
    moves = to != censored
    pairs = pd.DataFrame({"a": frm[moves], "b": to[moves]}).drop_duplicates()
    transitions = sorted(((a, b) for a, b in pairs.itertuples(index=False)),
                         key=lambda ab: (states.index(ab[0]), states.index(ab[1])))
    if not transitions:
        raise DegenerateDataError(f"column '{to_state}' has no transitions (every stay is {censored!r})")
    # near-equal times are one time (R's timefix), decided on all rows, as R's coxph does
    ex, en = fix_times(ex, en, timefix, (exit, entry))
    df = df.copy()
    df[exit], df[entry] = ex, en
    # covariates checked once on all rows (errors name the row positions of the data)
    _design(frame, data, covariates)
    id_codes, id_levels = frame.clusters(id)
    fits: dict[tuple[Any, Any], CoxFit] = {}
    rows_of: dict[tuple[Any, Any], dict[str, Any]] = {}
    summaries = []
    w_all = frame.numeric(weights) if weights is not None else np.ones(len(df))
    for a, b in transitions:
        idx = np.flatnonzero((frm == a).to_numpy())
        sub = df.iloc[idx].reset_index(drop=True)
        ev_col = "__event__"
        sub[ev_col] = (to.iloc[idx] == b).to_numpy().astype(np.int64)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fit = cox(sub, exit, ev_col, covariates, entry=entry, strata=strata, weights=weights, cluster=id,
                      ties=ties, conf_level=conf_level, timefix=False)
        for w in caught:  # say which transition's model it is about
            warnings.warn(f"{_arrow(a, b)}: {w.message}", w.category, stacklevel=2)
        fits[(a, b)] = fit
        s = fit.summary.reset_index().rename(columns={"index": "term"})
        if "term" not in s.columns:
            s = s.rename(columns={s.columns[0]: "term"})
        s.insert(0, "transition", _arrow(a, b))
        summaries.append(s)
        rows_of[(a, b)] = {"entry": en[idx], "exit": ex[idx], "event": sub[ev_col].to_numpy().astype(bool),
                           "w": w_all[idx], "x": np.asarray(fit._args["x"]).reshape(len(idx), -1),
                           "dfbeta": None, "id": id_codes[idx].astype(np.int64), "stratum": fit._args["strata"]}
    summary = pd.concat(summaries, ignore_index=True)
    cols = ["transition", "term", "coef", "exp_coef", "se", "robust_se", "z", "p_value", "lower", "upper",
            "exp_lower", "exp_upper"]
    summary = summary[[c for c in cols if c in summary.columns]]
    return MultiStateCoxFit(states=states, transitions=transitions, fits=fits, _summary=summary, _rows=rows_of,
                            conf_level=conf_level, n=len(df), n_ids=len(id_levels))
