"""The callee service (issue 29, Deliver 2): the course's callees' values, never their code.

While one grade cell runs, :class:`CalleeService` listens on a Unix socket in the kernel's private
folder (mounted into the sandbox) and answers the kernel's :class:`~coursekit.check.service.CalleeProxy`:

- ``{"op": "call", "name": f, "args": [...], "kwargs": {...}}``: the course's ``f`` run here, in the
  grader's process, on the decoded arguments; the answer is its value and every argument it changed
  in place (``None`` for the others), or the exception it raised (type name and message);
- ``{"op": "wrong", "name": f, "results": {key: [case, ...]}}``: one bit, whether the student's ``f``
  fails its own hidden cases, judged here from the student's results on them (the answers never
  leave this process). The first answer for a function stands for the rest of the cell: the bit
  cannot be asked again with other results (no oracle to search an answer with).

It serves only the functions it was opened with (the callees the cell may use: never one the cell
grades); every other name is refused. Messages are values only (:mod:`coursekit.check.wire`: numbers,
strings, None, lists, tuples, dicts, numpy arrays and torch tensors as ``.npy`` bytes read with
``allow_pickle=False``), framed with a length checked against :data:`~coursekit.check.service.MAX_FRAME`
before reading: the grader never unpickles anything the kernel sends (a pickle from the kernel would
run the kernel's code here), and a value the wire cannot carry exactly (an
:class:`~coursekit.check.wire.Opaque`) is refused as an argument.
"""
from __future__ import annotations

import functools
import logging
import os
import socket
import threading
from collections.abc import Callable, Mapping
from typing import Any

from coursekit.check import wire
from coursekit.check.service import (
    ARGUMENT,
    CALLEE,
    FUNCTION,
    GENERATOR,
    MODULE,
    TIMEOUT,
    ModuleState,
    ServiceError,
    encode_argument,
    generator,
    receive,
    send,
)

from ..protocol import PayloadError, raw_from_json

log = logging.getLogger(__name__)

Judge = Callable[[Mapping[str, list]], bool]  # a function's results by registry key -> whether it is wrong


class Refused(ValueError):
    """A request the service does not answer."""


def _has_opaque(value: Any) -> bool:
    if isinstance(value, wire.Opaque):
        return True
    if isinstance(value, (list, tuple)):
        return any(_has_opaque(v) for v in value)
    if isinstance(value, dict):
        return any(_has_opaque(k) or _has_opaque(v) for k, v in value.items())
    return False


def _decode_value(obj: Any) -> Any:
    try:
        value = wire.decode(obj)
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
        raise Refused(f"not a value: {type(exc).__name__}") from None
    if _has_opaque(value):
        raise Refused("an argument the wire cannot carry exactly (only numbers, strings, None, lists, "
                      "tuples, dicts, numpy arrays and torch tensors)")
    return value


