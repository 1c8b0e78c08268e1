"""Which graded functions of the course a student's function calls, read from its code.

A lesson asks students to build on their own functions (``sgd_linear_regression`` calls their
``linear_regression_grad``; ``two_layer_net`` their layer functions). To grade each function on its
own, the checks must know these calls. They are read from the code, never listed by hand: the global
names a function's code reads (its own code, its nested functions, lambdas and comprehensions), and
those of the plain Python helpers it reaches through globals of the same namespace (a helper the
student wrote in the notebook, followed to any depth), that name a graded function of the course and
are bound in that namespace. A graded function reached this way is a callee; the walk stops there
(the callee's own callees are its own: see :func:`coursegrader.grading.kernel.cascade`).

A function reached otherwise (passed as an argument, captured as a default argument value) is not
seen: the checks then judge the caller with whatever it calls.
"""
from __future__ import annotations

import types
from collections.abc import Callable, Collection


def function_name(key: str) -> str:
    """The function a registry key grades: ``batchnorm_forward[eval]`` -> ``batchnorm_forward``."""
    return key.split("[", 1)[0]


def _names_read(code: types.CodeType) -> set[str]:
    """Every name a code object and the code nested in it (functions, lambdas, comprehensions) may
    read as a global (``co_names`` also holds attribute names: those are never bound as globals of a
    graded function's name, and are looked up in the namespace before they count)."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _names_read(const)
    return names


def graded_callees(fn: Callable, graded: Collection[str]) -> dict[str, list[dict]]:
    """``{callee name: [the globals dicts it is read from]}``: the functions named in ``graded`` that
    ``fn`` reads as globals, bound to a callable, directly or through its helpers (plain functions
    whose module is the one the function that reaches them was defined in: the notebook's own
    helpers). ``fn``'s own name is not its callee (recursion)."""
    fn = getattr(fn, "__func__", fn)
    own = getattr(fn, "__name__", None)
    found: dict[str, list[dict]] = {}
    seen: set[int] = set()
    todo = [fn]
    while todo:
        f = todo.pop()
        code = getattr(f, "__code__", None)
        namespace = getattr(f, "__globals__", None)
        if code is None or namespace is None or id(code) in seen:
            continue
        seen.add(id(code))
        for cell in getattr(f, "__closure__", None) or ():  # helpers a nested function captured
            try:
                inner = cell.cell_contents
            except ValueError:  # an empty cell
                continue
            if isinstance(inner, types.FunctionType) and getattr(inner, "__name__", None) not in graded:
                todo.append(inner)
        for name in sorted(_names_read(code)):
            if name not in namespace:
                continue
            value = namespace[name]
            if callable(value) and name != own and name in graded:
                where = found.setdefault(name, [])
                if not any(g is namespace for g in where):
                    where.append(namespace)
            elif isinstance(value, types.FunctionType) and value.__module__ == f.__module__:
                todo.append(value)
    return found
