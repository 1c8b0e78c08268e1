"""Wrong optimizer steps (lessons 04 and 05), one slip each, written as a student would."""
import math

import numpy as np

VARIANTS = []


def variant(exercise):
    def add(fn):
        VARIANTS.append((exercise, fn))
        return fn
    return add


# --- sgd_momentum_step (three stages) ----------------------------------------------------------

def _sgd(params, grad, state, lr, momentum, dampening, weight_decay, nesterov, slip):
    p = np.asarray(params, dtype=np.float64)
    g = np.asarray(grad, dtype=np.float64)
    if weight_decay and slip != "wd_after" and slip != "wd_decoupled":
        g = g + (-weight_decay if slip == "wd_sign" else weight_decay) * p
    if momentum == 0:
        return p - lr * g, {}
    buf = state.get("momentum_buffer")
    if buf is None:
        if slip == "zero_init":
            buf = momentum * np.zeros_like(g) + (1 - dampening) * g
        elif slip == "ema":
            buf = (1 - momentum) * g
        else:
            buf = g.copy()
    elif slip == "ema":
        buf = momentum * buf + (1 - momentum) * g
    elif slip == "damp_both":
        buf = (1 - dampening) * (momentum * buf + g)
    elif slip == "damp_on_buffer":
        buf = momentum * (1 - dampening) * buf + g
    else:
        buf = momentum * buf + (1 - dampening) * g
    if nesterov:
        d = momentum * buf if slip == "nesterov_no_grad" else g + momentum * buf
    else:
        d = buf
    if slip == "wd_after":
        d = d + weight_decay * p
    if slip == "wd_decoupled":
        return p * (1 - lr * weight_decay) - lr * d, {"momentum_buffer": buf}
    if slip == "ascent":
        return p + lr * d, {"momentum_buffer": buf}
    return p - lr * d, {"momentum_buffer": buf}


def _sgd_variant(exercise, slip):
    def sgd_momentum_step(params, grad, state, *, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0,
                          nesterov=False):
        return _sgd(params, grad, state, lr, momentum, dampening, weight_decay, nesterov, slip)
    sgd_momentum_step.__qualname__ = f"sgd_{slip}"
    VARIANTS.append((exercise, sgd_momentum_step))


for _slip in ("ema", "ascent"):
    _sgd_variant("sgd_momentum_step[momentum]", _slip)
for _slip in ("zero_init", "damp_both", "damp_on_buffer", "nesterov_no_grad"):
    _sgd_variant("sgd_momentum_step[nesterov]", _slip)
for _slip in ("wd_after", "wd_decoupled", "wd_sign", "ema"):
    _sgd_variant("sgd_momentum_step", _slip)


@variant("sgd_momentum_step[momentum]")
def sgd_velocity_form(params, grad, state, *, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0,
                      nesterov=False):
    """v = momentum * v - lr * g; p = p + v (Sutskever's form: differs when lr changes)."""
    v = state.get("v", np.zeros_like(params))
    v = momentum * v - lr * grad
    return params + v, {"v": v}


@variant("sgd_momentum_step[momentum]")
def sgd_lr_on_grad_only(params, grad, state, *, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0,
                        nesterov=False):
    """buffer = momentum * buffer + lr * g; params - buffer, but also multiplied by lr again."""
    b = state.get("momentum_buffer", np.zeros_like(params))
    b = momentum * b + lr * grad
    return params - lr * b, {"momentum_buffer": b}


# --- heavy_ball_step ---------------------------------------------------------------------------

@variant("heavy_ball_step")
def hb_from_prev(params, prev_params, grad, *, lr, beta):
    return prev_params - lr * grad + beta * (params - prev_params)


@variant("heavy_ball_step")
def hb_beta_times_lr(params, prev_params, grad, *, lr, beta):
    return params - lr * grad + lr * beta * (params - prev_params)


@variant("heavy_ball_step")
def hb_one_minus_beta(params, prev_params, grad, *, lr, beta):
    return params - lr * grad + (1 - beta) * (params - prev_params)


