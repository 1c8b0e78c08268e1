"""sgd_momentum_step[momentum] (lr and momentum only): hidden cases and catalogued mistakes."""
from __future__ import annotations

from coursegrader.grading import Exercise
from coursegrader.reference.optim.momentum import sgd_momentum_step
from coursekit.check.tasks.l04_momentum import SGD_MOMENTUM_STEP_MOMENTUM

from . import _wrong_steps as wrong
from ._shared import sgd_hidden

EXERCISE = Exercise.of(
    SGD_MOMENTUM_STEP_MOMENTUM, reference=sgd_momentum_step, points=4, hidden=lambda: sgd_hidden("momentum"),
    mistakes=[wrong.LR_IN_BUFFER, wrong.STATE_NOT_KEPT, wrong.STEP_WITH_OLD_BUFFER, wrong.BUFFER_AVERAGED,
              wrong.ASCENT, wrong.BUFFER_AVERAGED_FROM_G])
