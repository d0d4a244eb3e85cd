"""Turning the user's data (pandas, polars, or a dict of arrays) into validated numpy columns.

The heavy checks (NaN, negative durations, entry >= exit, weights) run in the Rust core, which
reports a field and a row; `core_call` maps that back to the user's column name.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from . import _core
from .errors import ColumnNotFoundError, DegenerateDataError, EmptyDataError, InputError, SingularDesignError

T = TypeVar("T")


def _is_polars_eager(data: Any) -> bool:
    return type(data).__module__.startswith("polars") and hasattr(data, "get_column")


def native(data: Any) -> Any:
    """The user's data as pandas, eager polars or a dict: any other dataframe narwhals reads
    (polars LazyFrames, pyarrow Tables, modin, cuDF, DuckDB relations, ...) is collected once,
    to polars where it is polars and to pandas otherwise."""
    if isinstance(data, (pd.DataFrame, Mapping)) or _is_polars_eager(data):
        return data
    try:
        import narwhals as nw

        frame = nw.from_native(data)
    except (ImportError, TypeError):
        raise InputError("data must be a DataFrame (pandas, polars, pyarrow, or any that narwhals reads) or a dict "
                         f"of 1-D arrays, not {type(data).__name__}") from None
    if isinstance(frame, nw.LazyFrame):
        frame = frame.collect()
    out = frame.to_native()
    if isinstance(out, pd.DataFrame) or _is_polars_eager(out):
        return out
    return frame.to_pandas()


class Frame:
    """A thin view of the user's data that hands out columns as 1-D numpy arrays."""

    def __init__(self, data: Any) -> None:
        data = native(data)
        self._data = data
        self._index: pd.Index | None = None
        if isinstance(data, pd.DataFrame):
            self._kind = "pandas"
            self._names = [str(c) for c in data.columns]
            dup = pd.Index(self._names)[pd.Index(self._names).duplicated()]
            if len(dup):
                raise InputError(f"column '{dup[0]}' appears more than once in the data", column=str(dup[0]))
            self._n = len(data)
            if not isinstance(data.index, pd.RangeIndex):
                self._index = data.index
        elif _is_polars_eager(data):
            self._kind = "polars"
            self._names = list(data.columns)
            self._n = data.height
        elif isinstance(data, Mapping):
            self._kind = "dict"
            self._names = [str(k) for k in data.keys()]
            lengths = {}
            for k, v in data.items():
                if np.ndim(v) != 1:
                    raise InputError(f"column '{k}' must be a one-dimensional array, not "
                                     f"{'a scalar' if np.ndim(v) == 0 else f'{np.ndim(v)}-dimensional'}", column=str(k))
                lengths[k] = len(v)
            if len(set(lengths.values())) > 1:
                first = next(iter(lengths))
                for k, n in lengths.items():
                    if n != lengths[first]:
                        raise InputError(
                            f"column '{k}' has {n} values, but column '{first}' has {lengths[first]}",
                            column=str(k),
                        )
            self._n = next(iter(lengths.values()), 0)
        else:
            raise InputError(
                "data must be a pandas DataFrame, a polars DataFrame or a dict of 1-D arrays, "
                f"not {type(data).__name__}"
            )
        if self._n == 0:
            raise EmptyDataError("the data have no rows")

    def __len__(self) -> int:
        return self._n

    @property
    def data(self) -> Any:
        """The data as pandas, eager polars or a dict (lazy and other frames collected once)."""
        return self._data

    def to_pandas(self) -> pd.DataFrame:
        """The data as a pandas DataFrame with a default index."""
        if self._kind == "polars":
            return self._data.to_pandas()
        if self._kind == "dict":
            return pd.DataFrame({k: np.asarray(v) for k, v in self._data.items()})
        return self._data.reset_index(drop=True)

    def with_column(self, name: str, values: np.ndarray) -> Any:
        """The data with one more column, in the data's own kind (pandas, polars or dict)."""
        if self._kind == "pandas":
            return self._data.assign(**{name: values})
        if self._kind == "polars":
            import polars as pl

            return self._data.with_columns(pl.Series(name, values))
        return {**self._data, name: values}

    def where(self, row: int) -> str:
        """How to name a row in a message: its position (0-based), never its index label, which in
        register data may be a citizen service number."""
        return f"row {row}"

    def raw(self, name: str) -> Any:
        if not isinstance(name, str):
            raise TypeError(f"column names must be strings, not {type(name).__name__}")
        if name not in self._names:
            import difflib

            close = difflib.get_close_matches(name, self._names, n=3, cutoff=0.6)
            hint = (f"; did you mean {' or '.join(repr(c) for c in close)}?" if close
                    else f" (columns: {', '.join(self._names[:20])})")
            raise ColumnNotFoundError(f"column '{name}' is not in the data{hint}", column=name)
        if self._kind == "pandas":
            return self._data[name]
        if self._kind == "polars":
            return self._data.get_column(name)
        return self._data[name]

    def numeric(self, name: str) -> np.ndarray:
        """A numeric column as contiguous float64 (missing values become NaN)."""
        col = self.raw(name)
        if self._kind == "pandas":
            if not (pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col)):
                raise InputError(f"column '{name}' is not numeric (dtype {col.dtype})", column=name)
            arr = col.to_numpy(dtype=np.float64, na_value=np.nan)
        elif self._kind == "polars":
            if not (col.dtype.is_numeric() or str(col.dtype) == "Boolean"):
                raise InputError(f"column '{name}' is not numeric (dtype {col.dtype})", column=name)
            arr = col.cast(float).to_numpy()
        else:
            arr = np.asarray(col)
            if arr.ndim != 1:
                raise InputError(f"column '{name}' must be one-dimensional", column=name)
            if arr.dtype.kind not in "biuf":
                raise InputError(f"column '{name}' is not numeric (dtype {arr.dtype})", column=name)
        return np.ascontiguousarray(arr, dtype=np.float64)

    def event(self, name: str) -> np.ndarray:
        """An event column as uint8 (booleans), int64 or float64, whichever needs no conversion;
        the core checks that every value is 0 or 1."""
        col = self.raw(name)
        if self._kind == "pandas":
            if not (pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col)):
                raise InputError(f"column '{name}' is not numeric or boolean (dtype {col.dtype})", column=name)
            if col.hasnans if hasattr(col, "hasnans") else False:
                arr = col.to_numpy(dtype=np.float64, na_value=np.nan)
            else:
                arr = col.to_numpy()
        elif self._kind == "polars":
            if not (col.dtype.is_numeric() or str(col.dtype) == "Boolean"):
                raise InputError(f"column '{name}' is not numeric or boolean (dtype {col.dtype})", column=name)
            arr = col.to_numpy()
        else:
            arr = np.asarray(col)
            if arr.ndim != 1 or arr.dtype.kind not in "biuf":
                raise InputError(f"column '{name}' is not a 1-D numeric or boolean array", column=name)
        if arr.dtype.kind == "b":
            return np.ascontiguousarray(arr).view(np.uint8)
        if arr.dtype.kind in "iu":
            return np.ascontiguousarray(arr, dtype=np.int64) if arr.dtype != np.uint64 else np.ascontiguousarray(arr, dtype=np.float64)
        return np.ascontiguousarray(arr, dtype=np.float64)

    def codes(self, name: str) -> tuple[np.ndarray, list[Any]]:
        """A grouping column as integer codes 0..k-1 and the sorted levels (pandas categories keep
        their own order). Missing values and unused categories are errors."""
        col = self.raw(name)
        if self._kind == "polars":
            col = col.to_pandas()
        values = col if isinstance(col, pd.Series) else pd.Series(np.asarray(col))
        if isinstance(values.dtype, pd.CategoricalDtype):
            codes = values.cat.codes.to_numpy()
            levels = list(values.cat.categories)
            used = np.bincount(codes[codes >= 0], minlength=len(levels))
            if (used == 0).any():
                empty = [str(levels[i]) for i in np.flatnonzero(used == 0)]
                raise EmptyDataError(
                    f"column '{name}': the group(s) {', '.join(empty)} have no rows", column=name
                )
        elif pd.api.types.is_integer_dtype(values.dtype) and not isinstance(values.dtype, pd.api.extensions.ExtensionDtype):
            codes, uniques = _core.factorize_i64(np.ascontiguousarray(values.to_numpy(), dtype=np.int64))
            return codes, uniques.tolist()
        else:
            codes, uniques = pd.factorize(values, sort=True, use_na_sentinel=True)
            levels = list(uniques)
        missing = np.flatnonzero(codes < 0)
        if missing.size:
            raise InputError(
                f"column '{name}' has a missing value ({self.where(int(missing[0]))})",
                column=name,
                row=int(missing[0]),
            )
        return np.ascontiguousarray(codes, dtype=np.uint32), levels


    def clusters(self, name: str) -> tuple[np.ndarray, list[Any]]:
        """A cluster column (municipality, case worker) as codes; a cluster-robust variance needs
        at least two clusters (with one, it is 0 and every p-value 0)."""
        codes, levels = self.codes(name)
        if len(levels) < 2:
            raise InputError(f"column '{name}' has {len(levels)} cluster; a cluster-robust variance needs at least 2 "
                             "(and is unreliable with fewer than about 30)", column=name)
        return codes, levels


