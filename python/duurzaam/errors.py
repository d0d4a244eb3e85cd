"""Exceptions raised by duurzaam.

Every error about the input names the column and the first offending row (its position, and its
index label for a pandas DataFrame with a non-default index). Row values are never printed, so
messages are safe to log when the data are register microdata.
"""

from __future__ import annotations


class DuurzaamError(Exception):
    """Base class of all duurzaam errors."""


class InputError(DuurzaamError, ValueError):
    """A bad input: a missing column, a value that is not allowed, mismatched lengths.

    Attributes
    ----------
    column : str or None
        The user's column name the error is about.
    row : int or None
        Position (0-based) of the first offending row.
    """

    def __init__(self, message: str, column: str | None = None, row: int | None = None) -> None:
        super().__init__(message)
        self.column = column
        self.row = row


class ColumnNotFoundError(InputError):
    """A column name that is not in the data."""


class EmptyDataError(InputError):
    """The data, or a group in it, have no rows."""


class DegenerateDataError(DuurzaamError, ValueError):
    """The data cannot support the computation (e.g. a singular variance matrix)."""


class SingularDesignError(DegenerateDataError):
    """Covariates that are constant or collinear; ``terms`` names them."""

    def __init__(self, message: str, terms: list[str] | None = None) -> None:
        super().__init__(message)
        self.terms = terms or []


class ConvergenceWarning(UserWarning):
    """A fit that did not converge, or a coefficient that runs to infinity."""


class BootstrapWarning(UserWarning):
    """Replicates failed (no events in a resample, no convergence) and were left out."""


class ImmortalTimeWarning(UserWarning):
    """A covariate taken as fixed changes within persons over the panel: if it is measured after
    the origin (total coaching hours, a course completed), it credits people with the time it
    took to reach it. Split the follow-up with ``Spells.counting_process`` instead."""


class DegenerateDataWarning(UserWarning):
    """A part of a result could not be computed from the data (e.g. one pair of a pairwise test
    without events); it holds NaN and the warning says which."""


class FewClustersWarning(UserWarning):
    """Cluster-robust standard errors from fewer than 20 clusters (14 municipalities, 24 case
    workers) are too small: use the fit's ``small_sample_summary()`` (CR1 with t on G - 1
    degrees of freedom, or ``"CR2"`` with Satterthwaite's) or, for a Cox model,
    ``wild_bootstrap()``."""


__all__ = ["FewClustersWarning", "BootstrapWarning", "ConvergenceWarning", "DegenerateDataWarning", "SingularDesignError", "DuurzaamError", "InputError", "ColumnNotFoundError", "EmptyDataError", "DegenerateDataError"]