class CalleeService:
    """Serve ``functions`` (name -> the course's function) and ``judges`` (name -> a :data:`Judge`)
    on Unix socket ``path``, from a thread, between :meth:`start` and :meth:`stop` (or as a context
    manager)."""

    def __init__(self, path: str | os.PathLike, functions: Mapping[str, Callable], judges: Mapping[str, Judge] = ()):
        self.path = os.fspath(path)
        self.functions = dict(functions)
        self.judges = dict(judges)
        self._answered: dict[str, bool] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._listener: socket.socket | None = None
        self._conn: socket.socket | None = None
        self.requests = 0  # answered or refused, for tests and logs

    def __enter__(self) -> CalleeService:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        if os.path.exists(self.path):
            os.unlink(self.path)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(self.path)
        os.chmod(self.path, 0o600)
        listener.listen(8)
        listener.settimeout(0.1)
        self._listener = listener
        self._stop.clear()
        self._thread = threading.Thread(target=self._serve, name="callee-service", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Close the socket: the kernel's proxies are refused from now on. A connection the kernel
        left open is cut (its cell is over); a course function still running finishes in the
        background, its answer going nowhere."""
        self._stop.set()
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass
        conn = self._conn
        if conn is not None:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._thread = None

    def _serve(self) -> None:
        listener = self._listener
        try:
            self._accept(listener)
        finally:
            listener.close()

    def _accept(self, listener: socket.socket) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._conn = conn
            with conn:
                conn.settimeout(TIMEOUT)
                try:
                    request = receive(conn)
                except (ServiceError, OSError) as exc:
                    self.requests += 1
                    self._reply(conn, {"refused": f"unreadable request: {exc}"})
                    continue
                self.requests += 1
                self._reply(conn, self.answer(request))
            self._conn = None

    def _reply(self, conn: socket.socket, answer: dict) -> None:
        try:
            try:
                send(conn, answer)
            except ServiceError:  # the value is over the frame limit
                send(conn, {"refused": "the answer is too large to send"})
        except OSError:
            pass  # the kernel hung up (its case timed out): nothing to tell it

    def answer(self, request: Any) -> dict:
        """The answer to one decoded request (never raises)."""
        try:
            if not isinstance(request, dict) or not isinstance(request.get("op"), str) \
                    or not isinstance(request.get("name"), str):
                raise Refused("a request is {'op': ..., 'name': ...}")
            op, name = request["op"], request["name"]
            if op == "call" and set(request) <= {"op", "name", "args", "kwargs"}:
                return self._call(name, request.get("args", []), request.get("kwargs", {}))
            if op == "wrong" and set(request) == {"op", "name", "results"}:
                return self._wrong(name, request["results"])
            raise Refused(f"unknown request {op!r}")
        except Refused as exc:
            return {"refused": str(exc)}
        except Exception as exc:  # noqa: BLE001 - the grader must survive any request
            log.warning("callee service: %s on a request", type(exc).__name__)
            return {"refused": f"the request could not be served ({type(exc).__name__})"}

    def _call(self, name: str, args: Any, kwargs: Any) -> dict:
        if name not in self.functions:
            raise Refused(f"{name!r} is not served to this grade cell")
        if not isinstance(args, list) or not isinstance(kwargs, dict) or \
                not all(isinstance(k, str) for k in kwargs):
            raise Refused("args must be a list and kwargs an object")
        values = [self._argument(a) for a in args]
        named = {k: self._argument(v) for k, v in kwargs.items()}
        try:
            result = self.functions[name](*values, **named)
        except Exception as exc:  # noqa: BLE001 - the course's function refused these arguments: say so
            return {"error": str(exc)[:2000], "type": type(exc).__name__}
        after = [encode_argument(v) for v in values]
        after_kw = {k: encode_argument(v) for k, v in named.items()}
        value = next(({ARGUMENT: i} for i, v in enumerate(values) if v is result and _mutable(v)), None) or \
            next(({ARGUMENT: k} for k, v in named.items() if v is result and _mutable(v)), None) or \
            wire.encode(result)
        return {"value": value,
                "args": [new if new != old else None for old, new in zip(args, after)],
                "kwargs": {k: (new if new != kwargs[k] else None) for k, new in after_kw.items()}}

    def _argument(self, obj: Any) -> Any:
        """An argument the kernel sent: a value, a served callee by name, or a module's parameters."""
        if isinstance(obj, dict) and set(obj) == {CALLEE}:
            if obj[CALLEE] not in self.functions:
                raise Refused(f"{obj[CALLEE]!r} is not served to this grade cell")
            return self.functions[obj[CALLEE]]
        if isinstance(obj, dict) and set(obj) == {MODULE}:
            try:
                return _rebuilt(ModuleState.read(obj[MODULE]))
            except (ServiceError, ValueError, TypeError, KeyError, RuntimeError) as exc:
                raise Refused(f"not a module's parameters: {type(exc).__name__}") from None
        if isinstance(obj, dict) and set(obj) == {FUNCTION}:
            found = case_functions().get(obj[FUNCTION]) if isinstance(obj[FUNCTION], str) else None
            if found is None:
                raise Refused(f"the function {str(obj[FUNCTION])[:100]!r} is none of the hidden cases' test "
                              "functions: its code would have to leave the kernel")
            return found
        if isinstance(obj, dict) and set(obj) == {GENERATOR}:
            try:
                return generator(obj[GENERATOR])
            except (ServiceError, ValueError, TypeError, KeyError) as exc:
                raise Refused(f"not a generator's state: {type(exc).__name__}") from None
        return _decode_value(obj)

    def _wrong(self, name: str, results: Any) -> dict:
        if name not in self.judges:
            raise Refused(f"{name!r} is not judged for this grade cell")
        if name not in self._answered:
            if not isinstance(results, dict) or not all(isinstance(v, list) for v in results.values()):
                raise Refused("results must be {registry key: [case result, ...]}")
            try:
                parsed = {str(k): [raw_from_json(c) for c in v] for k, v in results.items()}
            except PayloadError as exc:
                raise Refused(f"malformed results: {exc}") from None
            self._answered[name] = bool(self.judges[name](parsed))
        return {"wrong": self._answered[name]}


def _mutable(value: Any) -> bool:
    import numpy as np
    import torch

    return isinstance(value, (list, dict, np.ndarray, np.random.Generator, torch.nn.Module, torch.Tensor))


def _rebuilt(state: ModuleState):
    """A torch module holding ``state``'s parameters and buffers under the same dotted names (plain
    containers: the kernel's module classes and forward code never leave the kernel)."""
    from torch import nn

    root = nn.Module()

    def owner(name: str):
        module = root
        *path, leaf = name.split(".")
        for part in path:
            if not part or not part.isidentifier() and not part.isdigit():
                raise ValueError(f"bad name {name!r}")
            if part not in module._modules:
                module.add_module(part, nn.Module())
            module = module._modules[part]
        if not leaf or not leaf.isidentifier():
            raise ValueError(f"bad name {name!r}")
        return module, leaf

    for name, (tensor, flag) in state.parameters.items():
        module, leaf = owner(name)
        if not tensor.is_floating_point() and flag:
            raise ValueError("an integer parameter cannot require a gradient")
        module.register_parameter(leaf, nn.Parameter(tensor.detach(), requires_grad=flag))
    for name, tensor in state.buffers.items():
        module, leaf = owner(name)
        module.register_buffer(leaf, tensor.detach())
    return root


def registry_judge(name: str, lesson: str) -> Judge:
    """Whether the student's ``name`` fails one of its own hidden cases, from its results on them
    (every registry key grading it, each with exactly its number of cases; anything else: wrong)."""
    from coursekit.check.verdict.judge import judge

    from ..kernel.cascade import RegistryCourse

    keys = RegistryCourse(lesson).keys_of(name)

    def wrong(results: Mapping[str, list]) -> bool:
        if sorted(results) != sorted(keys):
            return True
        for key in keys:
            ex, cases, expected = _answers(key)
            raws = results[key]
            if len(raws) != len(cases):
                return True
            if not all(judge(ex, case, raw, want).passed for case, raw, want in zip(cases, raws, expected)):
                return True
        return False

    return wrong


@functools.cache
def _answers(key: str):
    """A registry key's exercise, hidden cases and answers (the same for every student: made once)."""
    from ..registry import get_exercise

    ex = get_exercise(key)
    cases = list(ex.hidden())
    return ex, cases, ex.answer_key(cases).expected  # as RegistryCourse.hidden


@functools.lru_cache(maxsize=1)
def case_functions() -> dict[str, Callable]:
    """``{"module:qualname": function}`` of every plain function (not a graded function's reference)
    that a hidden case of the course passes as an argument (``gradient_check`` checks the test
    function ``quad``): the only functions the service runs when the kernel names one."""
    import types

    from ..handoff import graded_references
    from ..registry import all_exercises

    references = graded_references()
    found: dict[str, Callable] = {}
    for ex in all_exercises():
        for case in ex.hidden():
            todo = [*case.args, *case.kwargs.values()]
            while todo:
                value = todo.pop()
                if isinstance(value, (list, tuple)):
                    todo += list(value)
                elif isinstance(value, dict):
                    todo += list(value.values())
                elif isinstance(value, types.FunctionType) and id(value) not in references \
                        and f"{value.__module__}.{value.__qualname__}" not in references:
                    found[f"{value.__module__}:{value.__qualname__}"] = value
    return found
