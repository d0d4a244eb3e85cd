"""Type stubs of the native module (src/python/mod.rs). Users call the duurzaam package, not this."""

from collections.abc import Callable, Sequence
from typing import Any, final

import numpy as np
import numpy.typing as npt

__version__: str
__all__ = [
    "CoreDegenerateError",
    "CoreError",
    "CoreInputError",
    "CoreSingularError",
    "SpellTable",
    "__version__",
    "aft_fit",
    "bca_acceleration",
    "boot_interval",
    "bootstrap",
    "bootstrap_panel",
    "build_spells",
    "cmprsk_variance",
    "chisq_sf",
    "concordance",
    "cox_details",
    "cox_evaluate",
    "cox_frailty_eval",
    "cox_fit",
    "cox_predict",
    "cox_zph",
    "cumulative_incidence",
    "discrete_hazard",
    "factorize_i64", "timefix_pairs", "timefix_snap",
    "fine_gray",
    "gray_test",
    "iptw",
    "kaplan_meier",
    "km_quantile",
    "km_rmst",
    "logrank",
    "resample_weights",
    "simulate_trials",
    "t_quantile",
    "t_sf",
]

class CoreError(ValueError): ...
class CoreInputError(CoreError): ...
class CoreDegenerateError(CoreError): ...
class CoreSingularError(CoreError): ...

def kaplan_meier(
    exit: npt.NDArray[np.float64],
    event: npt.NDArray[Any],
    entry: npt.NDArray[np.float64] | None = None,
    weight: npt.NDArray[np.float64] | None = None,
    group: npt.NDArray[np.uint32] | None = None,
    n_groups: int = 1,
    robust: bool = False,
    conf_type: str = "log",
    conf_level: float = 0.95,
    cluster: npt.NDArray[np.uint32] | None = None,
    n_clusters: int = 0,
    ctype: int = 1,
    hazard: bool = False,
    timefix: bool = False,
) -> tuple[npt.NDArray[np.float64], list[int], list[int]]: ...
def km_quantile(
    time: npt.NDArray[np.float64],
    surv: npt.NDArray[np.float64],
    lower: npt.NDArray[np.float64],
    upper: npt.NDArray[np.float64],
    p: float,
) -> tuple[float, float, float]: ...
def km_rmst(
    time: npt.NDArray[np.float64],
    surv: npt.NDArray[np.float64],
    n_risk: npt.NDArray[np.float64],
    n_event: npt.NDArray[np.float64],
    tau: float,
) -> tuple[float, float]: ...
def factorize_i64(values: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.int64]]: ...
def timefix_pairs(y: npt.NDArray[np.float64]) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]: ...
def timefix_snap(values: npt.NDArray[np.float64], moving: npt.NDArray[np.float64],
                 target: npt.NDArray[np.float64]) -> npt.NDArray[np.float64] | None: ...
