"""Functional optimizers with torch's names and defaults.

Every step has the signature ``new_params, state = NAME_step(params, grad, state, **hyper)``:
``state`` is ``{}`` on the first call and the returned dict is passed to the next call; keys
follow torch's optimizer state (``step``, ``momentum_buffer``, ``exp_avg``, ``exp_avg_sq``, ...).
"""
