"""Adjusted (direct-standardised) survival curves from a Cox model, with bootstrap intervals that
refit the model in every replicate. Above the bootstrap in the layers: it uses both."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from .bootstrap import bootstrap
from .cox import cox


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

    def stat(d: pd.DataFrame) -> pd.Series:
        a = cox(d, duration, event, covariates, **cox_kwargs).adjusted_survival(d, variable, times, vals)
        keys = [f"{v}|{t:g}" for v, t in zip(a[variable], a["time"])]
        return pd.concat([pd.Series(a["survival"].to_numpy(), index=["s|" + k for k in keys]),
                          pd.Series(a["difference"].to_numpy(), index=["d|" + k for k in keys])])

    bs = bootstrap(stat, data, n_resamples=n_resamples, seed=seed, scheme=scheme, strata=strata, cluster=cluster,
                   conf_level=conf_level, progress=progress, jackknife=False)
    ci = bs.ci("percentile").set_index("quantity")
    keys = [f"{v}|{t:g}" for v, t in zip(est[variable], est["time"])]
    est["lower"] = ci.loc[["s|" + k for k in keys], "lower"].to_numpy()
    est["upper"] = ci.loc[["s|" + k for k in keys], "upper"].to_numpy()
    est["diff_lower"] = ci.loc[["d|" + k for k in keys], "lower"].to_numpy()
    est["diff_upper"] = ci.loc[["d|" + k for k in keys], "upper"].to_numpy()
    first = est[variable] == vals[0]
    est.loc[first, ["diff_lower", "diff_upper"]] = 0.0
    return est


__all__ = ["adjusted_survival"]
