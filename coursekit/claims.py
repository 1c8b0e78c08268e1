"""Claims: what a lesson's text says about its own experiments, measured and asserted where computed.

A lesson that writes "lr = 0.1 ends within 0.03 of (1, 1)" backs the sentence in the cell that
computes it::

    from coursekit.claims import claim
    dist = np.linalg.norm(path[-1] - 1)
    claim("ends within 0.03 of (1, 1)", dist < 0.03, dist, uses=["gradient_descent"])

``claim`` asserts the claim (a regenerated notebook can never silently drift from its narrative),
shows the reader one line, the sentence with its measured value ("✓ Momentum reaches $f < 10^{-3}$ in
far fewer steps (measured: ...)."), and records it in the output's metadata (``METADATA_KEY``) so that
the tests can list the claims of every lesson from the executed edition. The line is markdown with its
``$...$`` math (JupyterLab, the reading-edition site and the feedback pages typeset it) and plain text
with the math as Unicode (``μ* ≈ 0.566``, :mod:`coursekit.plainmath`) for whatever shows text only.
The ``statement`` is a sentence of the lesson's text, word for word (case, emphasis, backticks and
``$`` aside): that is how a sentence is tied to the claim that backs it.

Timing claims (``claim_faster``) are shown with their measured range and asserted only as an
ordering with a wide margin, never as absolute times: they must hold on a busy 2-core machine.

When a claim fails in a student's notebook it says so in words (:class:`ClaimError`, shown as its
message alone, no frame of this module), naming the student's functions the experiment used. While
nbgrader autogrades, a claim never raises: the score depends on the grade cells only; nor with
``COURSEKIT_CLAIMS=record`` (:data:`RECORD_ONLY`), which runs a whole lesson and records every claim
(the test that plants mistakes and looks for claims holding on a sentinel value uses it).

Each record keeps the numbers measured (``values``: numbers, ``None``, ``"nan"``, ``"inf"``, ``"-inf"``,
``"empty"`` for an empty run), so that a test can tell a claim that held on a real measurement from one
that held on a sentinel (0 steps from a level never reached, NaN, an empty run).
"""
from __future__ import annotations

import math
import os
import re
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass

from .errors import StudentFacing
from .plainmath import to_plain
from .runtime import is_autograding

METADATA_KEY = "coursekit_claim"
RECORD_ONLY = "COURSEKIT_CLAIMS"  # =record: claims are shown and recorded, never raised


class ClaimError(StudentFacing):
    """A claim of the lesson's text that this run's numbers do not support (an ``AssertionError``,
    shown as its message alone: :class:`coursekit.errors.StudentFacing`)."""

    shown_as = "ClaimError"


@dataclass(frozen=True)
class Claim:
    """One checked claim: the words of the text, what was measured (as shown, and its numbers),
    whether it held."""

    statement: str
    measured: str
    holds: bool
    kind: str = "value"
    values: list | None = None


def _fmt(value) -> str:
    """A short, readable rendering of a measured value (numbers to 3-4 significant digits)."""
    if isinstance(value, str):
        return value
    if value is None:
        return "never"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) or hasattr(value, "dtype") and getattr(value, "ndim", 1) == 0:
        v = float(value)
        if math.isnan(v) or math.isinf(v):
            return str(v)
        return f"{v:.4g}"
    if isinstance(value, Mapping):
        return "; ".join(f"{k}: {_fmt(v)}" for k, v in value.items())
    if isinstance(value, Iterable):
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    return str(value)


_NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.?\d*(?:e[-+]?\d+)?|nan|inf)(?![\w.])", re.I)


VALUES_KEPT = 32  # numbers recorded per claim (a claim measures a few; an array is cut)


def _values(value) -> list:
    """The numbers of a measured value, in order, as JSON can hold them: numbers (ints stay ints),
    ``None`` (never reached), ``"nan"``/``"inf"``/``"-inf"``, and ``"empty"`` for an empty sequence or
    array; at most ``VALUES_KEPT``. Numbers written in a string are read from it ("12 steps" -> 12)."""
    return _flat(value)[:VALUES_KEPT]


