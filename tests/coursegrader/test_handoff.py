"""What the grading kernel is handed (coursegrader.grading.handoff): every exercise's hidden cases and
how to call its function, loadable without the instructor package, carrying none of its own answers."""
from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from coursegrader.grading import all_exercises, get_exercise
from coursegrader.grading.handoff import callee_kit, callees_to_hand_in, inputs, inputs_of, instructor_code
from coursekit.check.collect import collect
from coursekit.check.hidden import INPUTS_ENV
from coursekit.check.payload import raw_to_json

EXERCISES = [ex.name for ex in all_exercises()]


def _qualname(fn) -> str:
    fn = getattr(fn, "func", fn)  # a partial
    return f"{fn.__module__}.{fn.__qualname__}"


@pytest.mark.parametrize("name", EXERCISES)
def test_no_exercise_is_handed_its_reference_or_a_mistake(name):
    ex = get_exercise(name)
    carried = instructor_code(inputs_of(name))  # also: nothing of coursegrader is pickled by reference
    assert carried.isdisjoint({_qualname(ex.reference), *(_qualname(m.fn) for m in ex.mistakes)})


def test_the_references_handed_in_are_other_functions_of_lessons_graded_up_to_it():
    """Some hidden cases take a reference of another exercise as their input (forward_difference
    differentiates the course's rosenbrock; linear_backward's runner calls linear_forward): listed here,
    each a function of the same lesson or an earlier one, never the exercise's own."""
    by_function = {ex.reference.__name__: ex for ex in all_exercises() if hasattr(ex.reference, "__name__")}
    found = {}
    for ex in all_exercises():
        for qualname in instructor_code(inputs_of(ex.name)):
            if ".reference." in qualname:
                found.setdefault(qualname.rsplit(".", 1)[-1], set()).add(ex.name)
                graded = by_function.get(qualname.rsplit(".", 1)[-1])
                if graded is not None:  # a helper of a reference (batchnorm's _running_stats) is not graded
                    assert graded.name != ex.name and graded.lesson <= ex.lesson, (ex.name, qualname)
    assert set(found) == {"rosenbrock", "rosenbrock_grad", "linear_forward", "relu_forward", "batchnorm_forward",
                          "_running_stats", "layernorm_forward"}


