"""sgd_momentum_step[nesterov] (adds dampening and Nesterov): hidden cases and catalogued mistakes."""
from __future__ import annotations

from coursegrader.grading import Exercise
from coursegrader.reference.optim.momentum import sgd_momentum_step
from coursekit.check.tasks.l04_momentum import SGD_MOMENTUM_STEP_NESTEROV

from . import _wrong_steps as wrong
from ._shared import sgd_hidden

EXERCISE = Exercise.of(
    SGD_MOMENTUM_STEP_NESTEROV, reference=sgd_momentum_step, points=4, hidden=lambda: sgd_hidden("nesterov"),
    mistakes=[wrong.DAMPENING_FIRST_STEP, wrong.DAMPENING_IGNORED, wrong.NESTEROV_IGNORED, wrong.LR_IN_BUFFER,
              wrong.STEP_WITH_OLD_BUFFER, wrong.BUFFER_AVERAGED, wrong.NESTEROV_WITHOUT_GRADIENT,
              wrong.DAMPENING_ON_WHOLE_BUFFER, wrong.ASCENT, wrong.BUFFER_AVERAGED_FROM_G])
