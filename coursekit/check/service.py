"""The kernel's side of the callee service (issue 29, Deliver 2): the course's callees as values.

A graded function that calls another graded function is judged with the course's callee in place of
a wrong one (:mod:`.cascade`). The grading kernel runs student code, so it must not hold the course's
code: instead the callee's name is bound to a :class:`CalleeProxy`, which sends the arguments as
values (:mod:`.wire`, never a pickle) over a Unix socket to a service in the grader's process
(``coursegrader.grading.autograde.callee_service``) and returns the value the course's function gave.
Arguments the course's function changed in place (an optimizer step updating its arrays) come back
too and are written into the caller's objects, so the caller sees the same effects.

A message is one frame: a 4-byte big-endian length, then that many bytes of UTF-8 JSON. Both sides
refuse a frame longer than :data:`MAX_FRAME` before reading it.
"""
from __future__ import annotations

import json
import os
import socket
import struct
import types
from typing import Any

from . import wire

SERVICE_ENV = "COURSEKIT_CALLEE_SERVICE"  # the socket's path, set by the sandbox
MAX_FRAME = 64_000_000  # bytes of one message (wire caps one array at 8 MB)
TIMEOUT = 60.0  # seconds a side waits for the other's next bytes
_HEADER = struct.Struct(">I")


class ServiceError(RuntimeError):
    """The service refused a request or could not be reached (a case using the proxy then fails)."""


def send(sock: socket.socket, message: Any) -> None:
    """Send one JSON message as a frame."""
    body = json.dumps(message, allow_nan=False, separators=(",", ":")).encode("utf-8")
    if len(body) > MAX_FRAME:
        raise ServiceError(f"a message of {len(body):,} bytes is over the {MAX_FRAME:,}-byte limit")
    sock.sendall(_HEADER.pack(len(body)) + body)