def test_the_kernel_loads_them_without_the_instructor_package(tmp_path):
    """A Python where ``import coursegrader`` fails runs lesson 01's rosenbrock_grad cases from the
    handed-in file and gets, case by case, what the harness gets in this process."""
    path = tmp_path / "inputs.pickle"
    path.write_bytes(inputs(["rosenbrock_grad", "torch_grad"]))
    code = textwrap.dedent("""
        import json, sys
        sys.modules["coursegrader"] = None   # importing it now raises ImportError
        import numpy as np
        from coursekit.check.collect import collect
        from coursekit.check.hidden import handed
        from coursekit.check.payload import raw_to_json

        def rosenbrock_grad(x, a=1.0, b=1.0):
            inner = x[1] - x[0] ** 2
            return np.array([-2.0 * (a - x[0]) - 4.0 * b * x[0] * inner, 2.0 * b * inner])

        task, cases = handed("rosenbrock_grad")
        print(json.dumps([raw_to_json(collect(task, rosenbrock_grad, c)) for c in cases]))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={**os.environ, INPUTS_ENV: str(path)})
    assert out.returncode == 0, out.stderr

    def rosenbrock_grad(x, a=1.0, b=1.0):
        inner = x[1] - x[0] ** 2
        return np.array([-2.0 * (a - x[0]) - 4.0 * b * x[0] * inner, 2.0 * b * inner])

    ex = get_exercise("rosenbrock_grad")
    here = [raw_to_json(collect(ex, rosenbrock_grad, c)) for c in ex.hidden()]
    assert json.loads(out.stdout) == json.loads(json.dumps(here)) and len(here) > 3


def test_a_callee_is_handed_in_only_once_graded():
    """Lesson 03's sgd_linear_regression calls linear_regression_grad: its kit comes with the grade
    cell only when linear_regression_grad's grade cell ran before; a function graded by the cell
    itself, later, or not named in the notebook is never handed in."""
    source = ["def sgd_linear_regression(X, y):\n    g = linear_regression_grad(w, b, X, y)\n    mse_loss(1, 2)"]
    assert callees_to_hand_in(["sgd_linear_regression"], source, ["linear_regression_grad", "mse_loss"]) == \
        ["linear_regression_grad", "mse_loss"]
    assert callees_to_hand_in(["sgd_linear_regression"], source, ["mse_loss"]) == ["mse_loss"]
    assert callees_to_hand_in(["sgd_linear_regression", "linear_regression_grad"], source,
                              ["linear_regression_grad", "mse_loss"]) == ["mse_loss"]
    assert callees_to_hand_in(["sgd_linear_regression"], ["pass"], ["linear_regression_grad"]) == []
    # a function of an earlier lesson counts as graded (lesson 01's rosenbrock_grad from lesson 02)
    assert callees_to_hand_in(["gradient_descent"], ["rosenbrock_grad(x)"], []) == ["rosenbrock_grad"]


def test_a_kit_holds_the_course_function_and_the_callees_answers():
    function, hidden = pickle.loads(callee_kit("linear_regression_grad", "03_sgd"))
    ex = get_exercise("linear_regression_grad")
    task, cases, expected = hidden["linear_regression_grad"]
    assert function.__qualname__ == ex.reference.__qualname__ and function is not ex.reference  # by value
    assert len(cases) == len(expected) == len(list(ex.hidden()))


# -- with the callee service (SafeExecute.callee_service) -------------------------------------------
def _graded_code() -> set[str]:
    """Every reference and catalogued mistake of the course, by qualified name."""
    found = set()
    for ex in all_exercises():
        found.add(_qualname(ex.reference))
        found |= {_qualname(m.fn) for m in ex.mistakes}
    return found


@pytest.mark.parametrize("name", EXERCISES)
def test_with_the_service_no_graded_function_or_mistake_is_handed_in(name):
    """All 70 exercises: their cases, and their kits as a callee, carry no reference of any graded
    function (other exercises' included: a hidden case taking the course's rosenbrock gets a proxy),
    no catalogued mistake and no answer; what the service serves for a cell is never the exercise itself."""
    from coursegrader.grading.handoff import served_inputs, served_inputs_of, served_kit
    from coursekit.check.callees import function_name
    from coursekit.check.tasks import all_tasks

    ex = get_exercise(name)
    graded = _graded_code()
    own = function_name(name)
    assert instructor_code(served_inputs_of(name)[0]).isdisjoint(graded)
    kit = served_kit(own, ex.lesson)[0]
    assert instructor_code(kit).isdisjoint(graded)
    marker, hidden = pickle.loads(kit)
    assert all(len(found) == 2 for found in hidden.values())  # (task, cases): no answers
    callees = sorted({function_name(t.name) for t in all_tasks() if t.lesson <= ex.lesson} - {own})
    served = served_inputs([name], callees[:3])
    assert own not in served.functions and own not in served.judged


def test_with_the_service_the_inputs_that_were_references_are_proxies():
    """The hidden cases that took another graded function's reference as input (listed by
    test_the_references_handed_in_are_other_functions_of_lessons_graded_up_to_it) get a proxy of
    the same name: the kernel asks the service for its values."""
    from coursegrader.grading.handoff import served_inputs_of

    def graded(key):
        return {name for name in served_inputs_of(key)[1] if ":" not in name}  # the test functions: module:name

    assert graded("forward_difference") == {"rosenbrock"}
    assert graded("gradient_descent") == {"rosenbrock_grad"}
    assert graded("linear_backward") == {"linear_forward"}
    assert served_inputs_of("rosenbrock_grad")[1] == set()
    # gradient_check's test function calls rosenbrock_grad's catalogued mistake: served, not handed in
    assert {n for n in served_inputs_of("gradient_check")[1] if ":" in n} == \
        {"coursegrader.exercises.l01_gradients.gradient_check:rosenbrock_grad_no_chain"}
    assert {n for n in served_inputs_of("torch_grad")[1] if ":" in n} == set()  # run by autograd in the kernel


@pytest.mark.parametrize("name", EXERCISES)
def test_with_the_service_the_cases_give_the_same_results(name, tmp_path, monkeypatch):
    """All 70 exercises: the course's function run on the cases as the service hands them in (proxies
    in place of other graded functions, answered by a live service) gives, case by case, what it gives
    on the cases as handed in with kits: the recorded results cannot change."""
    from coursegrader.grading.autograde.callee_service import CalleeService
    from coursegrader.grading.handoff import served_inputs
    from coursekit.check.service import SERVICE_ENV

    ex = get_exercise(name)
    served = served_inputs([name])
    monkeypatch.setenv(SERVICE_ENV, str(tmp_path / "callees.sock"))
    # in this order: cloudpickle, loading a class it pickled by value in the process that has it, sets
    # the loaded methods on the live class (gradient_descent's RosenGrad): each run right after its load
    plain_task, plain_cases, _ = pickle.loads(inputs_of(name))
    want = [raw_to_json(collect(plain_task, ex.reference, c)) for c in plain_cases]
    task, cases, _ = pickle.loads(pickle.loads(served.data)["inputs"][name])
    with CalleeService(tmp_path / "callees.sock", served.functions):
        got = [raw_to_json(collect(task, ex.reference, c)) for c in cases]
    pickle.loads(inputs_of(name))  # the live classes as they were for the other tests
    assert json.loads(json.dumps(got)) == json.loads(json.dumps(want))
    assert len(got) == len(list(ex.hidden()))
