"""Bundled example data.

``load_rossi()``: the recidivism data of Rossi, Berk and Lenihan (1980), 432 released prisoners
followed for 52 weeks; half received financial aid (``fin``). Columns: ``week`` (duration),
``arrest`` (event), ``fin``, ``age``, ``race``, ``wexp``, ``mar``, ``paro``, ``prio``.
"""

from __future__ import annotations

from importlib import resources

import pandas as pd


def load_rossi() -> pd.DataFrame:
    """The rossi recidivism data as a pandas DataFrame.

    Examples
    --------
    >>> from duurzaam.datasets import load_rossi
    >>> load_rossi().shape
    (432, 9)
    """
    with resources.files("duurzaam").joinpath("data/rossi.csv").open("r") as f:
        return pd.read_csv(f)


__all__ = ["load_rossi"]