# --- adagrad -----------------------------------------------------------------------------------

def _adagrad_variant(slip):
    def adagrad_step(params, grad, state, *, lr=1e-2, lr_decay=0.0, weight_decay=0.0,
                     initial_accumulator_value=0.0, eps=1e-10):
        p = np.asarray(params, dtype=np.float64)
        g = np.asarray(grad, dtype=np.float64)
        t = state.get("step", 0) + 1
        s = state.get("sum", np.full_like(p, initial_accumulator_value))
        if slip != "wd_after":
            g = g + weight_decay * p
        s = s + (np.abs(g) if slip == "no_square" else g * g)
        clr = lr / (1 + (t - 1) * lr_decay)
        if slip == "decay_multiplies":
            clr = lr * (1 - (t - 1) * lr_decay)
        if slip == "no_sqrt":
            denom = s + eps
        elif slip == "mean_of_squares":
            denom = np.sqrt(s / t) + eps
        else:
            denom = np.sqrt(s) + eps
        step = g / denom
        if slip == "wd_after":
            step = step + weight_decay * p
        return p - clr * step, {"step": t, "sum": s}
    adagrad_step.__qualname__ = f"adagrad_{slip}"
    VARIANTS.append(("adagrad_step", adagrad_step))


for _slip in ("no_square", "decay_multiplies", "no_sqrt", "mean_of_squares", "wd_after"):
    _adagrad_variant(_slip)


# --- rmsprop -----------------------------------------------------------------------------------

def _rmsprop_variant(slip):
    def rmsprop_step(params, grad, state, *, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                     centered=False):
        p = np.asarray(params, dtype=np.float64)
        g = np.asarray(grad, dtype=np.float64) + weight_decay * np.asarray(params, dtype=np.float64)
        sq = state.get("square_avg")
        if sq is None:
            sq = g * g if slip == "init_with_first" else np.zeros_like(p)
        if slip == "no_one_minus":
            sq = alpha * sq + g * g
        elif slip == "no_square":
            sq = alpha * sq + (1 - alpha) * np.abs(g)
        else:
            sq = alpha * sq + (1 - alpha) * g * g
        new = {"square_avg": sq}
        avg_sq = sq
        if centered:
            ga = alpha * state.get("grad_avg", np.zeros_like(p)) + (1 - alpha) * g
            new["grad_avg"] = ga
            avg_sq = sq + ga * ga if slip == "centered_plus" else sq - ga * ga
        denom = np.sqrt(avg_sq + eps) if slip == "eps_inside" else np.sqrt(avg_sq) + eps
        if momentum > 0:
            buf = state.get("momentum_buffer", np.zeros_like(p))
            if slip == "momentum_ema":
                buf = momentum * buf + (1 - momentum) * g / denom
            else:
                buf = momentum * buf + g / denom
            new["momentum_buffer"] = buf
            return p - lr * buf, new
        return p - lr * g / denom, new
    rmsprop_step.__qualname__ = f"rmsprop_{slip}"
    VARIANTS.append(("rmsprop_step", rmsprop_step))


for _slip in ("init_with_first", "no_one_minus", "no_square", "centered_plus", "eps_inside", "momentum_ema"):
    _rmsprop_variant(_slip)


# --- adadelta ----------------------------------------------------------------------------------

def _adadelta_variant(slip):
    def adadelta_step(params, grad, state, *, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0):
        p = np.asarray(params, dtype=np.float64)
        g = np.asarray(grad, dtype=np.float64) + weight_decay * p
        sq = state.get("square_avg", np.zeros_like(p))
        acc = state.get("acc_delta", np.zeros_like(p))
        sq = rho * sq + (g * g if slip == "no_one_minus" else (1 - rho) * g * g)
        if slip == "eps_outside":
            delta = (np.sqrt(acc) + eps) / (np.sqrt(sq) + eps) * g
        elif slip == "no_sqrt":
            delta = (acc + eps) / (sq + eps) * g
        else:
            delta = np.sqrt(acc + eps) / np.sqrt(sq + eps) * g
        if slip == "acc_no_square":
            acc = rho * acc + (1 - rho) * np.abs(delta)
        else:
            acc = rho * acc + (1 - rho) * delta * delta
        if slip == "lr_ignored":
            return p - delta, {"square_avg": sq, "acc_delta": acc}
        return p - lr * delta, {"square_avg": sq, "acc_delta": acc}
    adadelta_step.__qualname__ = f"adadelta_{slip}"
    VARIANTS.append(("adadelta_step", adadelta_step))