def logrank(
    exit: npt.NDArray[np.float64],
    event: npt.NDArray[Any],
    group: npt.NDArray[np.uint32],
    n_groups: int,
    entry: npt.NDArray[np.float64] | None = None,
    weight: npt.NDArray[np.float64] | None = None,
    strata: npt.NDArray[np.uint32] | None = None,
    n_strata: int = 1,
    rho: float = 0.0,
    gamma: float = 0.0,
    timefix: bool = False,
) -> dict[str, Any]: ...
def chisq_sf(x: float, df: float) -> float: ...
def cox_fit(
    exit: npt.NDArray[np.float64],
    event: npt.NDArray[Any],
    x: npt.NDArray[np.float64],
    entry: npt.NDArray[np.float64] | None = None,
    weight: npt.NDArray[np.float64] | None = None,
    strata: npt.NDArray[np.uint32] | None = None,
    n_strata: int = 1,
    offset: npt.NDArray[np.float64] | None = None,
    cluster: npt.NDArray[np.uint32] | None = None,
    n_clusters: int = 0,
    robust: bool = False,
    ties: str = "efron",
    max_iter: int = 20,
    eps: float = 1e-9,
    init: list[float] | None = None,
) -> dict[str, Any]: ...
def cox_details(
    exit: npt.NDArray[np.float64],
    event: npt.NDArray[Any],
    x: npt.NDArray[np.float64],
    coef: list[float],
    entry: npt.NDArray[np.float64] | None = None,
    weight: npt.NDArray[np.float64] | None = None,
    strata: npt.NDArray[np.uint32] | None = None,
    n_strata: int = 1,
    offset: npt.NDArray[np.float64] | None = None,
    ties: str = "efron",
) -> dict[str, Any]: ...
def cox_predict(
    lp: npt.NDArray[np.float64],
    base_time: npt.NDArray[np.float64],
    base_cumhaz: npt.NDArray[np.float64],
    times: npt.NDArray[np.float64],
    stratum: npt.NDArray[np.uint32] | None = None,
    base_stratum: npt.NDArray[np.uint32] | None = None,
    n_strata: int = 1,
    average: bool = False,
) -> npt.NDArray[np.float64]: ...
def cox_zph(
    exit: npt.NDArray[np.float64],
    event: npt.NDArray[Any],
    x: npt.NDArray[np.float64],
    coef: list[float],
    entry: npt.NDArray[np.float64] | None = None,
    weight: npt.NDArray[np.float64] | None = None,
    strata: npt.NDArray[np.uint32] | None = None,
    n_strata: int = 1,
    offset: npt.NDArray[np.float64] | None = None,
    ties: str = "efron",
    transform: str = "km",
) -> dict[str, Any]: ...
def bootstrap_panel(
    n_persons: int,
    group: npt.NDArray[np.uint32],
    n_groups: int,
    out_person: list[npt.NDArray[np.uint32]],
    out_exit: list[npt.NDArray[np.float64]],
    out_event: list[npt.NDArray[np.uint8]],
    out_entry: list[npt.NDArray[np.float64]],
    times: list[float],
    iv: npt.NDArray[np.int64] | None = None,
    n_states: int = 0,
    horizon: int = 0,
    occ_times: list[int] = ...,
    scheme: str = "ordinary",
    scheme_codes: npt.NDArray[np.uint32] | None = None,
    n_scheme_codes: int = 0,
    cluster_strata: npt.NDArray[np.uint32] | None = None,
    n_resamples: int = 1000,
    seed: int = 0,
    n_threads: int = 1,
    jackknife: bool = False,
    progress: Any = None,
    first_replicate: int = 0,
) -> dict[str, Any]: ...
def bootstrap(
    estimator: str,
    exit: npt.NDArray[np.float64],
    event: npt.NDArray[Any],
    entry: npt.NDArray[np.float64] | None = None,
    weight: npt.NDArray[np.float64] | None = None,
    group: npt.NDArray[np.uint32] | None = None,
    n_groups: int = 1,
    strata: npt.NDArray[np.uint32] | None = None,
    n_strata: int = 1,
    x: npt.NDArray[np.float64] | None = None,
    offset: npt.NDArray[np.float64] | None = None,
    ties: str = "efron",
    times: list[float] = ...,
    quantiles: list[float] = ...,
    taus: list[float] = ...,
    conf_type: str = "log",
    conf_level: float = 0.95,
    rho: float = 0.0,
    gamma: float = 0.0,
    scheme: str = "ordinary",
    scheme_codes: npt.NDArray[np.uint32] | None = None,
    n_scheme_codes: int = 0,
    cluster_strata: npt.NDArray[np.uint32] | None = None,
    n_resamples: int = 1000,
    seed: int = 0,
    n_threads: int = 1,
    jackknife: bool = True,
    progress: Any = None,
    aft_kind: npt.NDArray[np.uint8] | None = None,
    aft_t2: npt.NDArray[np.float64] | None = None,
    dist: str = "weibull",
    causes: npt.NDArray[np.float64] | None = None,
    first_replicate: int = 0,
    iptw_treatment: npt.NDArray[np.float64] | None = None,
    iptw_z: npt.NDArray[np.float64] | None = None,
    estimand: str = "ate",
    stabilized: bool = True,
    truncate: tuple[float, float] | None = None,
    n_arms: int = 2,
    x_values: npt.NDArray[np.float64] | None = None,
    n_values: int = 0,
) -> dict[str, Any]: ...
def boot_interval(kind: str, t0: float, t: npt.NDArray[np.float64], conf: float, accel: float = ..., v0: float = ...,
                  v: npt.NDArray[np.float64] | None = None) -> tuple[float, float]: ...
def bca_acceleration(t0: float, theta_minus: npt.NDArray[np.float64], unit_strata: npt.NDArray[np.uint32] | None = None) -> float: ...
def resample_weights(n: int, scheme: str, codes: npt.NDArray[np.uint32] | None, n_codes: int, seed: int,
                     replicate: int, cluster_strata: npt.NDArray[np.uint32] | None = None) -> npt.NDArray[np.float64]: ...
def concordance(exit: npt.NDArray[np.float64], event: npt.NDArray[Any], lp: npt.NDArray[np.float64],
                entry: npt.NDArray[np.float64] | None = None, weight: npt.NDArray[np.float64] | None = None,
                strata: npt.NDArray[np.uint32] | None = None, n_strata: int = 1,
                cluster: npt.NDArray[np.uint32] | None = None, n_clusters: int = 0) -> tuple[float, ...]: ...
def aft_fit(kind: npt.NDArray[np.uint8], t1: npt.NDArray[np.float64], t2: npt.NDArray[np.float64],
            x: npt.NDArray[np.float64], dist: str, weight: npt.NDArray[np.float64] | None = None,
            max_iter: int = 30, eps: float = 1e-9, strata: npt.NDArray[np.uint32] | None = None,
            n_strata: int = 1, cluster: npt.NDArray[np.uint32] | None = None, n_clusters: int = 0,
            cluster_info: bool = False) -> dict[str, Any]: ...
