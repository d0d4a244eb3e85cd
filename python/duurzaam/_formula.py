"""The covariate grammar: formulas are data, never code.

A covariate string such as ``"C(arm, ref='control') + age + log(income) + age:female"`` is parsed
here, by our own tokenizer and parser, into terms of known factors. Only this grammar is accepted:

* a column name: letters, digits, ``_`` and ``.`` (``ph.ecog``), or any name in backticks
  (```monthly income```);
* ``C(col)``: a categorical column; the reference level with ``C(col, ref='control')`` (also
  written ``C(col, Treatment('control'))`` or ``C(col, contr.treatment('control'))``); the level is
  a quoted string or a number;
* transforms of one numeric column: ``log``, ``log2``, ``log10``, ``exp``, ``sqrt``, ``center``,
  ``scale``, ``poly(col, degree)`` (``degree=`` 1 to 10, ``raw=True`` for raw powers) and
  ``bs(col, df)`` (B-spline, ``df=`` 3 to 20, ``degree=`` 1 to 5);
* terms joined by ``+``; interactions ``a:b`` (product) and ``a*b`` (``a + b + a:b``);
  parentheses group, as in ``(a + b):c``.

Anything else, including formulaic's Python escapes ``{...}`` and ``I(...)``, arithmetic, attribute
access and unknown functions, raises :class:`~duurzaam.errors.InputError` quoting the offending
part before anything is evaluated. The parsed formula is rendered again for formulaic with every
column replaced by a private alias (``__dz0__``) and every literal by its ``repr``; formulaic then
only builds the design matrix (categorical coding, interactions, splines), and the term names are
mapped back to the user's spelling.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Union

import numpy as np
import pandas as pd

from .errors import ColumnNotFoundError, InputError

MAX_LENGTH = 2000
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")
_NUMBER = re.compile(r"-?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")
_PUNCT = "+*:(),="
_UNARY = {"log": "np.log", "log2": "np.log2", "log10": "np.log10", "exp": "np.exp", "sqrt": "np.sqrt",
          "center": "center", "scale": "scale"}
_FUNCTIONS = set(_UNARY) | {"C", "poly", "bs"}
_KEYWORDS = {"and", "or", "not", "in", "is", "if", "else", "lambda", "None", "True", "False", "for", "import"}


@dataclass(frozen=True)
class _Tok:
    kind: str  # name | qname | str | num | punct
    text: str
    value: Any
    pos: int


@dataclass(frozen=True)
class Factor:
    """One factor of a term: a column, possibly categorical or transformed."""

    func: str | None  # None (the column as it is), "C", or a transform name
    column: str
    options: tuple[tuple[str, Any], ...] = ()

    def display(self) -> str:
        col = quote(self.column)
        if self.func is None:
            return col
        opts = "".join(f", {k}={v!r}" for k, v in self.options)
        return f"{self.func}({col}{opts})"

    def render(self, alias: str) -> str:
        opts = dict(self.options)
        if self.func is None:
            return alias
        if self.func == "C":
            if "ref" in opts:
                return f"C({alias}, contr.treatment({opts['ref']!r}))"
            return f"C({alias})"
        if self.func == "poly":
            return f"poly({alias}, degree={int(opts.get('degree', 1))}, raw={bool(opts.get('raw', False))})"
        if self.func == "bs":
            extra = f", degree={int(opts['degree'])}" if "degree" in opts else ""
            return f"bs({alias}, df={int(opts.get('df', 3))}{extra})"
        return f"{_UNARY[self.func]}({alias})"


@dataclass(frozen=True)
class _Node:
    op: str  # "+", ":", "*"
    left: Expr
    right: Expr


Expr = Union[Factor, _Node]


def quote(name: str) -> str:
    """A column name as the grammar writes it: bare when it is a plain name, else in backticks."""
    if _NAME.fullmatch(name) and name not in _FUNCTIONS and name not in _KEYWORDS:
        return name
    return f"`{name}`"


def _tokens(text: str) -> list[_Tok]:
    out: list[_Tok] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in _PUNCT:
            out.append(_Tok("punct", ch, ch, i))
            i += 1
        elif ch == "`":
            j = text.find("`", i + 1)
            if j < 0:
                raise _error(text, i, "a backtick that is not closed")
            name = text[i + 1:j]
            if not name.strip():
                raise _error(text, i, "an empty column name")
            out.append(_Tok("qname", text[i:j + 1], name, i))
            i = j + 1
        elif ch in "'\"":
            j = text.find(ch, i + 1)
            if j < 0:
                raise _error(text, i, "a quoted level that is not closed")
            value = text[i + 1:j]
            if any(c in value for c in "\\`{}"):
                raise _error(text, i, "a level with a backslash, backtick or brace")
            out.append(_Tok("str", text[i:j + 1], value, i))
            i = j + 1
        elif (m := _NUMBER.match(text, i)) and (ch.isdigit() or ch in "-."):
            literal = m.group(0)
            value: Any = float(literal) if any(c in literal for c in ".eE") else int(literal)
            if isinstance(value, float) and not math.isfinite(value):
                raise _error(text, i, "a number that is not finite")
            out.append(_Tok("num", literal, value, i))
            i = m.end()
        elif m := _NAME.match(text, i):
            out.append(_Tok("name", m.group(0), m.group(0), i))
            i = m.end()
        else:
            raise _error(text, i, f"the character {ch!r}, which the covariate grammar does not allow")
    return out


def _error(text: str, pos: int, what: str) -> InputError:
    snippet = text[pos:pos + 40]
    return InputError(f"covariates formula: {what} at position {pos} ({snippet!r}); allowed are column names, "
                      "C(col[, ref=level]), log/log2/log10/exp/sqrt/center/scale(col), poly(col, degree), "
                      "bs(col, df), '+', ':' and '*' (see duurzaam._formula)")


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = _tokens(text)
        self.i = 0

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self, text: str | None = None) -> _Tok:
        tok = self.peek()
        if tok is None:
            raise InputError(f"covariates formula {self.text!r} ends too early")
        if text is not None and tok.text != text:
            raise _error(self.text, tok.pos, f"{tok.text!r} where {text!r} was expected")
        self.i += 1
        return tok

    def parse(self) -> Expr:
        if not self.toks:
            raise InputError("covariates formula is empty")
        expr = self.sum()
        tok = self.peek()
        if tok is not None:
            raise _error(self.text, tok.pos, f"{tok.text!r} where '+', ':' or '*' was expected")
        return expr

    def sum(self) -> Expr:
        left = self.product()
        while (tok := self.peek()) is not None and tok.text == "+":
            self.take()
            left = _Node("+", left, self.product())
        return left

    def product(self) -> Expr:
        left = self.atom()
        while (tok := self.peek()) is not None and tok.text in (":", "*"):
            self.take()
            left = _Node(tok.text, left, self.atom())
        return left

    def atom(self) -> Expr:
        tok = self.take()
        if tok.text == "(" and tok.kind == "punct":
            inner = self.sum()
            self.take(")")
            return inner
        if tok.kind == "qname":
            return Factor(None, tok.value)
        if tok.kind != "name":
            raise _error(self.text, tok.pos, f"{tok.text!r} where a column or C(...) was expected")
        nxt = self.peek()
        if nxt is None or nxt.text != "(":
            if tok.text in _KEYWORDS:
                raise _error(self.text, tok.pos, f"the word {tok.text!r} (quote a column of that name in backticks)")
            return Factor(None, tok.text)
        if tok.text not in _FUNCTIONS:
            raise _error(self.text, tok.pos, f"the function {tok.text!r}, which the covariate grammar does not allow")
        self.take("(")
        col = self.take()
        if col.kind not in ("name", "qname") or (col.kind == "name" and (nx := self.peek()) is not None and nx.text == "("):
            raise _error(self.text, col.pos, f"{col.text!r} where a column name was expected inside {tok.text}()")
        options = self.options(tok.text)
        self.take(")")
        return Factor(tok.text, col.value, options)

    def literal(self) -> Any:
        tok = self.take()
        if tok.kind not in ("str", "num") and tok.text not in ("True", "False"):
            raise _error(self.text, tok.pos, f"{tok.text!r} where a quoted level or a number was expected")
        return {"True": True, "False": False}.get(tok.text, tok.value) if tok.kind == "name" else tok.value

    def options(self, func: str) -> tuple[tuple[str, Any], ...]:
        opts: dict[str, Any] = {}
        positional = {"C": "ref", "poly": "degree", "bs": "df"}.get(func)
        while (tok := self.peek()) is not None and tok.text == ",":
            self.take()
            tok = self.take()
            if func == "C" and tok.kind == "name" and tok.text in ("Treatment", "contr.treatment"):
                self.take("(")
                if (nx := self.peek()) is not None and nx.kind == "name" and nx.text in ("reference", "base"):
                    self.take()
                    self.take("=")
                opts["ref"] = self.literal()
                self.take(")")
                continue
            nx = self.peek()
            if tok.kind == "name" and nx is not None and nx.text == "=":
                self.take("=")
                key, value = tok.text, self.literal()
            elif positional is not None and positional not in opts:
                self.i -= 1
                key, value = positional, self.literal()
            else:
                raise _error(self.text, tok.pos, f"an argument {tok.text!r} that {func}() does not take")
            opts[key] = value
        allowed = {"C": {"ref"}, "poly": {"degree", "raw"}, "bs": {"df", "degree"}}.get(func, set())
        for key, value in opts.items():
            if key not in allowed:
                raise InputError(f"covariates formula {self.text!r}: {func}() takes no argument {key!r}"
                                 + (f" (it takes {', '.join(sorted(allowed))})" if allowed else ""))
            bounds = {"degree": (1, 10) if func == "poly" else (1, 5), "df": (3, 20)}.get(key)
            if bounds and not (isinstance(value, int) and not isinstance(value, bool) and bounds[0] <= value <= bounds[1]):
                raise InputError(f"covariates formula {self.text!r}: {func}({key}=...) must be a whole number "
                                 f"from {bounds[0]} to {bounds[1]}")
            if key == "raw" and not isinstance(value, bool):
                raise InputError(f"covariates formula {self.text!r}: poly(raw=...) must be True or False")
        return tuple(sorted(opts.items()))


def parse(text: str) -> Expr:
    """Parses a covariate formula; raises :class:`InputError` for anything outside the grammar.

    Examples
    --------
    >>> from duurzaam._formula import parse, columns
    >>> columns(parse("C(arm, ref='control') * age + log(`monthly income`)"))
    ['arm', 'age', 'monthly income']
    >>> parse("fin + {__import__('os').system('id')}")
    Traceback (most recent call last):
    ...
    duurzaam.errors.InputError: covariates formula: the character '{', which the covariate grammar does not allow at position 6 ("{__import__('os').system('id')}"); allowed are column names, C(col[, ref=level]), log/log2/log10/exp/sqrt/center/scale(col), poly(col, degree), bs(col, df), '+', ':' and '*' (see duurzaam._formula)
    """
    if not isinstance(text, str):
        raise TypeError(f"a covariates formula must be a string, not {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise InputError(f"covariates formula is longer than {MAX_LENGTH} characters")
    if text.strip().startswith("~"):
        text = text.strip()[1:]
    return _Parser(text).parse()


def factors(expr: Expr) -> list[Factor]:
    if isinstance(expr, Factor):
        return [expr]
    return factors(expr.left) + factors(expr.right)


def columns(expr: Expr) -> list[str]:
    """The data columns a parsed formula needs, in order of first use."""
    return list(dict.fromkeys(f.column for f in factors(expr)))


def _render(expr: Expr, alias: dict[str, str], top: bool = True) -> str:
    if isinstance(expr, Factor):
        return expr.render(alias[expr.column])
    left = _render(expr.left, alias, top=expr.op == "+" and top)
    right = _render(expr.right, alias, top=False)
    text = f"{left} {expr.op} {right}" if expr.op == "+" else f"{left}{expr.op}{right}"
    return text if top or expr.op != "+" else f"({text})"


def required_columns(formula: str | Sequence[str]) -> list[str]:
    """The columns a covariate formula (or a list of formula terms) needs; validates the grammar."""
    text = formula if isinstance(formula, str) else " + ".join(formula)
    return columns(parse(text))


class DesignSpec:
    """How a formula's design matrix was built, to build the same columns from new data."""

    def __init__(self, spec: Any, alias: dict[str, str], display: list[tuple[str, str]]) -> None:
        self._spec = spec
        self._alias = alias
        self._display = display

    def name(self, formulaic_name: str) -> str:
        for rendered, shown in self._display:
            formulaic_name = formulaic_name.replace(rendered, shown)
        return formulaic_name

    def frame(self, data: pd.DataFrame, kind: str) -> pd.DataFrame:
        missing = [c for c in self._alias if c not in data.columns]
        if missing:
            raise ColumnNotFoundError(f"column '{missing[0]}' is not in the {kind}", column=missing[0])
        return pd.DataFrame({a: data[c].reset_index(drop=True) for c, a in self._alias.items()})

    def matrix(self, newdata: pd.DataFrame) -> np.ndarray:
        """The model matrix of new data (without the intercept), coded as at the fit."""
        import warnings

        from formulaic.errors import DataMismatchWarning

        df = self.frame(newdata, "new data")
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("error", DataMismatchWarning)
                mm = self._spec.get_model_matrix(df, na_action="raise")
        except (Exception, DataMismatchWarning) as e:  # formulaic's: unseen levels, missing values
            raise InputError(f"new data do not fit the model's covariates: {self.name(str(e))}") from None
        mm = mm.drop(columns=[c for c in mm.columns if c == "Intercept"])
        return _finite(np.ascontiguousarray(mm.to_numpy(dtype=np.float64)), [self.name(str(c)) for c in mm.columns],
                       "new data")