def optional_codes(frame: Frame, name: str | None) -> tuple[np.ndarray | None, list[Any], int]:
    """:meth:`Frame.codes` of an optional grouping column: ``(None, [None], 1)`` without one."""
    if name is None:
        return None, [None], 1
    codes, levels = frame.codes(name)
    return codes, levels, len(levels)


def core_call(fn: Callable[..., T], names: Mapping[str, str | None], frame: Frame, *args: Any,
              terms: list[str] | None = None, **kwargs: Any) -> T:
    """Calls the core and re-raises its errors with the user's column names and row labels
    (and, for a singular design, the names of the offending terms)."""
    try:
        return fn(*args, **kwargs)
    except _core.CoreSingularError as e:
        cols = [terms[j] if terms else str(j) for j in e.args[0]]
        raise SingularDesignError(
            f"the design is singular: {', '.join(repr(c) for c in cols)} "
            + ("is" if len(cols) == 1 else "are") + " constant or a linear combination of earlier terms",
            terms=cols) from None
    except _core.CoreInputError as e:
        field, row, reason = e.args
        column = names.get(field) or field
        raise InputError(f"column '{column}': {reason} ({frame.where(row)})", column=column, row=row) from None
    except _core.CoreDegenerateError as e:
        raise DegenerateDataError(str(e)) from None
    except _core.CoreError as e:
        raise InputError(str(e)) from None


