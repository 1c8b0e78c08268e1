"""Hostile submissions, autograded by nbgrader's own autograde (through make grade's client, 2 workers).

One class of students, each starting from the full solutions of lesson 01 (17 points) and
doing one hostile thing. For each: the score is what the honest part of the work earns (the
exploited exercise gets what its real results earn, usually 0), grading finishes, the other
students are graded normally, and no file outside the student's own folder changes.
Cases that need the sandbox (memory cap, filesystem, network) are skipped without bwrap.
"""
from __future__ import annotations

import pathlib
import socket
import subprocess
import sys
import textwrap
import threading
import uuid

import nbformat
import numpy as np
import pytest

from coursegrader.grading import evaluate
from coursegrader.grading.autograde import sandbox
from coursegrader.grading.cluster.client import autograde_lesson

from gradingkit import LESSON, POINTS, Submission, cell_text, code_cell, fingerprint, make_course, markdown_cell, scores
from reference import matches, snapshot

SANDBOX = sandbox.available()
needs_sandbox = pytest.mark.skipif(not SANDBOX, reason=f"no sandbox: {sandbox.unavailable_reason()}")

WRONG = {  # honest but wrong answers; what they earn is computed with the harness itself
    "rosenbrock": "def rosenbrock(x, a=1.0, b=1.0):\n    return 0.0\n",
    "rosenbrock_grad": "def rosenbrock_grad(x, a=1.0, b=1.0):\n    return np.zeros(2)\n",
    "forward_difference": "def forward_difference(f, x, eps=1e-6):\n    return np.zeros(np.shape(x))\n",
    "gradient_check": "def gradient_check(f, grad_f, x, eps=1e-5):\n    return 0.0\n",
    "torch_grad": "def torch_grad(f, x):\n    return np.zeros(np.shape(x))\n",
}


def earns(name: str) -> float:
    import torch
    namespace = {"np": np, "torch": torch}
    exec(WRONG[name], namespace)
    return evaluate(name, namespace[name]).score


def full(**changes) -> dict:
    """The full-marks score sheet with some exercises' scores changed."""
    sheet = dict(POINTS)
    sheet.update({f"{k}_grade": v for k, v in changes.items()})
    return sheet


