"""Immutable result objects with a readable repr in the terminal and in Jupyter."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

import pandas as pd


def result(cls: type) -> type:
    """Makes ``cls`` a result: a frozen dataclass that keeps the repr of :class:`Result` and
    compares by identity (results hold arrays and tables)."""
    return dataclass(frozen=True, eq=False, repr=False)(cls)


class Result:
    """Base class of the results. Each result is a frozen dataclass
    (``@dataclass(frozen=True, eq=False, repr=False)``): its fields are set once when it is built
    and assigning to one raises ``dataclasses.FrozenInstanceError`` (an ``AttributeError``);
    ``dataclasses.fields`` lists them. What is derived on first use is a ``cached_property``.
    Tables are handed out as copies, so changing one never changes the result."""

    def to_frame(self) -> pd.DataFrame:
        """The result as one tidy table (a copy), ready for CSV, Excel or LaTeX export."""
        return self._summary_frame().reset_index()

    # Subclasses provide a title, a few "key: value" lines and a compact summary table.
    def _title(self) -> str:
        return type(self).__name__

    def _facts(self) -> list[tuple[str, str]]:
        return []

    def _summary_frame(self) -> pd.DataFrame:
        return pd.DataFrame()

    def __repr__(self) -> str:
        lines = [self._title()]
        lines += [f"  {k}: {v}" for k, v in self._facts()]
        frame = self._summary_frame()
        if len(frame):
            lines.append("")
            lines.append(frame.to_string(float_format=lambda x: f"{x:.4g}"))
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        facts = "".join(f"<li>{html.escape(k)}: {html.escape(v)}</li>" for k, v in self._facts())
        frame = self._summary_frame()
        table = frame.to_html(float_format=lambda x: f"{x:.4g}", border=0) if len(frame) else ""
        return f"<div><strong>{html.escape(self._title())}</strong><ul>{facts}</ul>{table}</div>"


def copy_on_write() -> bool:
    """Whether pandas copies on write (always from pandas 3): a shallow copy of a table is then
    independent of it."""
    return int(pd.__version__.split(".")[0]) >= 3 or getattr(pd.options.mode, "copy_on_write", False) is True


def handout(table: pd.DataFrame) -> pd.DataFrame:
    """A table handed to the user: a copy, so that changing it never changes the result. Under
    pandas' copy-on-write (always on from pandas 3) a shallow copy is that already and costs
    nothing (a 1e6-row Kaplan-Meier table is 72 MB); otherwise the data are copied."""
    return table.copy(deep=not copy_on_write())


_KERNEL = "_duurzaam_bootstrap_kernel"


def register_kernel(estimator: Any, kernel: Any) -> None:
    """Declares that ``estimator`` can be bootstrapped in the core: ``kernel(frame, data, args,
    kwargs, quantities)`` returns the core call (the estimator's arrays and options) and a table
    that labels each reported quantity. Each estimator module registers its own kernel, so the
    bootstrap knows no estimator by name."""
    setattr(estimator, _KERNEL, kernel)


def kernel_of(estimator: Any) -> Any:
    """The registered bootstrap kernel of ``estimator``, or None (a Python callable)."""
    return getattr(estimator, _KERNEL, None)
