"""Expected and received values a student can compare: a trajectory (several steps) is shown one step
per line, numbers whole, in the visible check's message and in the hidden tests' report alike.

Before, show() put the whole pair on one line and cut it at 300 characters, mid-number
("... [ 0.8925 -1.357 ]], {'momentum_buffer': [0.3..."), and Validate then cut that line again."""
import re

import numpy as np

from coursegrader.grading import evaluate as hidden_evaluate
from coursekit.check.verdict.compare import show_block
from coursekit.check.verdict.report import case_text, report
from coursekit.check.visible import evaluate as visible_evaluate
from coursekit.errors import WIDTH, wrap


def moving_average_momentum(params, grad, state, *, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0,
                            nesterov=False):
    """A plausible slip: the buffer as a moving average."""
    buf = state.get("momentum_buffer")
    buf = grad if buf is None else momentum * buf + (1 - momentum) * grad
    return params - lr * buf, ({"momentum_buffer": buf} if momentum else {})


def _rows(lines):
    return [line for line in lines if re.fullmatch(r"\s*\[{1,2}\s*-?\d[\d. e+-]*\]{1,2}", line)]


def test_a_trajectory_is_shown_one_step_per_line():
    traj = np.array([[0.95, -1.1], [0.925, -1.23], [0.8925, -1.357]])
    lines = show_block((traj, {"momentum_buffer": np.array([0.325, 1.27])}))
    assert lines[0] == "a tuple of 2:" and lines[1] == "[0] array(shape=(3, 2), dtype=float64)"
    assert [line.strip() for line in lines[2:5]] == ["[[ 0.95   -1.1   ]", "[ 0.925  -1.23  ]", "[ 0.8925 -1.357 ]]"]
    assert lines[5] == "[1] {'momentum_buffer': [0.325 1.27 ]}"
    assert show_block(np.arange(3.0)) == ["[0. 1. 2.]"] and show_block(2.5) == ["2.5"]
    long = show_block(np.linspace(0, 1, 30) + 1e-3)  # a long vector: wrapped between numbers
    assert len(long) > 2 and all(len(line) <= 72 for line in long)
    assert all(re.fullmatch(r"[\[\]\d. e+-]+|array\(.*\)", line) for line in long), long


def test_the_checks_message_and_the_hidden_report_compare_row_against_row():
    visible = visible_evaluate("sgd_momentum_step[momentum]", moving_average_momentum)
    failed = next(r for r in visible.results if not r.passed)
    text = case_text(visible.task, failed, verbose=True, messages=visible.messages)
    lines = [piece for line in text.splitlines() for piece in wrap(line)]
    assert "..." not in text and max(len(line) for line in lines) <= WIDTH
    expected, received = text.index("expected:"), text.index("received:")
    assert len(_rows(text[expected:received].splitlines())) == len(_rows(text[received:].splitlines())) >= 3
    hidden = report(hidden_evaluate("sgd_momentum_step[momentum]", moving_average_momentum))
    assert not [line for line in hidden.splitlines() if re.search(r"[\d.]\.\.\.$", line)], "a value cut mid-number"
    assert len(_rows(hidden.splitlines())) >= 6