def discrete_hazard(duration: npt.NDArray[np.uint32], event: npt.NDArray[Any], x: npt.NDArray[np.float64],
                    link: str = "logit", degree: int | None = None, entry: npt.NDArray[np.uint32] | None = None,
                    weight: npt.NDArray[np.float64] | None = None, cluster: npt.NDArray[np.uint32] | None = None,
                    n_clusters: int = 0, max_iter: int = 50, eps: float = 1e-10) -> dict[str, Any]: ...
def cumulative_incidence(exit: npt.NDArray[np.float64], cause: npt.NDArray[np.float64],
                         entry: npt.NDArray[np.float64] | None = None, weight: npt.NDArray[np.float64] | None = None,
                         group: npt.NDArray[np.uint32] | None = None, n_groups: int = 1) -> tuple[int, list[dict[str, Any]]]: ...
@final
class SpellTable:
    def arrays(self) -> dict[str, Any]: ...
    def first_entry(self, origin: npt.NDArray[np.int64], target: list[bool], min_len: int, confirmed: bool,
                    horizon: int | None = None) -> dict[str, Any]: ...
    def exit_from(self, origin: npt.NDArray[np.int64], from_state: int, cause: list[int], confirm: list[bool],
                  confirm_lag: int, other: int, horizon: int | None = None) -> dict[str, Any]: ...
    def occupancy(self, origin: npt.NDArray[np.int64], group: npt.NDArray[np.uint32], n_groups: int, n_states: int,
                  horizon: int, weight: npt.NDArray[np.float64] | None = None,
                  std_err: bool = True) -> list[dict[str, Any]]: ...
    def occupancy_intervals(self, origin: npt.NDArray[np.int64], group: npt.NDArray[np.uint32], n_groups: int,
                            n_states: int, horizon: int) -> npt.NDArray[np.int64]: ...
def build_spells(person: npt.NDArray[np.uint32], period: npt.NDArray[np.int64], state: npt.NDArray[np.uint8],
                 n_persons: int, n_states: int, max_gap: list[int], max_unobserved: int = 0,
                 keep_rows: bool = False, key: npt.NDArray[np.uint32] | None = None) -> SpellTable: ...
def gray_test(time: npt.NDArray[np.float64], status: npt.NDArray[np.uint8], group: npt.NDArray[np.uint32], n_groups: int,
              cause: int, rho: float = 0.0, strata: npt.NDArray[np.uint32] | None = None,
              n_strata: int = 1) -> tuple[float, int, float]: ...
def cmprsk_variance(time: npt.NDArray[np.float64], status: npt.NDArray[np.uint8],
                    cause: int) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]]: ...
def fine_gray(time: npt.NDArray[np.float64], status: npt.NDArray[np.uint8], x: npt.NDArray[np.float64], cause: int = 1,
              max_iter: int = 50, eps: float = 1e-10) -> dict[str, Any]: ...
def iptw(treatment: npt.NDArray[np.float64], z: npt.NDArray[np.float64], estimand: str = "ate", stabilized: bool = True,
         truncate: tuple[float, float] | None = None, propensity: npt.NDArray[np.float64] | None = None,
         weight: npt.NDArray[np.float64] | None = None, n_arms: int = 2) -> dict[str, Any]: ...
def simulate_trials(n: int, allocation: Sequence[float], hazards: Sequence[float], dropout: Sequence[float],
                    accrual: float, analysis_time: float | None = None, events: int | None = None,
                    n_clusters: int = 0, frailty_variance: float = 0.0, randomise_clusters: bool = True,
                    n_sims: int = 1000, seed: int = 0, n_threads: int = 1, first: int = 0,
                    progress: Callable[[int], Any] | None = None) -> dict[str, Any]: ...
def t_sf(x: float, df: float) -> float: ...
def t_quantile(p: float, df: float) -> float: ...
def cox_evaluate(exit: npt.NDArray[np.float64], event: npt.NDArray[Any], x: npt.NDArray[np.float64], coef: list[float],
                 entry: npt.NDArray[np.float64] | None = None, weight: npt.NDArray[np.float64] | None = None,
                 strata: npt.NDArray[np.uint32] | None = None, n_strata: int = 1,
                 offset: npt.NDArray[np.float64] | None = None, ties: str = "efron") -> dict[str, Any]: ...
def cox_frailty_eval(exit: npt.NDArray[np.float64], event: npt.NDArray[Any], x: npt.NDArray[np.float64],
                     group: npt.NDArray[np.uint32], n_groups: int, beta: list[float], w: list[float],
                     entry: npt.NDArray[np.float64] | None = None, weight: npt.NDArray[np.float64] | None = None,
                     strata: npt.NDArray[np.uint32] | None = None, n_strata: int = 1,
                     ties: str = "efron") -> dict[str, Any]: ...
