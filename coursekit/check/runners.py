"""Ways to call a graded function that are shared by several lessons."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .copying import InputChanged, changed, snapshot
from .task import Case
from .verdict.compare import show

# bad input: a case whose label starts with BAD_INPUT passes when the function raises ValueError
BAD_INPUT = "bad input"
RAISED = "raises ValueError"


def optimizer_step(fn: Callable, params: Any, grad: Any, state: dict, step: int, **hyper: Any) -> tuple[Any, dict]:
    """One call ``fn(params, grad, state, **hyper)`` of a functional optimizer, as the course's
    convention asks it (spec section 2): it returns ``(new_params, state)`` with ``state`` a dict, and
    leaves the arrays of the state it was given unchanged (rebinding a key is fine, ``buf *= momentum``
    is not). A changed array raises :class:`~coursekit.check.copying.InputChanged` naming its key,
    which the check and the grader report as an input changed in place. ``step``: its number (from 1),
    for the messages."""
    given = [(key, value, snapshot(value)) for key, value in state.items()]
    params, new_state = fn(params, grad, state, **hyper)
    if not isinstance(new_state, dict):
        raise TypeError(f"step {step} returned state of type {type(new_state).__name__}; "
                        "return (new_params, state) with state a dict")
    for key, value, before in given:
        if changed(before, value):
            raise InputChanged(f"state[{key!r}]", f"by step {step}")
    return params, new_state


def optimizer_steps(fn: Callable, case: Case) -> np.ndarray:
    """Run a functional optimizer for several steps; return the parameters after each step.

    ``case.args = (params0, grads)`` where ``grads`` is a sequence of gradient arrays, or a
    callable ``grad(params) -> array`` with ``case.kwargs["n_steps"]``; ``case.kwargs["lrs"]``, if
    given, is a learning rate per step (a schedule); every other keyword is a hyper-parameter. The
    state starts as ``{}`` and is threaded through the calls as returned (:func:`optimizer_step`:
    the arrays of the state a step receives must come back unchanged).
    Output shape: ``(n_steps, *params0.shape)``.
    """
    params, grads = case.args
    hyper = dict(case.kwargs)
    n_steps = hyper.pop("n_steps", None)
    lrs = hyper.pop("lrs", None)
    if callable(grads):
        grad_at = grads
        steps = range(n_steps if n_steps is not None else len(lrs))
    else:
        steps = range(len(grads))
        grad_at = None
    state: dict = {}
    trajectory = []
    for t in steps:
        g = grad_at(params) if grad_at is not None else grads[t]
        if lrs is not None:
            hyper["lr"] = lrs[t]
        params, state = optimizer_step(fn, params, g, state, t + 1, **hyper)
        trajectory.append(np.array(params, copy=True))
    return np.stack(trajectory)


def expect_value_error(run: Callable[[Callable, Case], Any] | None = None) -> Callable[[Callable, Case], Any]:
    """An ``Exercise.run`` that grades bad-input cases by the ValueError they must raise.

    ``run``: how ordinary cases are called (default ``fn(*args, **kwargs)``).
    """
    def call(fn: Callable, case: Case) -> Any:
        value_of = (lambda: run(fn, case)) if run is not None else (lambda: fn(*case.args, **case.kwargs))
        if not case.label.startswith(BAD_INPUT):
            return value_of()
        try:
            value = value_of()
        except ValueError:
            return RAISED
        return f"returned {show(value, 80)} instead of raising ValueError"
    return call


class ForwardFirst(RuntimeError):
    """A backward cannot be checked because its own forward does not work yet."""


def own_cache(fn: Callable, forward_name: str, reference_forward: Callable | None, *inputs: Any,
              keywords: dict | None = None, results: tuple[str, ...] = ("out", "cache")) -> Any:
    """The cache a layer's backward ``fn`` is graded with (spec section 2: a backward is graded with
    the cache its own forward made): what the function called ``forward_name`` defined beside
    ``fn`` (in its module or notebook) returns as ``(out, cache)`` on ``inputs``, so any cache
    layout works.

    ``keywords``: keyword arguments the forward is called with too (BatchNorm's ``training=``,
    ``eps=``). ``results``: the names of what the forward returns, ``cache`` among them (BatchNorm's
    forward returns ``(out, cache, state)``).

    When there is no such function, or it raises, or it does not return that tuple: the reference
    forward's cache where the grader has one (``reference_forward``: an unfinished forward does not
    sink a finished backward); in a student's kernel, which has none, :class:`ForwardFirst` saying
    to finish the forward first.

    The forward gets the case's own input objects: a cache that holds them is checked for
    in-place changes like any input.
    """
    keywords = dict(keywords or {})
    at = results.index("cache")
    forward = getattr(fn, "__globals__", {}).get(forward_name)
    problem = f"there is no function {forward_name} beside it"
    if callable(forward) and forward is not reference_forward:
        try:
            made = forward(*inputs, **keywords)
        except Exception as exc:  # noqa: BLE001 - the forward is graded on its own; its errors cost nothing here
            made, problem = None, f"{forward_name} raised {type(exc).__name__}" + (
                f" ({exc})" if str(exc) else " (it is not done yet)" if isinstance(exc, NotImplementedError) else "")
        if isinstance(made, tuple) and len(made) == len(results):
            return made[at]
        if made is not None:
            kind = {2: "a pair", 3: "a triple"}.get(len(results), f"a tuple of {len(results)}")
            problem = f"{forward_name} returned a {type(made).__name__}, not {kind} ({', '.join(results)})"
    if reference_forward is None:
        raise ForwardFirst(f"{getattr(fn, '__name__', 'the backward')} is checked with the cache of your own "
                           f"{forward_name}, but {problem}: finish {forward_name} first")
    return reference_forward(*inputs, **keywords)[at]