def _flat(value) -> list:
    if value is None:
        return [None]
    if isinstance(value, str):
        return [int(t) if t.lstrip("+-").isdigit() else _number(float(t)) for t in _NUMBER.findall(value)]
    kind = getattr(getattr(value, "dtype", None), "kind", "") if getattr(value, "ndim", 1) == 0 else ""
    if isinstance(value, bool) or kind == "b":
        return []
    if isinstance(value, int) or kind in ("i", "u"):
        return [int(value)]
    if isinstance(value, float) or kind == "f":
        return [_number(float(value))]
    items = list(value.values()) if isinstance(value, Mapping) else list(value) if isinstance(value, Iterable) else []
    if not items:
        return ["empty"]
    return [v for item in items[:VALUES_KEPT] for v in _flat(item)]


def _number(v: float):
    return v if math.isfinite(v) else "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")


def _markdown_text(text: str) -> str:
    """Plain text (a measured value) escaped for markdown: shown as written."""
    return re.sub(r"([\\`*_\[\]<>$|~#])", r"\\\1", text)


def _yours(uses: Sequence[str]) -> str:
    """The sentence that points a failed claim at the student's own functions ("" when it uses none)."""
    if not uses:
        return ""
    names = ", ".join(f"`{u}`" for u in uses)
    return (f"This experiment runs your {names}: if you wrote or changed it, a difference from the "
            f"reference there is the likely cause (run its check again, and compare the numbers).")


def _sentence(c: Claim, statement: str, measured: str) -> str:
    """The statement as a sentence with its measured value: "S (measured: m)." (its own final
    punctuation kept at the end)."""
    body = statement.strip()
    end = body[-1] if body and body[-1] in ".!?" else "."
    body = body[:-1] if body and body[-1] in ".!?" else body
    return f"{'✓' if c.holds else '✗'} {body} (measured: {measured}){end}"


def line(c: Claim, uses: Sequence[str] = ()) -> str:
    """The line a reader sees for a claim, as plain text (its math as Unicode); a failed one also
    names the student's functions it ran (that is all a student reads of it in the autograded
    feedback, where a claim never raises)."""
    text = _sentence(c, to_plain(c.statement), c.measured)
    if not c.holds and uses:
        text += " " + _yours(uses)
    return text


def markdown_line(c: Claim, uses: Sequence[str] = ()) -> str:
    """:func:`line` as markdown: the statement as the lesson writes it (``$...$`` math, emphasis,
    code), the measured value escaped."""
    text = _sentence(c, c.statement, _markdown_text(c.measured))
    if not c.holds and uses:
        text += " " + _yours(uses)
    return text


def recording_only() -> bool:
    """Whether claims are recorded without ever raising (``COURSEKIT_CLAIMS=record``)."""
    return os.environ.get(RECORD_ONLY) == "record"


def _display(data: dict, metadata: dict) -> None:
    """Show one output (a mime bundle) in the notebook; nothing outside IPython."""
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # pragma: no cover - IPython is a dependency
        return
    if get_ipython() is not None:
        display(data, raw=True, metadata=metadata)


def _show(c: Claim, uses: Sequence[str]) -> None:
    _display({"text/plain": line(c, uses), "text/markdown": markdown_line(c, uses)}, {METADATA_KEY: asdict(c)})


def _check(c: Claim, uses: Sequence[str]) -> Claim:
    _show(c, uses)
    if not c.holds and not is_autograding() and not recording_only():
        yours = " " + _yours(uses) if uses else ""
        raise ClaimError(f"The lesson says: \"{to_plain(c.statement)}\", but this run measured {c.measured}, "
                         f"which does not support it.{yours}")
    return c


