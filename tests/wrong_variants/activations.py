"""Wrong activations, initialisations (lesson 08) and clippings (lesson 09), one slip each, written as a
student would (issue 30): some catalogued slips in a student's own words, many uncatalogued ones
next to a catalogued one (another slope, another constant, a sign in one branch). Which catalogued
mistake, if any, each one is: :mod:`tests.wrong_variants.slips`.
"""
import math

import numpy as np

VARIANTS = []


def variant(exercise):
    def add(fn):
        VARIANTS.append((exercise, fn))
        return fn
    return add


def _stable_sigmoid(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


# --- sigmoid / sigmoid_grad ----------------------------------------------------------------------

@variant("sigmoid")
def sg_minus_forgotten(x):
    x = np.asarray(x, dtype=np.float64)
    return _stable_sigmoid(-x)                                      # 1 / (1 + exp(x))


@variant("sigmoid")
def sg_half_x(x):
    x = np.asarray(x, dtype=np.float64)
    return _stable_sigmoid(x / 2)


@variant("sigmoid")
def sg_tanh_shifted(x):
    x = np.asarray(x, dtype=np.float64)
    return (1 + np.tanh(x)) / 2                                     # the identity uses tanh(x / 2)


@variant("sigmoid_grad")
def sgg_sigmoid_itself(x):
    return _stable_sigmoid(np.asarray(x, dtype=np.float64))


@variant("sigmoid_grad")
def sgg_on_x(x):
    x = np.asarray(x, dtype=np.float64)
    return x - x * x


@variant("sigmoid_grad")
def sgg_one_plus(x):
    s = _stable_sigmoid(np.asarray(x, dtype=np.float64))
    return s * (1 + s)


# --- relu / relu_grad ----------------------------------------------------------------------------

@variant("relu")
def relu_abs_value(x):
    x = np.asarray(x, dtype=np.float64)
    return np.where(x < 0, -x, x)


@variant("relu")
def relu_slope_tenth(x):
    x = np.asarray(x, dtype=np.float64)
    return np.where(x > 0, x, 0.1 * x)


@variant("relu")
def relu_capped_at_six(x):
    x = np.asarray(x, dtype=np.float64)
    return np.minimum(np.maximum(x, 0.0), 6.0)                      # ReLU6


@variant("relu_grad")
def rg_geq(x):
    return (np.asarray(x, dtype=np.float64) >= 0).astype(np.float64)


@variant("relu_grad")
def rg_sign(x):
    return np.sign(np.asarray(x, dtype=np.float64))


# --- leaky_relu / leaky_relu_grad ----------------------------------------------------------------

@variant("leaky_relu")
def lrelu_hard_coded(x, negative_slope=0.01):
    x = np.asarray(x, dtype=np.float64)
    return np.where(x > 0, x, x * 0.01)


@variant("leaky_relu")
def lrelu_abs_negative(x, negative_slope=0.01):
    x = np.asarray(x, dtype=np.float64)
    return np.where(x > 0, x, negative_slope * np.abs(x))


@variant("leaky_relu")
def lrelu_slope_squared(x, negative_slope=0.01):
    x = np.asarray(x, dtype=np.float64)
    return np.where(x > 0, x, negative_slope ** 2 * x)


@variant("leaky_relu_grad")
def lrg_zero_at_zero(x, negative_slope=0.01):
    x = np.asarray(x, dtype=np.float64)
    return np.select([x > 0, x < 0], [1.0, negative_slope], default=0.0)


@variant("leaky_relu_grad")
def lrg_slopes_swapped(x, negative_slope=0.01):
    x = np.asarray(x, dtype=np.float64)
    return np.where(x > 0, negative_slope, 1.0)


@variant("leaky_relu_grad")
def lrg_one_minus_slope(x, negative_slope=0.01):
    x = np.asarray(x, dtype=np.float64)
    return np.where(x > 0, 1.0, 1.0 - negative_slope)


# --- elu / elu_grad ------------------------------------------------------------------------------

@variant("elu")
def elu_without_minus_one(x, alpha=1.0):
    x = np.asarray(x, dtype=np.float64)
    return np.where(x > 0, x, alpha * np.exp(np.minimum(x, 0.0)))


@variant("elu")
def elu_parenthesis(x, alpha=1.0):
    x = np.asarray(x, dtype=np.float64)
    return np.where(x > 0, x, alpha * np.exp(np.minimum(x, 0.0)) - 1)   # alpha * exp(x) - 1


@variant("elu")
def elu_alpha_in_exponent(x, alpha=1.0):
    x = np.asarray(x, dtype=np.float64)
    return np.where(x > 0, x, np.expm1(alpha * np.minimum(x, 0.0)))


@variant("elu_grad")
def eg_elu_itself(x, alpha=1.0):
    x = np.asarray(x, dtype=np.float64)
    return np.where(x > 0, 1.0, alpha * (np.exp(np.minimum(x, 0.0)) - 1))


@variant("elu_grad")
def eg_alpha_both_sides(x, alpha=1.0):
    x = np.asarray(x, dtype=np.float64)
    return np.where(x > 0, alpha, alpha * np.exp(np.minimum(x, 0.0)))


@variant("elu_grad")
def eg_plus_one(x, alpha=1.0):
    x = np.asarray(x, dtype=np.float64)
    return np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0.0)) + 1)


# --- he_normal / xavier_normal -------------------------------------------------------------------

@variant("he_normal")
def he_one_over_fan_in(fan_in, fan_out, rng):
    return rng.normal(0.0, math.sqrt(1 / fan_in), size=(fan_in, fan_out))