for _slip in ("no_one_minus", "eps_outside", "no_sqrt", "acc_no_square", "lr_ignored"):
    _adadelta_variant(_slip)


# --- adam / adamw --------------------------------------------------------------------------------

def _adam(params, grad, state, lr, betas, eps, weight_decay, amsgrad, decoupled, slip):
    p = np.asarray(params, dtype=np.float64)
    g = np.asarray(grad, dtype=np.float64)
    b1, b2 = betas
    t = state.get("step", 0) + 1
    if decoupled:
        if slip == "decay_no_lr":
            p = p * (1 - weight_decay)
        elif slip != "decay_after":
            p = p * (1 - lr * weight_decay)
    elif weight_decay and slip != "wd_after_moments":
        g = g + weight_decay * p
    m = state.get("exp_avg", np.zeros_like(p))
    v = state.get("exp_avg_sq", np.zeros_like(p))
    m = b1 * m + (g if slip == "no_one_minus_b1" else (1 - b1) * g)
    if slip == "no_square":
        v = b2 * v + (1 - b2) * np.abs(g)
    elif slip == "no_one_minus_b2":
        v = b2 * v + g * g
    else:
        v = b2 * v + (1 - b2) * g * g
    new = {"step": t, "exp_avg": m, "exp_avg_sq": v}
    if slip == "power_t_plus_one":
        c1, c2 = 1 - b1 ** (t + 1), 1 - b2 ** (t + 1)
    elif slip == "times_t":
        c1, c2 = 1 - b1 * t, 1 - b2 * t
    else:
        c1, c2 = 1 - b1 ** t, 1 - b2 ** t
    if amsgrad:
        vmax = np.maximum(state.get("max_exp_avg_sq", np.zeros_like(p)), v)
        new["max_exp_avg_sq"] = vmax
        v_used = v if slip == "amsgrad_unused" else vmax
    else:
        v_used = v
    if slip == "paper_form":
        step = lr * math.sqrt(c2) / c1 * m / (np.sqrt(v_used) + eps)
    elif slip == "correct_v_without_sqrt":
        step = lr * (m / c1) / (np.sqrt(v_used) / c2 + eps)
    elif slip == "eps_inside":
        step = lr * (m / c1) / np.sqrt(v_used / c2 + eps)
    else:
        step = lr * (m / c1) / (np.sqrt(v_used / c2) + eps)
    if slip == "wd_after_moments":
        step = step + lr * weight_decay * p
    p = p - step
    if decoupled and slip == "decay_after":
        p = p * (1 - lr * weight_decay)
    return p, new


def _adam_variant(exercise, slip):
    decoupled = exercise == "adamw_step"

    def step(params, grad, state, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2 if decoupled else 0.0,
             amsgrad=False):
        return _adam(params, grad, state, lr, betas, eps, weight_decay, amsgrad, decoupled, slip)
    step.__name__ = exercise
    step.__qualname__ = f"{exercise}_{slip}"
    VARIANTS.append((exercise, step))


for _slip in ("no_one_minus_b1", "no_one_minus_b2", "no_square", "power_t_plus_one", "times_t", "paper_form",
              "correct_v_without_sqrt", "eps_inside", "wd_after_moments", "amsgrad_unused"):
    _adam_variant("adam_step", _slip)
for _slip in ("decay_no_lr", "decay_after", "no_one_minus_b2", "paper_form", "power_t_plus_one"):
    _adam_variant("adamw_step", _slip)


# --- yogi ----------------------------------------------------------------------------------------