def fix_times(exit: np.ndarray, entry: np.ndarray | None, timefix: bool = True,
              names: tuple[str, str | None] = ("duration", None)) -> tuple[np.ndarray, np.ndarray | None]:
    """R's ``timefix`` (survival's ``aeqSurv``): times closer than sqrt(machine epsilon), absolutely
    or relative to the mean of the distinct times, are one time (they come from date arithmetic:
    ``sqrt(2)^2`` is 2). Each time becomes the smallest of its group of near-equal times; an
    ``(entry, exit]`` interval that would shrink to nothing is an error."""
    if not timefix:
        return exit, entry
    vals = exit if entry is None else np.concatenate([exit, entry])
    y = np.unique(vals[np.isfinite(vals)])
    if y.size < 2:
        return exit, entry
    # each distinct time goes to the first of its run of near-equal times (the runs found in the
    # core on the sorted distinct times); only the few that move are looked up, through a small
    # hash table in the core
    frm, target = _core.timefix_pairs(y)
    if not len(frm):
        return exit, entry

    def snap(v: np.ndarray) -> np.ndarray:
        out = _core.timefix_snap(np.ascontiguousarray(v, dtype=np.float64), frm, target)
        return np.asarray(v, dtype=np.float64) if out is None else out

    new_exit = snap(exit)
    new_entry = snap(entry) if entry is not None else None
    if entry is not None and new_entry is not None:
        zero = np.flatnonzero((new_entry == new_exit) & (entry != exit) & np.isfinite(exit) & np.isfinite(entry))
        if zero.size:
            raise InputError(f"column '{names[1]}' and '{names[0]}': the interval (entry, exit] of row {int(zero[0])} is "
                             "shorter than the time tolerance (R's timefix): pass timefix=False or round the times",
                             column=names[0], row=int(zero[0]))
    return new_exit, new_entry


def default_threads() -> int:
    """Threads for the core's parallel work (the bootstraps): ``DUURZAAM_NUM_THREADS`` if set, else
    all cores."""
    env = os.environ.get("DUURZAAM_NUM_THREADS")
    if env:
        return max(1, int(env))
    return os.cpu_count() or 1


def check_level(conf_level: float) -> float:
    conf_level = float(conf_level)
    if not 0.0 < conf_level < 1.0:
        raise InputError(f"conf_level must lie strictly between 0 and 1, not {conf_level}")
    return conf_level


def check_values(values: Any, name: str, *, low: float = 0.0, low_open: bool = False, high: float = math.inf,
                 high_open: bool = False) -> list[float]:
    """A list of finite numbers in the given range, or an :class:`InputError` naming ``name``."""
    try:
        out = [float(v) for v in np.atleast_1d(np.asarray(values, dtype=object)).tolist()]
    except (TypeError, ValueError):
        raise InputError(f"{name} must be numbers") from None
    for v in out:
        below = v <= low if low_open else v < low
        above = v >= high if high_open else v > high
        if not math.isfinite(v) or below or above:
            lo, hi = ("(" if low_open else "["), (")" if high_open else "]")
            raise InputError(f"{name} must be finite and lie in {lo}{low:g}, {high:g}{hi}; got {v!r}")
    return out