def design(formula: str, data: pd.DataFrame) -> tuple[np.ndarray, list[str], DesignSpec, dict[str, list[int]]]:
    """The design matrix of a validated formula (no intercept column), its column names in the
    user's spelling, the spec for new data and the columns of each term."""
    from formulaic import model_matrix

    expr = parse(formula)
    cols = columns(expr)
    alias = {c: f"__dz{i}__" for i, c in enumerate(cols)}
    display = [(f.render(alias[f.column]), f.display()) for f in factors(expr)]
    display += [(a, quote(c)) for c, a in alias.items()]
    spec = DesignSpec(None, alias, display)
    df = spec.frame(data, "data")
    try:
        with np.errstate(all="ignore"):
            mm = model_matrix(_render(expr, alias), df, na_action="raise")
    except Exception as e:  # formulaic's errors: missing values, a numeric transform of text, ...
        raise InputError(f"covariates formula {formula!r}: {spec.name(str(e))}") from None
    spec._spec = mm.model_spec
    has_icpt = "Intercept" in mm.columns
    shift = 1 if has_icpt else 0
    spans = {spec.name(str(t)): [i - shift for i in idx] for t, idx in mm.model_spec.term_indices.items()
             if str(t) != "1"}
    mm = mm.drop(columns=[c for c in mm.columns if c == "Intercept"])
    names = [spec.name(str(c)) for c in mm.columns]
    return _finite(np.ascontiguousarray(mm.to_numpy(dtype=np.float64)), names, "data"), names, spec, spans


def _finite(x: np.ndarray, names: list[str], kind: str) -> np.ndarray:
    bad = ~np.isfinite(x)
    if bad.any():
        row, j = (int(v) for v in np.argwhere(bad)[0])
        raise InputError(f"covariates formula: term '{names[j]}' is NaN or infinite in the {kind} (row {row})",
                         column=names[j], row=row)
    return x


__all__ = ["parse", "columns", "required_columns", "design", "quote", "DesignSpec"]
