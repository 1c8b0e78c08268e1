"""The callee service (issue 29, Deliver 2): the course's callees served to the grading kernel as values.

The service runs in the grader's process; the kernel's proxy sends arguments as values and gets the
course's value back (and the arguments the course's function changed in place). It serves only the
names it was opened with, answers whether a student's callee is wrong with one bit (the first answer
stands), and survives garbage, huge and malicious messages: it never unpickles what the kernel sends.
"""
from __future__ import annotations

import base64
import io
import json
import os
import pickle
import socket
import struct
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch

from coursegrader.grading import get_exercise
from coursegrader.grading.autograde.callee_service import CalleeService, registry_judge
from coursekit.check.collect import collect
from coursekit.check.service import MAX_FRAME, SERVICE_ENV, CalleeProxy, ServiceError, ask, receive, send


@pytest.fixture
def served(tmp_path):
    def opened(functions, judges=()):
        service = CalleeService(tmp_path / "callees.sock", functions, judges)
        service.start()
        opened.services.append(service)
        return service, str(tmp_path / "callees.sock")

    opened.services = []
    yield opened
    for service in opened.services:
        service.stop()


def test_a_served_callee_gives_the_course_value(served):
    reference = get_exercise("linear_regression_grad").reference
    _, path = served({"linear_regression_grad": reference})
    proxy = CalleeProxy("linear_regression_grad", path)
    rng = np.random.default_rng(0)
    X, y, w = rng.normal(size=(20, 3)), rng.normal(size=20), rng.normal(size=3)
    got, want = proxy(w, 0.5, X, y), reference(w, 0.5, X, y)
    assert type(got) is type(want) and len(got) == 2
    assert np.array_equal(got[0], want[0]) and got[1] == want[1]  # exact: the same function on the same bytes


def test_arguments_changed_in_place_come_back_into_the_callers_objects(served):
    def step(params, grads, state, lr=0.1):  # an optimizer step updating its arrays and its state in place
        for p, g in zip(params, grads):
            p -= lr * g
        state["t"] = state.get("t", 0) + 1
        state.setdefault("m", []).append(1.0)
        return None

    _, path = served({"step": step})
    params = [np.ones(3), torch.ones(2, dtype=torch.float64)]
    inner = params[0]
    state = {"t": 4}
    CalleeProxy("step", path)(params, [np.full(3, 2.0), torch.full((2,), 3.0, dtype=torch.float64)], state, lr=0.5)
    assert params[0] is inner and np.array_equal(inner, np.zeros(3))  # the caller's own array, updated
    assert torch.equal(params[1], torch.full((2,), -0.5, dtype=torch.float64))
    assert state == {"t": 5, "m": [1.0]}


def test_an_error_of_the_course_function_is_raised_in_the_kernel(served):
    def strict(x):
        raise ValueError("x must be positive")

    _, path = served({"strict": strict})
    with pytest.raises(ValueError, match="x must be positive"):
        CalleeProxy("strict", path)(-1)


def test_a_name_not_served_is_refused(served):
    """The names of the functions a cell grades are never in the service (handoff.served_inputs):
    asking for one is refused, for a call and for the bit."""
    service, path = served({"rosenbrock": get_exercise("rosenbrock").reference})
    with pytest.raises(ServiceError, match="not served"):
        CalleeProxy("rosenbrock_grad", path)(np.zeros(2))
    with pytest.raises(ServiceError, match="not judged"):
        ask(path, {"op": "wrong", "name": "rosenbrock", "results": {}})
    assert float(CalleeProxy("rosenbrock", path)(np.array([1.0, 1.0]))) == 0.0


def test_closed_means_refused(tmp_path):
    service = CalleeService(tmp_path / "callees.sock", {"f": abs})
    service.start()
    service.stop()
    assert not (tmp_path / "callees.sock").exists()
    with pytest.raises(ServiceError, match="not open"):
        CalleeProxy("f", str(tmp_path / "callees.sock"))(-1)
    with pytest.raises(ServiceError, match="not set"):
        CalleeProxy("f")(-1)  # in a kernel without the service's socket


def _raw(path: str, data: bytes, read: bool = True):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(10)
        sock.connect(path)
        sock.sendall(data)
        if read:
            sock.shutdown(socket.SHUT_WR)
            return receive(sock)
        return None