def check_seed(seed: Any) -> int:
    """A bootstrap or simulation seed: a whole number from 0 to 2**64 - 1."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= int(seed) < 2**64:
        raise InputError(f"seed must be a whole number from 0 to 2**64 - 1, not {seed!r}")
    return int(seed)


def cause_codes(frame: Frame, name: str) -> tuple[np.ndarray, int]:
    """A competing-risks event column: whole numbers 0 (censored) and 1..k (causes), k <= 250,
    every cause occurring. Returns the codes as uint8 and k."""
    status = frame.numeric(name)
    bad = np.flatnonzero(~np.isfinite(status) | (status < 0) | (status > 250) | (status != np.round(status)))
    if bad.size:
        raise InputError(f"column '{name}': cause is not a whole number 0 (censored), 1, 2, ... up to 250 "
                         f"(row {int(bad[0])})", column=name, row=int(bad[0]))
    codes = np.ascontiguousarray(status.astype(np.uint8))
    k = int(codes.max()) if codes.size else 0
    if k == 0:
        raise DegenerateDataError(f"column '{name}' has no events of any cause")
    seen = np.bincount(codes, minlength=k + 1)
    missing = [c for c in range(1, k + 1) if seen[c] == 0]
    if missing:
        raise InputError(f"column '{name}': cause {missing[0]} has no events; causes must be numbered 1..k "
                         "without gaps", column=name)
    return codes, k


def check_cause(cause: Any, k: int, name: str) -> int:
    """The cause of interest: a whole number from 1 to k."""
    if isinstance(cause, bool) or not isinstance(cause, (int, np.integer, float)) or cause != int(cause) \
            or not 1 <= int(cause) <= k:
        raise InputError(f"cause must be a whole number from 1 to {k} (the causes in column '{name}'), "
                         f"not {cause!r}", column=name)
    return int(cause)


def check_rank(x: np.ndarray, names: Sequence[str], *, tol: float = 1e-9, chunk: int = 1_000_000) -> None:
    """Raises :class:`SingularDesignError` naming the columns of ``x`` that are constant or a linear
    combination of earlier columns (with an intercept), as Cox's core does: a model with an
    intercept cannot estimate them. One pass over the rows (in chunks, O(n p^2)), then a
    Cholesky sweep of the p x p correlation matrix."""
    n, p = x.shape
    if p == 0 or n == 0:
        return
    mean = x.mean(axis=0)
    cross = np.zeros((p, p))
    for start in range(0, n, chunk):
        block = x[start:start + chunk] - mean
        cross += block.T @ block
    var = np.diag(cross).copy()
    scale = np.sqrt(np.where(var > 0, var, 1.0))
    corr = cross / np.outer(scale, scale)
    bad: list[int] = []
    kept: list[int] = []
    rows: list[np.ndarray] = []  # Cholesky factor of corr over the kept columns, row by row
    for j in range(p):
        if not np.isfinite(var[j]) or var[j] <= 1e-20 * n * mean[j] ** 2 or var[j] < 1e-280:
            bad.append(j)
            continue
        r = np.zeros(len(kept))
        for m, i in enumerate(kept):
            r[m] = (corr[j, i] - rows[m][:m] @ r[:m]) / rows[m][m]
        d = 1.0 - r @ r
        if d <= tol:
            bad.append(j)
            continue
        rows.append(np.append(r, math.sqrt(d)))
        kept.append(j)
    if bad:
        cols = [str(names[j]) for j in bad]
        raise SingularDesignError(
            f"the design is singular: {', '.join(repr(c) for c in cols)} "
            + ("is" if len(cols) == 1 else "are") + " constant or a linear combination of earlier terms",
            terms=cols)


def _positional(args: tuple, kwargs: dict, names: tuple[str, ...], estimator: str) -> list[Any]:
    """The estimator's leading arguments, given by position or by keyword (the last is optional)."""
    if len(args) > len(names):
        raise InputError(f"{estimator} takes at most {len(names)} column arguments after the data")
    out = list(args) + [kwargs.pop(n, None) for n in names[len(args):]]
    for n, v in zip(names[:-1], out):
        if v is None:
            raise InputError(f"give {estimator}'s {n} column")
    return out


def nested_strata(codes: np.ndarray, n_clusters: int, s_codes: np.ndarray, cluster: str, strata: str) -> np.ndarray:
    """The stratum of each cluster, for clusters resampled within strata (a two-stage scheme);
    a cluster that spans strata is an :class:`InputError` naming its first such row."""
    first = np.zeros(n_clusters, dtype=np.int64)
    _, idx = np.unique(codes, return_index=True)
    first[codes[idx]] = s_codes[idx]
    bad = np.flatnonzero(s_codes != first[codes])
    if bad.size:
        row = int(bad[0])
        raise InputError(f"column '{cluster}': a cluster spans several strata of '{strata}' (row {row}); clusters "
                         "must be nested in strata (case workers within one arm)", column=cluster, row=row)
    return np.ascontiguousarray(first, dtype=np.uint32)