def claim(statement: str, holds, measured, *, uses: Sequence[str] = ()) -> Claim:
    """Assert and record one claim of the text.

    statement: the phrase of the lesson's text that this claim backs (word for word).
    holds: whether the measurement supports it (any truthy value; numpy booleans are fine).
    measured: what was measured (a number, a string, a dict of named numbers, a sequence), shown to
      the reader and in the failure message.
    uses: names of the student's functions the experiment calls, named when the claim fails.
    Returns the :class:`Claim`; raises :class:`ClaimError` when it does not hold (never while autograding).
    """
    return _check(Claim(statement, _fmt(measured), bool(holds), values=_values(measured)), uses)


def claim_between(statement: str, value, low, high, *, uses: Sequence[str] = ()) -> Claim:
    """Claim that ``low <= value <= high`` (for "about 0.19": a range the text's rounding allows)."""
    v = float(value)
    return _check(Claim(statement, f"{_fmt(v)} (expected {_fmt(low)} to {_fmt(high)})", bool(low <= v <= high),
                        values=_values(v)), uses)


def claim_ratio(statement: str, numerator, denominator, *, low: float | None = None, high: float | None = None,
                uses: Sequence[str] = ()) -> Claim:
    """Claim that ``numerator / denominator`` lies in ``[low, high]`` (either bound may be left
    open): "at least 4 times fewer steps" is ``claim_ratio(s, slow_steps, fast_steps, low=4)``.

    Fails when either side is ``None`` (a level never reached, see :mod:`coursekit.measure`), not
    finite, or the denominator is 0: a claim about two runs never passes on a run that failed."""
    from .measure import ratio

    if low is None and high is None:
        raise ValueError("claim_ratio needs a bound: low, high or both")
    r = ratio(numerator, denominator)
    holds = r is not None and (low is None or r >= low) and (high is None or r <= high)
    bounds = (f"at least {_fmt(low)}" if high is None else f"at most {_fmt(high)}" if low is None
              else f"{_fmt(low)} to {_fmt(high)}")
    shown = "no ratio" if r is None else f"{_fmt(r)}"
    measured = f"{_fmt(numerator)} / {_fmt(denominator)} = {shown} (expected {bounds})"
    return _check(Claim(statement, measured, bool(holds), values=_values([numerator, denominator])), uses)


def claim_faster(statement: str, fast: Sequence[float], slow: Sequence[float], *, margin: float = 3.0,
                 uses: Sequence[str] = ()) -> Claim:
    """Claim that one thing is faster than another, from repeated timings in seconds.

    Holds when the median of ``slow`` is at least ``margin`` times the median of ``fast``; ``margin`` is
    at least 3 so that the ordering survives a busy machine. The measured ranges are shown.
    """
    if margin < 3.0:
        raise ValueError(f"a timing claim needs a margin of at least 3x to hold on a busy machine, got {margin}")
    if len(fast) == 0 or len(slow) == 0:
        raise ValueError("claim_faster needs at least one timing on each side")
    fast, slow = [float(t) for t in fast], [float(t) for t in slow]
    ratio = statistics.median(slow) / max(statistics.median(fast), 1e-12)
    measured = (f"{_fmt_seconds(min(fast))}-{_fmt_seconds(max(fast))} against "
                f"{_fmt_seconds(min(slow))}-{_fmt_seconds(max(slow))}, median ratio {ratio:.3g}x (needs {margin:g}x)")
    return _check(Claim(statement, measured, bool(ratio >= margin), kind="timing"), uses)


def _fmt_seconds(s: float) -> str:
    if s >= 1:
        return f"{s:.3g} s"
    if s >= 1e-3:
        return f"{s * 1e3:.3g} ms"
    return f"{s * 1e6:.3g} µs"


def claims_in(outputs: Iterable[Mapping]) -> list[Claim]:
    """The claims recorded in a list of nbformat outputs (of one cell or of many)."""
    found = []
    for out in outputs:
        meta = (out.get("metadata") or {}).get(METADATA_KEY)
        if meta:
            found.append(Claim(**meta))
    return found