@variant("he_normal")
def he_sqrt_of_two_only(fan_in, fan_out, rng):
    return rng.normal(0.0, math.sqrt(2) / fan_in, size=(fan_in, fan_out))


@variant("xavier_normal")
def xn_he(fan_in, fan_out, rng, gain=1.0):
    if fan_in < 1 or fan_out < 1:
        raise ValueError("fans must be >= 1")
    return rng.normal(0.0, gain * math.sqrt(2 / fan_in), size=(fan_in, fan_out))


@variant("xavier_normal")
def xn_gain_squared(fan_in, fan_out, rng, gain=1.0):
    if fan_in < 1 or fan_out < 1:
        raise ValueError("fans must be >= 1")
    return rng.normal(0.0, gain ** 2 * math.sqrt(2 / (fan_in + fan_out)), size=(fan_in, fan_out))


@variant("xavier_normal")
def xn_product_of_fans(fan_in, fan_out, rng, gain=1.0):
    if fan_in < 1 or fan_out < 1:
        raise ValueError("fans must be >= 1")
    return rng.normal(0.0, gain * math.sqrt(2 / (fan_in * fan_out)), size=(fan_in, fan_out))


# --- clip_by_value -------------------------------------------------------------------------------

@variant("clip_by_value")
def cv_minimum_only(grads, clip_value):
    return [np.where(np.asarray(g, dtype=np.float64) > clip_value, clip_value, g).astype(np.float64)
            for g in grads]


@variant("clip_by_value")
def cv_sign_lost(grads, clip_value):
    out = []
    for g in grads:
        g = np.asarray(g, dtype=np.float64)
        out.append(np.where(np.abs(g) > clip_value, clip_value, g))  # a large negative entry becomes +c
    return out


@variant("clip_by_value")
def cv_strict_bounds(grads, clip_value):
    c = 0.999 * clip_value                                          # "strictly inside"
    return [np.clip(np.asarray(g, dtype=np.float64), -c, c) for g in grads]


# --- clip_by_norm --------------------------------------------------------------------------------

def _two_norm(grads):
    return math.sqrt(sum(float(np.sum(np.asarray(g, dtype=np.float64) ** 2)) for g in grads))


@variant("clip_by_norm")
def cn_each_own_norm(grads, max_norm, norm_type=2.0):
    out = []
    for g in grads:
        g = np.asarray(g, dtype=np.float64)
        out.append(g * min(max_norm / (np.linalg.norm(g.ravel()) + 1e-6), 1.0))
    return out, _two_norm(grads)


@variant("clip_by_norm")
def cn_eps_1e8(grads, max_norm, norm_type=2.0):
    n = _two_norm(grads)
    coef = min(max_norm / (n + 1e-8), 1.0)
    return [np.asarray(g, dtype=np.float64) * coef for g in grads], n


@variant("clip_by_norm")
def cn_mean_of_norms(grads, max_norm, norm_type=2.0):
    norms = [float(np.linalg.norm(np.asarray(g, dtype=np.float64).ravel())) for g in grads]
    n = float(np.mean(norms)) if norms else 0.0
    coef = min(max_norm / (n + 1e-6), 1.0)
    return [np.asarray(g, dtype=np.float64) * coef for g in grads], n


@variant("clip_by_norm")
def cn_norm_squared(grads, max_norm, norm_type=2.0):
    n = sum(float(np.sum(np.asarray(g, dtype=np.float64) ** 2)) for g in grads)
    coef = min(max_norm / (n + 1e-6), 1.0)
    return [np.asarray(g, dtype=np.float64) * coef for g in grads], n


@variant("clip_by_norm[inf]")
def cni_signed_max(grads, max_norm, norm_type=2.0):
    p = float(norm_type)
    flat = np.concatenate([np.asarray(g, dtype=np.float64).ravel() for g in grads]) if grads else np.zeros(0)
    if math.isinf(p):
        n = float(flat.max()) if flat.size else 0.0
    else:
        n = float(np.sum(np.abs(flat) ** p) ** (1 / p))
    coef = min(max_norm / (n + 1e-6), 1.0)
    return [np.asarray(g, dtype=np.float64) * coef for g in grads], n


@variant("clip_by_norm[inf]")
def cni_mean_abs_for_inf(grads, max_norm, norm_type=2.0):
    p = float(norm_type)
    flat = np.concatenate([np.asarray(g, dtype=np.float64).ravel() for g in grads]) if grads else np.zeros(0)
    if math.isinf(p):
        n = float(np.abs(flat).mean()) if flat.size else 0.0
    else:
        n = float(np.sum(np.abs(flat) ** p) ** (1 / p))
    coef = min(max_norm / (n + 1e-6), 1.0)
    return [np.asarray(g, dtype=np.float64) * coef for g in grads], n


@variant("clip_by_norm[inf]")
def cni_root_p_squared(grads, max_norm, norm_type=2.0):
    p = float(norm_type)
    flat = np.concatenate([np.asarray(g, dtype=np.float64).ravel() for g in grads]) if grads else np.zeros(0)
    if math.isinf(p):
        n = float(np.abs(flat).max()) if flat.size else 0.0
    else:
        n = float(np.sum(np.abs(flat) ** p) ** (1 / (2 * p)))       # the root taken twice
    coef = min(max_norm / (n + 1e-6), 1.0)
    return [np.asarray(g, dtype=np.float64) * coef for g in grads], n