def _frame(body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + body


class _Planted:
    """Unpickling this writes a file: a pickle from the kernel would run the kernel's code."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_the_grader_survives_garbage_huge_and_malicious_messages(served, tmp_path):
    service, path = served({"double": lambda x: x * 2})
    planted = tmp_path / "planted"
    evil = pickle.dumps(_Planted(str(planted)))
    buffer = io.BytesIO()
    np.save(buffer, np.array([_Planted(str(planted))], dtype=object), allow_pickle=True)
    object_npy = base64.b64encode(buffer.getvalue()).decode()
    refused = [
        _frame(b"\xff\xfe not json"),
        _frame(evil),  # a raw pickle
        _frame(json.dumps({"op": "call", "name": "double", "args": [{"__ndarray__": object_npy}]}).encode()),
        _frame(json.dumps({"op": "call", "name": "double", "args": [{"__opaque__": "x.Y", "repr": "?"}]}).encode()),
        _frame(json.dumps({"op": "call", "name": "double", "args": [{"__pickle__": "gASVAAAAAA=="}]}).encode()),
        _frame(json.dumps({"op": "call", "name": "double", "args": "1"}).encode()),
        _frame(json.dumps({"op": "call", "name": "double", "args": [1], "score": 3}).encode()),
        _frame(json.dumps(["op", "call"]).encode()),
        _frame(b"[" * 100_000 + b"]" * 100_000),  # nesting too deep to parse
        _frame(json.dumps({"op": "call", "name": "double",
                           "args": [{"__list__": [{"__list__": []}]}] * 3 + [{"__tensor__": "!!"}]}).encode()),
    ]
    for data in refused:
        assert "refused" in _raw(path, data), data[:60]
    # a length over the limit is refused before anything is read (no 4 GB buffer in the grader)
    assert "refused" in _raw(path, struct.pack(">I", MAX_FRAME + 1) + b"{}")
    # a message that stops in the middle, and one that never comes: the service goes on
    _raw(path, struct.pack(">I", 1000) + b"{", read=False)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as idle:
        idle.connect(path)
    assert not planted.exists()
    assert CalleeProxy("double", path)(np.arange(3)).tolist() == [0, 2, 4]
    assert service.requests >= len(refused) + 2
    with pytest.raises(ServiceError, match="limit"):  # the kernel's side refuses to send one either
        send(socket.socket(socket.AF_UNIX), {"x": "a" * (MAX_FRAME + 1)})


def test_wrong_is_one_bit_judged_outside_and_the_first_answer_stands(served):
    ex = get_exercise("linear_regression_grad")
    cases = list(ex.hidden())

    def results(fn):
        from coursekit.check.payload import raw_to_json

        return {"linear_regression_grad": [raw_to_json(collect(ex, fn, c)) for c in cases]}

    def slip(w, b, X, y):  # lesson 03's slip: db without its factor 2
        r = X @ w + b - y
        return 2.0 / len(y) * (X.T @ r), float(1.0 / len(y) * r.sum())

    judge = registry_judge("linear_regression_grad", "03_sgd")
    _, path = served({}, {"linear_regression_grad": judge})
    right = results(ex.reference)
    assert ask(path, {"op": "wrong", "name": "linear_regression_grad", "results": right}) == {"wrong": False}
    # asked again with other results (searching the answers one bit at a time): the same bit
    assert ask(path, {"op": "wrong", "name": "linear_regression_grad", "results": results(slip)}) == \
        {"wrong": False}
    _, other = served({}, {"linear_regression_grad": judge})
    other_path = other
    assert ask(other_path, {"op": "wrong", "name": "linear_regression_grad", "results": results(slip)}) == \
        {"wrong": True}
    # the answer carries no value: only the bit
    assert judge({"linear_regression_grad": right["linear_regression_grad"][:-1]}) is True  # a case missing


def test_a_kernel_without_coursegrader_uses_the_proxy(served, tmp_path):
    """The proxy is the student package's: a Python where ``import coursegrader`` fails gets the
    course's value through it, and a pickled proxy carries its name only."""
    reference = get_exercise("rosenbrock").reference
    _, path = served({"rosenbrock": reference})
    code = textwrap.dedent("""
        import pickle, sys
        sys.modules["coursegrader"] = None
        import numpy as np
        proxy = pickle.loads(sys.stdin.buffer.read())
        print(repr(float(proxy(np.array([0.5, -0.25])))))
    """)
    data = pickle.dumps(CalleeProxy("rosenbrock", "/nonexistent"))
    assert b"/nonexistent" not in data and b"coursegrader" not in data
    out = subprocess.run([sys.executable, "-c", code], input=data, capture_output=True, timeout=60,
                         env={**os.environ, SERVICE_ENV: path})
    assert out.returncode == 0, out.stderr
    assert float(out.stdout) == float(reference(np.array([0.5, -0.25])))


def _opaque_inside(obj) -> bool:
    if isinstance(obj, dict):
        return "__opaque__" in obj or any(_opaque_inside(v) for v in obj.values())
    if isinstance(obj, list):
        return any(_opaque_inside(v) for v in obj)
    return False


def test_every_call_the_course_makes_to_a_graded_callee_travels_as_values():
    """The course's callers (each exercise's reference, on its hidden cases) call graded callees with
    arguments the service carries exactly (values, a module's parameters for lesson 10's ``freeze``,
    a served callee by name), and get back values or one of their own arguments: found by running
    them, not listed by hand. The pairs found are the cascades the tests of issue 21 grade."""
    from coursegrader.grading import all_exercises
    from coursegrader.grading.handoff import graded_references
    from coursekit.check.callees import graded_callees
    from coursekit.check.service import encode_argument
    from coursekit.check.tasks import GradedFunctions

    pairs, unservable = set(), []
    references = graded_references()
    for ex in all_exercises():
        found = graded_callees(ex.reference, GradedFunctions(ex.lesson))
        for name, namespaces in found.items():
            original = namespaces[0][name]
            calls = []

            def recorder(*args, _original=original, _calls=calls, **kwargs):
                def as_in_kernel(a):  # a graded function given as a case's input is a proxy there
                    name = references.get(id(a)) if callable(a) else None
                    return CalleeProxy(name) if name else a

                sent = [encode_argument(as_in_kernel(a)) for a in [*args, *kwargs.values()]]
                value = _original(*args, **kwargs)
                returned = any(value is a for a in [*args, *kwargs.values()])
                _calls.append((sent, returned or not _opaque_inside(wire_encode(value))))
                return value

            saved = [(namespace, namespace[name]) for namespace in namespaces]
            for namespace in namespaces:
                namespace[name] = recorder
            try:
                for case in ex.hidden():
                    try:
                        ex.call(ex.reference, case)
                    except Exception:  # noqa: BLE001 - a case the reference refuses: its calls still count
                        pass
            finally:
                for namespace, value in saved:
                    namespace[name] = value
            if calls:
                pairs.add((function_name(ex.name), name))
            if any(_opaque_inside(sent) or not back or _unknown_function(sent) for sent, back in calls):
                unservable.append((ex.name, name))
    assert unservable == [], unservable
    assert {("sgd_linear_regression", "linear_regression_grad"), ("transfer_model", "freeze"),
            ("greedy_layerwise_pretrain", "freeze")} <= pairs, pairs


def _unknown_function(sent) -> bool:
    from coursegrader.grading.autograde.callee_service import case_functions
    from coursekit.check.service import FUNCTION

    return any(isinstance(a, dict) and FUNCTION in a and a[FUNCTION] not in case_functions() for a in sent)


def wire_encode(value):
    from coursekit.check import wire

    return wire.encode(value)


def function_name(key):
    return key.split("[", 1)[0]


def test_a_module_travels_as_its_parameters_and_freeze_is_exact(served):
    """Lesson 10's ``freeze`` works in place on a module: the service gets the module's parameters
    (values and flags) only, runs the course's ``freeze`` on a module holding them under the same
    names, and the caller's own module comes back frozen; ``freeze`` returns the caller's module."""
    from torch import nn

    reference = get_exercise("freeze").reference
    _, path = served({"freeze": reference})
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Sequential(nn.Linear(4, 2)))
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    mine = nn.Sequential(*[m for m in model])  # the caller's objects
    assert CalleeProxy("freeze", path)(mine) is mine
    assert all(not p.requires_grad for p in mine.parameters()) and len(list(mine.parameters())) == 6
    assert all(torch.equal(p, before[n]) for n, p in mine.named_parameters())
    assert isinstance(mine[3][0], nn.Linear)  # the caller's modules themselves, untouched otherwise