class Listener:
    """A TCP server on the host's loopback that counts connections (none must arrive)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.sock.settimeout(0.5)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while self.running:
            try:
                conn, _ = self.sock.accept()
                self.connections += 1
                conn.close()
            except OSError:
                pass

    def close(self):
        self.running = False
        self.thread.join()
        self.sock.close()


def build_class(course, outside, listener):
    """{student: (submission, expected scores)}. Exploits of different exercises share a student
    (grading is per exercise), which keeps the class, and the test, small."""
    plan = {"honest": (Submission(course), full())}

    plan["loop"] = (Submission(course).prepend("rosenbrock", "while True:\n    pass"), full(rosenbrock=0))
    plan["hang"] = (Submission(course).prepend("rosenbrock_grad", textwrap.dedent("""
        import signal
        signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C (the interrupt on timeout) ignored
        while True:
            pass""")), full(rosenbrock_grad=0))

    # sys.exit() at module level and inside a graded function; os._exit() in both places
    plan["exits"] = (Submission(course).prepend("rosenbrock", "import sys\nsys.exit(1)")
                     .solve("rosenbrock_grad", "def rosenbrock_grad(x, a=1.0, b=1.0):\n    import sys\n    sys.exit(3)")
                     .solve("forward_difference",
                            "def forward_difference(f, x, eps=1e-6):\n    import os\n    os._exit(0)")
                     .prepend("gradient_check", "import os\nos._exit(1)"),
                     full(rosenbrock=0, rosenbrock_grad=0, forward_difference=0, gradient_check=0))

    # huge output, stderr and warnings (cost nothing), a memory hog (its exercise earns 0)
    plan["noise"] = (Submission(course).solve("rosenbrock", textwrap.dedent("""
        import sys
        for i in range(200_000):
            print("spam line", i)
        sys.stderr.write("e" * 1_000_000)

        def rosenbrock(x, a=1.0, b=1.0):
            print("x" * 20_000)   # a long line on every call (the demos call it hundreds of times)
            return float((a - x[0]) ** 2 + b * (x[1] - x[0] ** 2) ** 2)"""))
        .solve("rosenbrock_grad", textwrap.dedent("""
        import sys, warnings
        print("module-level stderr", file=sys.stderr)
        warnings.warn("module-level warning")

        def rosenbrock_grad(x, a=1.0, b=1.0):
            print("debugging", x, file=sys.stderr)
            warnings.warn("a warning while graded")
            np.log(np.array([-1.0]))   # a RuntimeWarning from numpy
            inner = x[1] - x[0] ** 2
            return np.array([-2.0 * (a - x[0]) - 4.0 * b * x[0] * inner, 2.0 * b * inner])"""))
        .solve("torch_grad", textwrap.dedent("""
        def torch_grad(f, x):
            hog = [np.empty(2 ** 27) for _ in range(10 ** 6)]   # 1 GiB each
            return hog""")), full(torch_grad=0))

    # test cells deleted (rosenbrock), edited (rosenbrock_grad), duplicated (forward_difference),
    # retyped to markdown (gradient_check); the last three with a wrong answer they try to hide
    tests = (Submission(course).solve("rosenbrock_grad", WRONG["rosenbrock_grad"])
             .solve("forward_difference", WRONG["forward_difference"]).solve("gradient_check", WRONG["gradient_check"]))
    for grade_id in ("rosenbrock_check", "rosenbrock_grade", "central_difference_grade"):
        tests.delete(grade_id)
    tests.cell("rosenbrock_grad_grade").source = "3.0"
    tests.cell("rosenbrock_grad_check").source = "pass"
    meta = tests.cell("forward_difference_grade").metadata["nbgrader"]
    tests.insert_before("forward_difference_grade", code_cell("3.0", meta))
    tests.nb.cells.insert(tests.index("forward_difference_grade") + 1, code_cell("3.0", meta))
    i = tests.index("gradient_check_grade")
    tests.nb.cells[i] = markdown_cell("3.0", tests.nb.cells[i].metadata["nbgrader"])
    plan["tests_tampered"] = (tests, full(rosenbrock_grad=earns("rosenbrock_grad"),
                                          forward_difference=earns("forward_difference"),
                                          gradient_check=earns("gradient_check")))

    # wrong answers behind patched numpy, torch and coursegrader.grading comparisons
    plan["patches"] = (Submission(course).solve("rosenbrock", WRONG["rosenbrock"] + textwrap.dedent("""
        np.allclose = lambda *a, **k: True
        np.isclose = lambda a, b, *r, **k: np.ones(np.shape(a), dtype=bool)
        np.array_equal = lambda *a, **k: True
        np.testing.assert_allclose = lambda *a, **k: None
        np.abs = lambda v, *a, **k: np.zeros(np.shape(v))"""))
        .solve("torch_grad", WRONG["torch_grad"] + textwrap.dedent("""
        torch.allclose = lambda *a, **k: True
        torch.equal = lambda *a, **k: True
        torch.isclose = lambda a, b, *r, **k: torch.ones(a.shape, dtype=torch.bool)
        torch.testing.assert_close = lambda *a, **k: None"""))
        .solve("forward_difference", WRONG["forward_difference"] + textwrap.dedent("""
        import coursekit.check.verdict.compare, coursekit.check.verdict.judge
        coursekit.check.verdict.compare.compare = lambda *a, **k: None    # "everything matches"
        coursekit.check.verdict.judge.compare = lambda *a, **k: None
        coursekit.check.verdict.judge.match_mistake = lambda *a, **k: None""")),
                       full(rosenbrock=earns("rosenbrock"), torch_grad=earns("torch_grad"),
                            forward_difference=earns("forward_difference")))
    plan["replace_grader"] = (Submission(course).solve("gradient_check", WRONG["gradient_check"] + textwrap.dedent("""
        import coursegrader.grading
        def grade(name, fn):
            return {"gradient_check": 3.0, "torch_grad": 3.0}.get(name, 0.0)
        coursegrader.grading.grade = coursegrader.grading.kernel.grade.grade = grade
        # and, for good measure, rewrite every later cell that grades into a bare full score
        get_ipython().input_transformers_cleanup.append(
            lambda lines: ["3.0\\n"] if any("grade(" in l for l in lines) else lines)""")),
                              full(gradient_check=0, torch_grad=0))
    plan["delegates"] = (Submission(course)
                         .solve("rosenbrock", "from coursegrader.reference.rosenbrock import rosenbrock as _rb\n"
                                              "def rosenbrock(x, a=1.0, b=1.0):\n    return _rb(x, a, b)")
                         .solve("forward_difference", "import coursegrader.reference.gradients\n"
                                "def forward_difference(f, x, eps=1e-6):\n"
                                "    return coursegrader.reference.gradients.forward_difference(f, x, eps)"),
                         full(rosenbrock=0, forward_difference=0))
    if SANDBOX:  # reads the course, writes and deletes outside its folder, goes online
        escape = Submission(course).solve("gradient_check", textwrap.dedent(f"""
            import pathlib
            _course = pathlib.Path({str(course)!r})
            _seen = []
            for _p in [_course / "gradebook.db", _course / "source/{LESSON}/{LESSON}.ipynb",
                       _course / "submitted/honest/{LESSON}/{LESSON}.ipynb", pathlib.Path("../../../gradebook.db"),
                       pathlib.Path("../../../source/{LESSON}/{LESSON}.ipynb"),
                       pathlib.Path({str(outside)!r}) / "secret.txt"]:
                try:
                    _p.read_bytes()
                    _seen.append(str(_p))
                except OSError:
                    pass
            if _seen:   # could read the instructor's files: use the instructor's solution
                import json
                _src = json.loads((_course / "source/{LESSON}/{LESSON}.ipynb").read_text())
                exec(next("".join(c["source"]) for c in _src["cells"]
                          if c["metadata"].get("nbgrader", {{}}).get("grade_id") == "gradient_check_solution"))
            else:
            """) + textwrap.indent(WRONG["gradient_check"], "    "))
        escape.prepend("rosenbrock", textwrap.dedent(f"""
            import os, pathlib, shutil
            _course, _outside = pathlib.Path({str(course)!r}), pathlib.Path({str(outside)!r})
            for _t in [_course / "gradebook.db", _course / "source/{LESSON}/{LESSON}.ipynb",
                       _course / "submitted/honest/{LESSON}/{LESSON}.ipynb",
                       _course / "release/{LESSON}/{LESSON}.ipynb",
                       _course / "nbgrader_config.py", _outside / "secret.txt", pathlib.Path("../../../gradebook.db")]:
                for _action in (lambda t: t.write_text("pwned"), lambda t: t.unlink()):
                    try:
                        _action(_t)
                    except OSError:
                        pass
            for _d in [_course / "source", _course / "submitted", _outside]:
                shutil.rmtree(_d, ignore_errors=True)
            for _new in [_outside / "new.txt", pathlib.Path("/tmp/{MARKER}"), _course / "planted.py",
                         pathlib.Path("../../honest/planted.txt")]:
                try:
                    _new.write_text("pwned")
                except OSError:
                    pass
            pathlib.Path("my_own_scratch.txt").write_text("allowed")"""))
        escape.solve("torch_grad", textwrap.dedent(f"""
            import socket
            _reached = []
            for _addr in [("127.0.0.1", {listener.port}), ("1.1.1.1", 53), ("8.8.8.8", 443)]:
                try:
                    socket.create_connection(_addr, timeout=2).close()
                    _reached.append(_addr)
                except OSError:
                    pass
            if _reached:   # online: fetch the answer from somewhere
                def torch_grad(f, x):
                    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
                    f(xt).backward()
                    return xt.grad.numpy().copy()
            else:
            """) + textwrap.indent(WRONG["torch_grad"], "    "))
        plan["escape"] = (escape, full(gradient_check=earns("gradient_check"), torch_grad=earns("torch_grad")))
    return plan


MARKER = f"coursekit-hostile-{uuid.uuid4().hex}"


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = make_course(tmp_path_factory.mktemp("hostile") / "course")
    outside = tmp_path_factory.mktemp("outside")
    (outside / "secret.txt").write_text("the instructor's notes")
    listener = Listener()
    try:
        plan = build_class(course, outside, listener)
        for student, (submission, _) in plan.items():
            submission.write(course, student)
        before = fingerprint(course, skip=["autograded", "gradebook.db", ".nbgrader.log"])
        outside_before = fingerprint(outside)
        outcomes = autograde_lesson(course, LESSON, workers=2, timeout=20, progress=False, feedback=False,
                                csv_path=tmp_path_factory.mktemp("summary") / "grades.csv")
    finally:
        listener.close()
    return {"course": course, "outside": outside, "plan": plan, "outcomes": outcomes, "before": before,
            "outside_before": outside_before, "connections": listener.connections}


def test_every_submission_is_graded(graded):
    outcomes = graded["outcomes"]
    assert sorted(o.student for o in outcomes) == sorted(graded["plan"])
    assert [o for o in outcomes if not o.ok] == []


@pytest.mark.parametrize("student", ["honest", "loop", "hang", "exits", "noise", "tests_tampered", "patches",
                                     "replace_grader", "delegates", pytest.param("escape", marks=needs_sandbox)])
def test_score_is_what_the_honest_work_earns(graded, student):
    _, expected = graded["plan"][student]
    assert scores(graded["course"], student) == pytest.approx(expected, abs=1e-9)


def test_reports_say_what_happened(graded):
    course = graded["course"]
    assert "did not stop when interrupted" in cell_text(course, "hang", "rosenbrock_grad_solution")
    assert "KernelDied" in cell_text(course, "exits", "forward_difference_grade")
    assert "called sys.exit()" in cell_text(course, "exits", "rosenbrock_grad_grade")
    assert "MemoryError" in cell_text(course, "noise", "torch_grad_grade")
    assert "calls coursegrader.reference.rosenbrock.rosenbrock" in cell_text(course, "delegates", "rosenbrock_grade")
    assert "calls coursegrader.reference.gradients.forward_difference" in cell_text(course, "delegates",
                                                                                    "forward_difference_grade")
    for grade_id in ("rosenbrock_grade", "torch_grad_grade", "forward_difference_grade"):
        # the grading kernel compares nothing (issue 29): the patched comparisons change no grade,
        # and the cell claims no score a note could contradict (it did while the kernel judged)
        assert "changed the grading" not in cell_text(course, "patches", grade_id)
    for grade_id in ("gradient_check_grade", "torch_grad_grade"):
        assert "no verified results" in cell_text(course, "replace_grader", grade_id)
    noisy = cell_text(course, "noise", "rosenbrock_grad_grade")
    assert "Score: 3 / 3" in noisy and "✗" not in noisy


def test_huge_output_is_bounded(graded):
    path = graded["course"] / "autograded" / "noise" / LESSON / f"{LESSON}.ipynb"
    assert path.stat().st_size < 2_000_000
    nbformat.validate(nbformat.read(path, as_version=4))


@needs_sandbox
def test_nothing_outside_the_submission_changed(graded):
    course = graded["course"]
    assert fingerprint(course, skip=["autograded", "gradebook.db", ".nbgrader.log"]) == graded["before"]
    assert fingerprint(graded["outside"]) == graded["outside_before"]
    assert not (course / "planted.py").exists() and not (course / "autograded" / "honest" / "planted.txt").exists()
    assert not (pathlib.Path("/tmp") / MARKER).exists()
    own = course / "autograded" / "escape" / LESSON / "my_own_scratch.txt"
    assert own.read_text() == "allowed"  # its own folder stays writable
    assert graded["connections"] == 0


def test_sandbox_caps_memory_and_network(tmp_path):
    if not SANDBOX:
        pytest.skip(f"no sandbox: {sandbox.unavailable_reason()}")
    probe = pathlib.Path(__file__).parent / f".sandbox-probe-{uuid.uuid4().hex}"  # not in /tmp: that is private
    code = textwrap.dedent("""
        import socket
        try:
            bytearray(6 * 2 ** 30)
            print("allocated")
        except MemoryError:
            print("MemoryError")
        try:
            socket.create_connection(("1.1.1.1", 53), timeout=2)
            print("online")
        except OSError as exc:
            print("offline", exc.errno)
        open("inside.txt", "w").write("ok")
        try:
            open(PROBE, "w").write("no")
            print("wrote outside")
        except OSError:
            print("read-only outside")
    """).replace("PROBE", repr(str(probe)))
    work, private = tmp_path / "work", tmp_path / "private"
    work.mkdir()
    private.mkdir()
    cmd = sandbox.command([sys.executable, "-c", code], workdir=work, private=private, memory_limit=4 * 2 ** 30)
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=60).stdout.split("\n")
    assert out[0] == "MemoryError" and out[1].startswith("offline") and out[2] == "read-only outside", out
    assert (work / "inside.txt").read_text() == "ok" and not probe.exists()


def test_scores_and_reports_match_the_reference(graded):
    """Every student's scores and grade-cell reports are those recorded before the grading core was
    redrawn (tests/reference_results/hostile.json)."""
    matches("hostile", snapshot(graded["course"], LESSON))