def _exactly(sock: socket.socket, n: int) -> bytes:
    chunks, left = [], n
    while left:
        chunk = sock.recv(min(left, 1 << 20))
        if not chunk:
            raise ServiceError("the connection closed in the middle of a message")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def receive(sock: socket.socket) -> Any:
    """Read one frame and parse its JSON (raises :class:`ServiceError` on anything malformed: a
    length over :data:`MAX_FRAME`, bytes that are not UTF-8 JSON, nesting too deep to parse)."""
    (length,) = _HEADER.unpack(_exactly(sock, _HEADER.size))
    if length > MAX_FRAME:
        raise ServiceError(f"a message of {length:,} bytes is over the {MAX_FRAME:,}-byte limit")
    try:
        return json.loads(_exactly(sock, length).decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ServiceError(f"not a JSON message: {type(exc).__name__}") from None


def ask(path: str, request: dict) -> dict:
    """Send ``request`` to the service listening on Unix socket ``path``; its answer."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(TIMEOUT)
        try:
            sock.connect(path)
        except OSError as exc:
            raise ServiceError(f"the callee service is not open ({exc.strerror or exc})") from None
        send(sock, request)
        answer = receive(sock)
    if not isinstance(answer, dict):
        raise ServiceError("malformed answer")
    if "refused" in answer:
        raise ServiceError(str(answer["refused"]))
    return answer


# exceptions the course's function may raise that the proxy raises again under the same name
_REBUILT = {e.__name__: e for e in (ValueError, TypeError, ZeroDivisionError, IndexError, KeyError,
                                    ArithmeticError, FloatingPointError, OverflowError, RuntimeError,
                                    AssertionError, NotImplementedError)}


class CalleeProxy:
    """Stands for the course's graded function ``name`` in the kernel: calls it through the service
    listening on ``path``. Holds no course code: only the function's name and the socket's path."""

    def __init__(self, name: str, path: str | None = None):
        self.__name__ = self.__qualname__ = name
        self._path = path

    def __reduce__(self):  # handed in inside hidden cases: the name only, the socket found where it runs
        return (CalleeProxy, (self.__name__,))

    def __repr__(self) -> str:
        return f"<the course's {self.__name__}, served from outside the kernel>"

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        request = {"op": "call", "name": self.__name__, "args": [encode_argument(a) for a in args],
                   "kwargs": {str(k): encode_argument(v) for k, v in kwargs.items()}}
        path = self._path or os.environ.get(SERVICE_ENV)
        if not path:
            raise ServiceError(f"no callee service in this kernel ({SERVICE_ENV} is not set)")
        answer = ask(path, request)
        if "error" in answer:
            kind, message = str(answer.get("type", "RuntimeError")), str(answer["error"])
            raise _REBUILT.get(kind, RuntimeError)(message)
        changed = answer.get("args") or []
        if not isinstance(changed, list) or len(changed) > len(args):
            raise ServiceError("malformed answer")
        for given, new in zip(args, changed):
            if new is not None:
                write_back(given, decode_argument(new))
        changed_kw = answer.get("kwargs") or {}
        if not isinstance(changed_kw, dict):
            raise ServiceError("malformed answer")
        for name, new in changed_kw.items():
            if name in kwargs and new is not None:
                write_back(kwargs[name], decode_argument(new))
        value = answer.get("value")
        if isinstance(value, dict) and set(value) == {ARGUMENT}:  # the function returned an argument itself
            where = value[ARGUMENT]
            if isinstance(where, int) and 0 <= where < len(args):
                return args[where]
            if isinstance(where, str) and where in kwargs:
                return kwargs[where]
            raise ServiceError("malformed answer")
        return wire.decode(value)


ARGUMENT = "__argument__"  # the value is the caller's own argument (index or keyword): ``freeze`` returns its module
MODULE = "__nn_module__"  # a torch module, described by its named parameters and buffers
CALLEE = "__callee__"  # a proxy passed as an argument (a hidden case's input): the course's function of that name
FUNCTION = "__function__"  # another function a hidden case passes (a test function), by ``module:qualname``
GENERATOR = "__np_generator__"  # a numpy Generator, as its bit generator's name and state (exact; advanced in place)
BIT_GENERATORS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")


def encode_argument(value: Any) -> Any:
    """An argument as the service receives it: a wire value; a proxy by its name; another function by
    its qualified name (the service runs only the test functions hidden cases pass, found in the
    registry: a student's own function is refused); a numpy Generator as its state; a torch module as
    its named parameters (values and ``requires_grad``) and buffers: what the course's callees that
    take a module (lesson 10's ``freeze``) read and change; its forward code is not sent."""
    if isinstance(value, CalleeProxy):
        return {CALLEE: value.__name__}
    if isinstance(value, types.FunctionType):
        return {FUNCTION: f"{value.__module__}:{value.__qualname__}"}
    import numpy as np

    if isinstance(value, np.random.Generator):
        state = value.bit_generator.state
        return {GENERATOR: {"bit_generator": str(state.get("bit_generator")), "state": wire.encode(state)}}
    try:
        import torch
    except ImportError:  # pragma: no cover
        torch = None
    if torch is not None and isinstance(value, torch.nn.Module):
        return {MODULE: {"parameters": [[n, wire.encode(p.detach()), bool(p.requires_grad)]
                                        for n, p in value.named_parameters(remove_duplicate=False)],
                         "buffers": [[n, wire.encode(b)] for n, b in value.named_buffers(remove_duplicate=False)]}}
    return wire.encode(value)


def decode_argument(obj: Any) -> Any:
    """A changed argument sent back: a wire value, or a module's description (applied by
    :func:`write_back`)."""
    if isinstance(obj, dict) and set(obj) == {MODULE}:
        return ModuleState.read(obj[MODULE])
    if isinstance(obj, dict) and set(obj) == {GENERATOR}:
        return generator(obj[GENERATOR])
    return wire.decode(obj)


def generator(obj: Any):
    """A numpy Generator in the state ``obj`` describes (only the bit generators numpy ships)."""
    import numpy as np

    if not isinstance(obj, dict) or set(obj) != {"bit_generator", "state"} \
            or obj["bit_generator"] not in BIT_GENERATORS:
        raise ServiceError("malformed generator")
    state = wire.decode(obj["state"])
    if not isinstance(state, dict) or state.get("bit_generator") != obj["bit_generator"]:
        raise ServiceError("malformed generator")
    bits = getattr(np.random, obj["bit_generator"])()
    bits.state = state
    return np.random.Generator(bits)


class ModuleState:
    """A module's named parameters and buffers, as sent back: ``{name: (tensor, requires_grad)}``."""

    def __init__(self, parameters: dict, buffers: dict):
        self.parameters, self.buffers = parameters, buffers

    @classmethod
    def read(cls, obj: Any) -> ModuleState:
        import torch

        if not isinstance(obj, dict) or set(obj) != {"parameters", "buffers"}:
            raise ServiceError("malformed module")
        parameters, buffers = {}, {}
        for item in obj["parameters"]:
            name, tensor, flag = item
            tensor = wire.decode(tensor)
            if not (isinstance(name, str) and isinstance(tensor, torch.Tensor) and isinstance(flag, bool)):
                raise ServiceError("malformed module")
            parameters[name] = (tensor, flag)
        for name, tensor in obj["buffers"]:
            tensor = wire.decode(tensor)
            if not (isinstance(name, str) and isinstance(tensor, torch.Tensor)):
                raise ServiceError("malformed module")
            buffers[name] = tensor
        return cls(parameters, buffers)


def write_back(target: Any, new: Any) -> None:
    """Make ``target`` (an argument the caller passed) equal to ``new`` (the same argument after the
    course's function ran on it) in place, keeping the identity of every mutable object inside it."""
    import numpy as np

    if isinstance(target, np.ndarray):
        if target.shape == np.shape(new):
            target[...] = new
        return
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a dependency of the student package
        torch = None
    if isinstance(target, np.random.Generator):
        if isinstance(new, np.random.Generator):
            target.bit_generator.state = new.bit_generator.state
        return
    if torch is not None and isinstance(target, torch.nn.Module):
        if isinstance(new, ModuleState):
            for name, p in target.named_parameters(remove_duplicate=False):
                if name in new.parameters:
                    tensor, flag = new.parameters[name]
                    write_back(p, tensor)
                    p.requires_grad_(flag)
            for name, b in target.named_buffers(remove_duplicate=False):
                if name in new.buffers:
                    write_back(b, new.buffers[name])
        return
    if torch is not None and isinstance(target, torch.Tensor):
        if isinstance(new, torch.Tensor) and target.shape == new.shape:
            with torch.no_grad():
                target.copy_(new)
            if target.is_leaf and target.requires_grad != new.requires_grad and target.is_floating_point():
                target.requires_grad_(new.requires_grad)
        return
    if isinstance(target, list) and isinstance(new, list):
        if len(target) == len(new):
            for i, (old, value) in enumerate(zip(target, new)):
                if _mutable(old):
                    write_back(old, value)
                else:
                    target[i] = value
        else:
            target[:] = new
    elif isinstance(target, dict) and isinstance(new, dict):
        for key in [k for k in target if k not in new]:
            del target[key]
        for key, value in new.items():
            if key in target and _mutable(target[key]):
                write_back(target[key], value)
            else:
                target[key] = value
    elif isinstance(target, tuple) and isinstance(new, tuple) and len(target) == len(new):
        for old, value in zip(target, new):
            if _mutable(old):
                write_back(old, value)


def _mutable(value: Any) -> bool:
    import numpy as np

    if isinstance(value, (np.ndarray, list, dict, tuple)):
        return True
    try:
        import torch
        return isinstance(value, torch.Tensor)
    except ImportError:  # pragma: no cover
        return False


def ask_wrong(name: str, results: dict) -> bool:
    """Whether the student's ``name`` fails its own hidden cases, judged by the service from its
    ``results`` on them (``{registry key: [RawResult, ...]}``): one bit."""
    from .payload import raw_to_json

    path = os.environ.get(SERVICE_ENV)
    if not path:
        raise ServiceError(f"no callee service in this kernel ({SERVICE_ENV} is not set)")
    answer = ask(path, {"op": "wrong", "name": name,
                        "results": {key: [raw_to_json(r) for r in raws] for key, raws in results.items()}})
    if not isinstance(answer.get("wrong"), bool):
        raise ServiceError("malformed answer")
    return answer["wrong"]
