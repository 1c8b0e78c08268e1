"""grad_scaler_update: hidden cases and catalogued mistakes."""
from __future__ import annotations

import numpy as np

from coursegrader.grading import Case, Exercise, Mistake
from coursegrader.reference.loss_scaling import grad_scaler_update
from coursekit.check.tasks.l12_sharpness_and_stability import GRAD_SCALER_UPDATE, flags


def random_flags(seed, n, p):
    """``n`` overflow flags, each True with probability ``p``, from a fixed seed."""
    return list(np.random.default_rng(seed).random(n) < p)


def hidden_cases():
    """Each case: the found_inf flag of every step (``found_infs``) and the hyper-parameters."""
    long_run = [False] * 4500
    long_run[1000] = True
    return [
        Case("defaults, 4500 steps, one overflow at step 1001: halved there, grown back at step 3001",
             kwargs={"found_infs": long_run}),
        Case("defaults, 4001 clean steps: the scale doubles at steps 2000 and 4000",
             kwargs={"found_infs": [False] * 4001}),
        Case("growth_interval=4, growth_factor=4, backoff_factor=0.25, 40 random steps (20% overflows)",
             kwargs={"found_infs": random_flags(1250, 40, 0.2), "growth_interval": 4, "growth_factor": 4.0,
                     "backoff_factor": 0.25}),
        Case("init_scale=1024, growth_interval=2, 30 random steps (30% overflows)",
             kwargs={"found_infs": random_flags(1251, 30, 0.3), "init_scale": 1024.0, "growth_interval": 2}),
        Case("init_scale=10, growth_factor=1.5, backoff_factor=0.7, growth_interval=3, 25 random steps",
             kwargs={"found_infs": random_flags(1252, 25, 0.25), "init_scale": 10.0, "growth_factor": 1.5,
                     "backoff_factor": 0.7, "growth_interval": 3}),
        Case("growth_interval=1: every clean step grows",
             kwargs={"found_infs": flags("...x..x."), "growth_interval": 1}),
        Case("growth_interval=5, steps . . . . x . . . . . . . . . . (an overflow one step before growth)",
             kwargs={"found_infs": flags("....x.........."), "growth_interval": 5}),
        Case("20 overflows in a row: 65536 halved 20 times", kwargs={"found_infs": flags("x" * 20)}),
        Case("growth_interval=3, first step clean then overflows and clean steps",
             kwargs={"found_infs": flags(".x..x...x......"), "growth_interval": 3}),
    ]


# --- catalogued mistakes ----------------------------------------------------------------------

def grows_every_clean_step(state, found_inf, *, init_scale=65536.0, growth_factor=2.0,
                           backoff_factor=0.5, growth_interval=2000):
    scale = float(state.get("scale", init_scale))
    if found_inf:
        return {"scale": scale * backoff_factor}
    return {"scale": scale * growth_factor}  # no count: grows after every clean step


def count_kept_on_overflow(state, found_inf, *, init_scale=65536.0, growth_factor=2.0,
                           backoff_factor=0.5, growth_interval=2000):
    scale = float(state.get("scale", init_scale))
    count = int(state.get("growth_tracker", 0))
    if found_inf:
        return {"scale": scale * backoff_factor, "growth_tracker": count}  # the count is not reset
    count += 1
    if count == growth_interval:
        return {"scale": scale * growth_factor, "growth_tracker": 0}
    return {"scale": scale, "growth_tracker": count}


def count_kept_after_growth(state, found_inf, *, init_scale=65536.0, growth_factor=2.0,
                            backoff_factor=0.5, growth_interval=2000):
    scale = float(state.get("scale", init_scale))
    count = int(state.get("growth_tracker", 0))
    if found_inf:
        return {"scale": scale * backoff_factor, "growth_tracker": 0}
    count += 1
    if count >= growth_interval:
        scale = scale * growth_factor  # the count is not reset: every later clean step grows again
    return {"scale": scale, "growth_tracker": count}


def grows_one_step_late(state, found_inf, *, init_scale=65536.0, growth_factor=2.0,
                        backoff_factor=0.5, growth_interval=2000):
    scale = float(state.get("scale", init_scale))
    count = int(state.get("growth_tracker", 0))
    if found_inf:
        return {"scale": scale * backoff_factor, "growth_tracker": 0}
    if count == growth_interval:  # compared before counting this step: one clean step too many
        return {"scale": scale * growth_factor, "growth_tracker": 0}
    return {"scale": scale, "growth_tracker": count + 1}


def divides_by_backoff(state, found_inf, *, init_scale=65536.0, growth_factor=2.0,
                       backoff_factor=0.5, growth_interval=2000):
    scale = float(state.get("scale", init_scale))
    count = int(state.get("growth_tracker", 0))
    if found_inf:
        return {"scale": scale / backoff_factor, "growth_tracker": 0}  # grows on an overflow
    count += 1
    if count == growth_interval:
        return {"scale": scale * growth_factor, "growth_tracker": 0}
    return {"scale": scale, "growth_tracker": count}


EXERCISE = Exercise.of(
    GRAD_SCALER_UPDATE, reference=grad_scaler_update, points=4, hidden=hidden_cases,
    mistakes=[
        Mistake("grows_every_clean_step", "the scale grows only after growth_interval clean steps in a row "
                "(count them), not after every clean step", grows_every_clean_step),
        Mistake("count_kept_on_overflow", "an overflow resets the count of clean steps to 0 (growth needs "
                "growth_interval clean steps in a row)", count_kept_on_overflow),
        Mistake("count_kept_after_growth", "after a growth the count restarts at 0: the next growth needs "
                "another growth_interval clean steps", count_kept_after_growth),
        Mistake("grows_one_step_late", "count this step first, then compare: the scale grows on the "
                "growth_interval-th clean step, not the one after", grows_one_step_late),
        Mistake("divides_by_backoff", "an overflow *multiplies* the scale by backoff_factor (0.5 halves it); "
                "dividing by it doubles the scale", divides_by_backoff),
    ])
