"""sgd_momentum_step (every option of torch.optim.SGD): hidden cases and catalogued mistakes."""
from __future__ import annotations

from coursegrader.grading import Exercise
from coursegrader.reference.optim.momentum import sgd_momentum_step
from coursekit.check.tasks.l04_momentum import SGD_MOMENTUM_STEP

from . import _wrong_steps as wrong
from ._shared import sgd_hidden

EXERCISE = Exercise.of(
    SGD_MOMENTUM_STEP, reference=sgd_momentum_step, points=4, hidden=lambda: sgd_hidden("full"),
    mistakes=[wrong.WEIGHT_DECAY_AFTER_MOMENTUM, wrong.DAMPENING_FIRST_STEP, wrong.NESTEROV_IGNORED,
              wrong.LR_IN_BUFFER, wrong.DAMPENING_IGNORED, wrong.BUFFER_AVERAGED, wrong.NESTEROV_WITHOUT_GRADIENT,
              wrong.DAMPENING_ON_WHOLE_BUFFER, wrong.WEIGHT_DECAY_SIGN, wrong.ASCENT, wrong.STATE_NOT_KEPT,
              wrong.STEP_WITH_OLD_BUFFER, wrong.BUFFER_AVERAGED_FROM_G])