def _yogi_variant(slip):
    def yogi_step(params, grad, state, *, lr=1e-2, betas=(0.9, 0.999), eps=1e-3, initial_accumulator=1e-6):
        p = np.asarray(params, dtype=np.float64)
        g = np.asarray(grad, dtype=np.float64)
        b1, b2 = betas
        t = state.get("step", 0) + 1
        m = b1 * state.get("exp_avg", np.zeros_like(p)) + (1 - b1) * g
        v = state.get("exp_avg_sq", np.full_like(p, initial_accumulator))
        g2 = g * g
        if slip == "sign_of_g":
            v = v - (1 - b2) * np.sign(v - g) * g2
        elif slip == "no_one_minus":
            v = v - np.sign(v - g2) * g2
        else:
            v = v - (1 - b2) * np.sign(v - g2) * g2
        if slip == "eps_before_correction":
            denom = (np.sqrt(v) + eps) / math.sqrt(1 - b2 ** t)
        elif slip == "no_correction_v":
            denom = np.sqrt(v) + eps
        else:
            denom = np.sqrt(v) / math.sqrt(1 - b2 ** t) + eps
        return p - lr / (1 - b1 ** t) * m / denom, {"step": t, "exp_avg": m, "exp_avg_sq": v}
    yogi_step.__qualname__ = f"yogi_{slip}"
    VARIANTS.append(("yogi_step", yogi_step))


for _slip in ("sign_of_g", "no_one_minus", "eps_before_correction", "no_correction_v"):
    _yogi_variant(_slip)


# --- issue 30: uncatalogued slips right next to catalogued ones ----------------------------------

@variant("heavy_ball_step")
def hb_gradient_doubled(params, prev_params, grad, *, lr, beta):
    return params - 2 * lr * grad + beta * (params - prev_params)


@variant("heavy_ball_step")
def hb_velocity_halved(params, prev_params, grad, *, lr, beta):
    return params - lr * grad + beta / 2 * (params - prev_params)


@variant("rmsprop_step")
def rmsprop_alpha_on_both(params, grad, state, *, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                          centered=False):
    """square_avg = alpha * square_avg + alpha * g**2: (1 - alpha) typed as alpha (not swapped)."""
    p = np.asarray(params, dtype=np.float64)
    g = np.asarray(grad, dtype=np.float64) + weight_decay * p
    sq = alpha * state.get("square_avg", np.zeros_like(p)) + alpha * g * g
    new = {"square_avg": sq}
    var = sq
    if centered:
        ga = alpha * state.get("grad_avg", np.zeros_like(p)) + (1 - alpha) * g
        new["grad_avg"] = ga
        var = sq - ga * ga
    avg = np.sqrt(var) + eps
    if momentum > 0:
        buf = momentum * state.get("momentum_buffer", np.zeros_like(p)) + g / avg
        new["momentum_buffer"] = buf
        return p - lr * buf, new
    return p - lr * g / avg, new


@variant("adam_step")
def adam_step_corrects_m_only(params, grad, state, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                              amsgrad=False):
    p = np.asarray(params, dtype=np.float64)
    g = np.asarray(grad, dtype=np.float64) + weight_decay * p
    b1, b2 = betas
    t = state.get("step", 0) + 1
    m = b1 * state.get("exp_avg", np.zeros_like(p)) + (1 - b1) * g
    v = b2 * state.get("exp_avg_sq", np.zeros_like(p)) + (1 - b2) * g * g
    new = {"step": t, "exp_avg": m, "exp_avg_sq": v}
    if amsgrad:
        v = np.maximum(state.get("max_exp_avg_sq", np.zeros_like(p)), v)
        new["max_exp_avg_sq"] = v
    return p - lr * (m / (1 - b1 ** t)) / (np.sqrt(v) + eps), new


@variant("adamw_step")
def adamw_step_decay_doubled(params, grad, state, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                             amsgrad=False):
    """The decoupled decay applied twice: before the update and again after it."""
    p, new = _adam(params, grad, state, lr, betas, eps, weight_decay, amsgrad, True, "")
    return p * (1 - lr * weight_decay), new
