"""A safe, exact text encoding of what a student's function returned, for grading outside the kernel.

The autograding kernel runs student code, so nothing it reports can be trusted except as data:
``encode`` turns a returned value into JSON (arrays as ``.npy`` bytes, never pickles) and
``decode`` rebuilds it in the grader's own process without running any code from the kernel.
Types that have no exact encoding become an :class:`Opaque` stand-in that equals nothing.
"""
from __future__ import annotations

import base64
import io
import math
from typing import Any

import numpy as np

MAX_ARRAY_BYTES = 8_000_000  # a returned array larger than this is not sent (it would be wrong anyway)
MAX_DEPTH = 20


class Opaque:
    """Stands for a value the wire cannot carry exactly; it equals nothing the harness expects."""

    def __init__(self, type_name: str, text: str):
        self.type_name = type_name
        self.text = text

    def __repr__(self) -> str:
        return f"<{self.type_name}: {self.text}>"


def _npy(array: np.ndarray) -> str:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _from_npy(text: str) -> np.ndarray:
    return np.load(io.BytesIO(base64.b64decode(text.encode("ascii"), validate=True)), allow_pickle=False)


def _float(x: float) -> Any:
    if math.isnan(x):
        return {"__float__": "nan"}
    if math.isinf(x):
        return {"__float__": "inf" if x > 0 else "-inf"}
    return x


def _opaque(value: Any) -> dict:
    try:
        text = repr(value)
    except Exception:  # a student's __repr__ may raise
        text = "?"
    return {"__opaque__": f"{type(value).__module__}.{type(value).__qualname__}", "repr": text[:200]}


def encode(value: Any, depth: int = 0) -> Any:
    """A JSON-able form of ``value`` that ``decode`` turns back into an equal value of the same type."""
    if depth > MAX_DEPTH:
        return _opaque(value)
    if value is None or type(value) in (bool, str):
        return value
    if type(value) is int:
        return value if abs(value) < 2 ** 53 else {"__int__": str(value)}
    if type(value) is float:
        return _float(value)
    if isinstance(value, np.generic) and value.dtype.kind in "biuf":
        return {"__npscalar__": value.dtype.str, "data": _npy(np.asarray(value))}
    if type(value) is np.ndarray and value.dtype.kind in "biuf":
        if value.nbytes > MAX_ARRAY_BYTES:
            return {"__opaque__": "numpy.ndarray", "repr": f"array of shape {value.shape} (too large to grade)"}
        return {"__ndarray__": _npy(np.ascontiguousarray(value))}
    if type(value) in (list, tuple):
        return {"__list__" if type(value) is list else "__tuple__": [encode(v, depth + 1) for v in value]}
    if type(value) is dict:
        return {"__dict__": [[encode(k, depth + 1), encode(v, depth + 1)] for k, v in value.items()]}
    try:
        import torch
        if type(value) is torch.Tensor or type(value) is torch.nn.Parameter:
            array = value.detach().cpu().numpy()
            return {"__tensor__": _npy(np.ascontiguousarray(array)), "parameter": type(value) is torch.nn.Parameter,
                    "requires_grad": bool(value.requires_grad)}
    except Exception:  # bfloat16 and other types numpy cannot hold
        pass
    return _opaque(value)


def decode(obj: Any) -> Any:
    """Rebuild a value from ``encode``'s output (raises ``ValueError`` on anything malformed)."""
    if obj is None or type(obj) in (bool, str, int, float):
        return obj
    if type(obj) is not dict or len(obj) < 1:
        raise ValueError(f"not an encoded value: {type(obj).__name__}")
    if "__float__" in obj:
        return float(obj["__float__"])
    if "__int__" in obj:
        return int(obj["__int__"])
    if "__npscalar__" in obj:
        array = _from_npy(obj["data"])
        if array.shape != () or array.dtype.str != obj["__npscalar__"]:
            raise ValueError("bad numpy scalar")
        return array[()]
    if "__ndarray__" in obj:
        return _from_npy(obj["__ndarray__"])
    if "__list__" in obj:
        return [decode(v) for v in obj["__list__"]]
    if "__tuple__" in obj:
        return tuple(decode(v) for v in obj["__tuple__"])
    if "__dict__" in obj:
        return {_key(decode(k)): decode(v) for k, v in obj["__dict__"]}
    if "__tensor__" in obj:
        import torch
        tensor = torch.from_numpy(_from_npy(obj["__tensor__"]).copy())
        if obj.get("parameter"):
            return torch.nn.Parameter(tensor, requires_grad=bool(obj.get("requires_grad")))
        return tensor.requires_grad_(bool(obj.get("requires_grad"))) if tensor.is_floating_point() else tensor
    if "__opaque__" in obj:
        return Opaque(str(obj["__opaque__"]), str(obj.get("repr", "")))
    raise ValueError(f"unknown encoding {sorted(obj)[:3]}")


def _key(k: Any) -> Any:
    if isinstance(k, list):
        raise ValueError("unhashable dict key")
    return k
