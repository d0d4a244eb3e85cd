"""Adjusted (direct-standardised) survival curves from a Cox model, with bootstrap intervals that
refit the model in every replicate. Above the bootstrap in the layers: it uses both."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ._input import Frame, check_values, fix_times
from ._model import _design, _newdata_design
from ._result import register_kernel
from .bootstrap import bootstrap
from .cox import cox
from .errors import InputError


def adjusted_survival(data: Any, duration: str, event: str, covariates: str | Sequence[str], variable: str,
                      times: Any, *, values: Sequence[Any] | None = None, n_resamples: int = 0, seed: int = 0,
                      scheme: str = "ordinary", strata: str | None = None, cluster: str | None = None,
                      conf_level: float = 0.95, progress: bool | None = None, **cox_kwargs: Any) -> pd.DataFrame:
    """Adjusted survival curves per arm from a Cox model (the average predicted curve over the
    whole sample with everyone set to each arm), with percentile bootstrap intervals that refit
    the model in every replicate when ``n_resamples > 0``. Returns ``variable, time, survival,
    difference`` (against the first value) and, with the bootstrap, ``lower, upper,
    diff_lower, diff_upper``.

    Examples
    --------
    >>> import duurzaam as dz
    >>> rossi = dz.datasets.load_rossi()
    >>> t = dz.adjusted_survival(rossi, "week", "arrest", ["fin", "age", "prio"], "fin", [26, 52])
    >>> t.columns.tolist()
    ['fin', 'time', 'survival', 'difference']
    """
    fit = cox(data, duration, event, covariates, **cox_kwargs)
    est = fit.adjusted_survival(data, variable, times, values)
    if n_resamples <= 0:
        return est
    vals = list(dict.fromkeys(est[variable]))
    ts = list(dict.fromkeys(est["time"].tolist()))
    if cox_kwargs.get("offset") is None:
        # In the core: each replicate refits the model, its baseline and the averaged prediction.
        core_kwargs = {k: v for k, v in cox_kwargs.items() if k in ("entry", "weights", "ties", "timefix")}
        bs = bootstrap(_adjusted_curves, data, duration, event, covariates, variable, ts, vals,
                       n_resamples=n_resamples, seed=seed, scheme=scheme, strata=strata, cluster=cluster,
                       conf_level=conf_level, progress=progress, jackknife=False, **core_kwargs)
    else:  # an offset: the same statistic refitted in Python in every replicate
        bs = bootstrap(lambda d: _adjusted_curves(d, duration, event, covariates, variable, ts, vals, **cox_kwargs),
                       data, n_resamples=n_resamples, seed=seed, scheme=scheme, strata=strata, cluster=cluster,
                       conf_level=conf_level, progress=progress, jackknife=False)
    ci = bs.ci("percentile").set_index("quantity")
    keys = [_key(v, t) for v, t in zip(est[variable], est["time"])]
    est["lower"] = ci.loc[["s|" + k for k in keys], "lower"].to_numpy()
    est["upper"] = ci.loc[["s|" + k for k in keys], "upper"].to_numpy()
    est["diff_lower"] = ci.loc[["d|" + k for k in keys], "lower"].to_numpy()
    est["diff_upper"] = ci.loc[["d|" + k for k in keys], "upper"].to_numpy()
    first = est[variable] == vals[0]
    est.loc[first, ["diff_lower", "diff_upper"]] = 0.0
    return est


def _key(value: Any, time: float) -> str:
    """The label of one adjusted-curve value in the bootstrap (the exact time: ``:g`` would make
    nearby times collide)."""
    return f"{value}|{float(time)!r}"


def _adjusted_curves(data: Any, duration: str, event: str, covariates: str | Sequence[str], variable: str,
                     times: Sequence[float], values: Sequence[Any], **cox_kwargs: Any) -> pd.Series:
    """The adjusted curves and their differences as one Series (``s|value|time``,
    ``d|value|time``): the statistic :func:`adjusted_survival` bootstraps in the core."""
    a = cox(data, duration, event, covariates, **cox_kwargs).adjusted_survival(data, variable, times, values)
    keys = [_key(v, t) for v, t in zip(a[variable], a["time"])]
    return pd.concat([pd.Series(a["survival"].to_numpy(), index=["s|" + k for k in keys]),
                      pd.Series(a["difference"].to_numpy(), index=["d|" + k for k in keys])])


def _adjusted_kernel(frame: Frame, data: Any, args: tuple, kwargs: dict,
                     quantities: dict[str, Any]) -> tuple[dict, pd.DataFrame]:
    """The core bootstrap of adjusted curves: the Cox design, and the design with ``variable``
    set to each value for every row (the rows the curves average over)."""
    duration, event, covariates, variable, times, values = args
    entry, weights, ties = kwargs.pop("entry", None), kwargs.pop("weights", None), kwargs.pop("ties", "efron")
    timefix = bool(kwargs.pop("timefix", True))
    if kwargs:
        raise InputError(f"adjusted curves in the core do not take {', '.join(map(repr, kwargs))}")
    ts = check_values(times, "times")
    x, terms, spec, _ = _design(frame, data, covariates)
    df = frame.to_pandas()
    designs = []
    for v in values:
        col = pd.Series([v] * len(df), dtype=df[variable].dtype) \
            if isinstance(df[variable].dtype, pd.CategoricalDtype) else v
        designs.append(_newdata_design(df.assign(**{variable: col}), spec, terms))
    keys = [_key(v, t) for v in values for t in ts]
    ids = ["s|" + k for k in keys] + ["d|" + k for k in keys]
    names = {"duration": duration, "event": event, "entry": entry, "weights": weights}
    exit_, entry_ = fix_times(frame.numeric(duration), frame.numeric(entry) if entry else None,
                              timefix, (duration, entry))
    call = dict(estimator="cox_adjusted", exit=exit_, event=frame.event(event), x=x,
                entry=entry_, weight=frame.numeric(weights) if weights else None,
                ties=ties, times=list(ts), x_values=np.ascontiguousarray(np.vstack(designs), dtype=np.float64),
                n_values=len(values), _names=names)
    group = [str(v) for v in values for _ in ts]
    return call, pd.DataFrame({"quantity_id": ids, "quantity": ids, "group": group + group})


register_kernel(_adjusted_curves, _adjusted_kernel)

__all__ = ["adjusted_survival"]
