"""What each wrong variant's slip is, labelled by hand from its code and the catalogue's functions
(issue 30), never from what the feedback names.

- ``CATALOGUED``: the variant computes what these catalogued mistakes compute (the same formula,
  written another way); the feedback should name one of them. Several names when the catalogue has
  two entries for one computation (``weight_decay_after_momentum`` says "or decoupled").
- ``UNCATALOGUED``: no catalogued mistake computes it; naming any mistake misleads, except
  ``DESCRIBED`` ones: a catalogued mistake whose *words* describe the slip though its *function*
  computes something else (showing it misleads no one, but it cannot reproduce the results).

Keys are ``"exercise: variant"`` (:func:`tests.wrong_variants.key`).
"""

CATALOGUED = {
    # lesson 04
    "sgd_momentum_step[momentum]: sgd_ema": ("buffer_averaged",),
    "sgd_momentum_step[nesterov]: sgd_zero_init": ("dampening_first_step",),
    "sgd_momentum_step[nesterov]: sgd_damp_both": ("dampening_on_whole_buffer",),
    "sgd_momentum_step[nesterov]: sgd_nesterov_no_grad": ("nesterov_without_gradient",),
    "sgd_momentum_step: sgd_wd_sign": ("weight_decay_sign",),
    "sgd_momentum_step: sgd_ema": ("buffer_averaged",),
    "heavy_ball_step: hb_from_prev": ("step_from_prev",),
    "heavy_ball_step: hb_one_minus_beta": ("one_minus_beta_on_velocity",),
    # lesson 05
    "adagrad_step: adagrad_no_square": ("sum_not_squared",),
    "adagrad_step: adagrad_decay_multiplies": ("lr_decay_multiplies",),
    "adagrad_step: adagrad_no_sqrt": ("no_sqrt",),
    "adagrad_step: adagrad_wd_after": ("weight_decay_after_scaling",),
    "rmsprop_step: rmsprop_init_with_first": ("starts_at_first_square",),
    "rmsprop_step: rmsprop_no_one_minus": ("no_one_minus_alpha",),
    "rmsprop_step: rmsprop_no_square": ("square_missing",),
    "rmsprop_step: rmsprop_centered_plus": ("centered_adds_mean",),
    "rmsprop_step: rmsprop_eps_inside": ("eps_inside_sqrt",),
    "rmsprop_step: rmsprop_momentum_ema": ("momentum_averaged",),
    "adadelta_step: adadelta_no_one_minus": ("no_one_minus_rho",),
    "adadelta_step: adadelta_eps_outside": ("eps_outside_sqrt",),
    "adadelta_step: adadelta_no_sqrt": ("ratio_without_sqrt",),
    "adadelta_step: adadelta_acc_no_square": ("acc_delta_not_squared",),
    "adadelta_step: adadelta_lr_ignored": ("lr_ignored",),
    "adam_step: adam_step_no_one_minus_b1": ("no_one_minus_beta1",),
    "adam_step: adam_step_no_one_minus_b2": ("no_one_minus_beta2",),
    "adam_step: adam_step_no_square": ("square_missing",),
    "adam_step: adam_step_power_t_plus_one": ("bias_correction_exponent",),
    "adam_step: adam_step_paper_form": ("paper_form_eps",),
    "adam_step: adam_step_correct_v_without_sqrt": ("v_hat_without_sqrt",),
    "adam_step: adam_step_eps_inside": ("eps_inside_sqrt",),
    "adam_step: adam_step_wd_after_moments": ("decoupled_weight_decay",),
    "adam_step: adam_step_amsgrad_unused": ("amsgrad_max_unused",),
    "adamw_step: adamw_step_decay_no_lr": ("decay_without_lr",),
    "adamw_step: adamw_step_decay_after": ("decay_after_update",),
    "adamw_step: adamw_step_no_one_minus_b2": ("no_one_minus_beta2",),
    "adamw_step: adamw_step_paper_form": ("paper_form_eps",),
    "adamw_step: adamw_step_power_t_plus_one": ("bias_correction_exponent",),
    "yogi_step: yogi_sign_of_g": ("sign_of_grad",),
    "yogi_step: yogi_no_one_minus": ("no_one_minus_beta2",),
    "yogi_step: yogi_eps_before_correction": ("eps_before_correction",),
    "yogi_step: yogi_no_correction_v": ("v_not_corrected",),
    # lesson 06
    "linear_forward: linear_minus_bias": ("bias_subtracted",),
    "linear_backward: linear_dW_averaged": ("dW_averaged",),
    "linear_backward: linear_all_averaged": ("all_averaged",),
    "linear_backward: linear_dx_sign": ("dx_sign",),
    "relu_forward: relu_abs": ("absolute_value",),
    "relu_backward: relu_sign_mask": ("sign_mask",),
    "relu_backward: relu_mask_on_dout": ("relu_of_dout",),
    "relu_backward: relu_times_x": ("times_relu",),
    "mse_forward_backward: mse_rmse": ("root_mean_square",),
    "mse_forward_backward: mse_grad_wrong_order": ("sign",),
    "mse_forward_backward: mse_grad_missing_two_loss_halved": ("half_mse",),
    "softmax_cross_entropy: ce_mean_over_all": ("mean_over_every_entry",),
    "softmax_cross_entropy: ce_onehot_not_subtracted": ("onehot_not_subtracted",),
    "two_layer_net: net_no_relu_grad": ("no_relu_mask",),
    # lesson 07
    "batchnorm_forward: bn_unbiased_norm": ("unbiased_normalisation",),
    "batchnorm_forward: bn_std_not_var": ("eps_outside_sqrt",),
    "batchnorm_forward[eval]: bn_momentum_reversed": ("momentum_reversed",),
    "batchnorm_forward[eval]: bn_running_not_updated": ("running_not_updated",),
    "batchnorm_forward[eval]: bn_running_var_biased": ("biased_running_var",),
    "batchnorm_forward[eval]: bn_no_momentum": ("running_replaced",),
    "batchnorm_forward[eval]: bn_var_starts_zero": ("var_starts_zero",),
    "batchnorm_forward[eval]: bn_eval_std_no_eps": ("eval_no_eps",),
    "batchnorm_backward: bnb_sum_not_mean": ("sums_not_divided",),
    "batchnorm_backward: bnb_var_term_sign": ("variance_term_sign",),
    "batchnorm_backward: bnb_no_mean_term": ("missing_mean_term",),
    "fold_batchnorm: fold_eps_outside": ("eps_outside_sqrt",),
    "fold_batchnorm: fold_rows_scaled": ("mean_not_scaled",),
    "layernorm_forward: layernorm_unbiased": ("unbiased_variance",),
    "layernorm_forward: layernorm_std_plus_eps": ("eps_outside_sqrt",),
    "layernorm_backward: layernorm_backward_batch_sums": ("params_averaged",),  # the code averages them
    "layernorm_backward: layernorm_backward_var_sign": ("variance_term_sign",),
    # lesson 01
    "rosenbrock: rb_a_and_b_swapped": ("swapped_ab",),
    "rosenbrock_grad: rbg_first_term_sign": ("sign_first_term",),
    "rosenbrock_grad: rbg_b_dropped": ("ignores_b",),
    "forward_difference: fd_central": ("is_central",),
    "forward_difference: fd_own_h": ("fixed_eps",),
    "central_difference: cd_divided_by_eps": ("one_eps",),
    "central_difference: cd_forward": ("is_forward",),
    "gradient_check: gc_absolute_error": ("absolute",),
    "torch_grad: tg_from_list": ("float32",),
    # lesson 02
    "gradient_descent: gd_without_start": ("no_x0",),
    "gradient_descent: gd_uphill": ("ascent",),
    "gradient_descent: gd_schedule_from_one": ("t_from_one",),
    "time_based_decay: tbd_no_parentheses": ("missing_parentheses",),
    "step_decay: sd_smooth": ("true_division",),
    "exponential_decay: ed_power": ("power_of_k",),
    "max_stable_lr: msl_one_over_lambda": ("one_over",),
    "warmup_cosine: wc_ramp_from_min_lr": ("warmup_from_min_lr",),
    "warmup_cosine: wc_no_floor": ("climbs_after_total",),
    "classify_critical_point: ccp_det_and_trace": ("determinant_test",),
    # the same function as tolerance_wrong_side: an eigenvalue in [-tol, tol] counts as both signs there,
    # so every degenerate H is a "saddle" and nothing else changes (relabelled after the after-measurement
    # named it; the label first said uncatalogued). Its message describes the other way of writing it.
    "classify_critical_point: ccp_saddle_otherwise": ("tolerance_wrong_side",),
    # lesson 03
    "minibatches: mb_full_batches_only": ("drop_last",),
    "minibatches: mb_labels_not_shuffled": ("only_x_shuffled",),
    "minibatches: mb_choice_with_replacement": ("with_replacement",),  # rng.choice(n, n) draws rng.integers(0, n, n)
    "mse_loss: mse_summed": ("sum",),
    "mse_loss: mse_halved": ("half",),
    "linear_regression_grad: lrg_residual_reversed": ("sign",),
    "linear_regression_grad: lrg_no_two": ("missing_two",),
    "sgd_linear_regression: slr_b_fixed": ("b_not_learned",),
    "sgd_linear_regression: slr_loss_at_epoch_start": ("loss_before_epoch",),
    "gradient_noise: gn_with_replacement": ("with_replacement",),
    "gradient_noise: gn_norm": ("norm_not_squared",),
    "train_one_epoch: toe_last_loss": ("last_batch_loss",),
    # lesson 08
    "sigmoid: sg_minus_forgotten": ("sign",),
    "sigmoid_grad: sgg_sigmoid_itself": ("returns_s",),
    "sigmoid_grad: sgg_on_x": ("x_not_s",),
    "relu: relu_abs_value": ("abs",),
    "relu_grad: rg_geq": ("one_at_zero",),
    "leaky_relu: lrelu_hard_coded": ("fixed_slope",),
    "leaky_relu_grad: lrg_zero_at_zero": ("zero_at_zero",),
    "elu: elu_without_minus_one": ("no_minus_one",),
    "elu_grad: eg_elu_itself": ("returns_elu",),
    "he_normal: he_one_over_fan_in": ("lecun_std",),
    "xavier_normal: xn_he": ("he_std",),
    # lesson 09
    "clip_by_value: cv_minimum_only": ("upper_only",),
    "clip_by_norm: cn_each_own_norm": ("per_array",),
    "clip_by_norm: cn_norm_squared": ("squared",),
    "clip_by_norm[inf]: cni_signed_max": ("inf_no_abs",),
}

UNCATALOGUED = {
    # lesson 04. The three _sgd slips below return at momentum == 0 before their slip and without weight
    # decay (the helper's early return), so they are not the catalogued functions: relabelled after the
    # after-measurement left them unnamed (the label first said catalogued)
    "sgd_momentum_step[momentum]: sgd_ascent": "ascends with momentum only",
    "sgd_momentum_step: sgd_wd_after": "decay after the momentum, and none at all with momentum 0",
    "sgd_momentum_step: sgd_wd_decoupled": "decoupled decay, and none at all with momentum 0",
    "sgd_momentum_step[nesterov]: sgd_damp_on_buffer": "b = momentum * (1 - dampening) * b + g",
    "sgd_momentum_step[momentum]: sgd_velocity_form": "Sutskever's v = mu v - lr g, p + v: the state holds -lr * b",
    "sgd_momentum_step[momentum]: sgd_lr_on_grad_only": "b = mu b + lr g, then p - lr * b: lr applied twice",
    "heavy_ball_step: hb_beta_times_lr": "issue example: + lr * beta * (w - w_prev); lr_on_velocity computes "
                                         "w - lr * (g + beta * (w - w_prev)), the velocity's sign flipped",
    "heavy_ball_step: hb_gradient_doubled": "2 * lr * g",
    "heavy_ball_step: hb_velocity_halved": "beta / 2 on the velocity",
    # lesson 05
    "adagrad_step: adagrad_mean_of_squares": "sqrt(sum / t)",
    "rmsprop_step: rmsprop_alpha_on_both": "alpha * g**2 for (1 - alpha) * g**2; alpha_swapped also swaps the decay",
    "adam_step: adam_step_times_t": "1 - beta * t for 1 - beta**t",
    "adam_step: adam_step_corrects_m_only": "v not bias-corrected (no_bias_correction corrects neither)",
    "adamw_step: adamw_step_decay_doubled": "decay before and after the update",
    # lesson 06
    "linear_forward: linear_bias_summed": "x @ W + b.sum()",
    "linear_backward: linear_db_first_row": "db = dout[0]",
    "linear_backward: linear_db_doubled": "db = 2 * dout.sum(0)",
    "relu_forward: relu_clip_one": "clipped to [0, 1]",
    "mse_forward_backward: mse_grad_by_n_minus_1": "gradient divided by size - 1",
    "softmax_cross_entropy: ce_natural_log_of_sum": "the loss sums log-probabilities over all classes",
    "softmax_cross_entropy: ce_grad_halved": "dlogits / (2 N)",
    "two_layer_net: net_forgot_db1": "db1 left at 0",
    "loss_along_line: line_alpha_squared": "the point (1 - a) theta0 + a**2 theta1",
    # lesson 07
    "batchnorm_backward: bnb_dgamma_mean": "dgamma averaged, dbeta summed (params_averaged averages both)",
    "batchnorm_backward: bnb_dbeta_mean": "dbeta averaged, dgamma summed (params_averaged averages both)",
    "batchnorm_backward: bnb_n_minus_one": "N - 1 for N in every term of dx",
    # lesson 01
    "rosenbrock: rb_valley_subtracted": "(a - x0)**2 - b (x1 - x0**2)**2",
    "rosenbrock: rb_times_two_not_squared": "x0 * 2 for x0 ** 2",
    "rosenbrock_grad: rbg_chain_factor_two": "issue example: the chain-rule term with 2 for 4",
    "rosenbrock_grad: rbg_second_sign": "-2 b (x1 - x0**2) for d/dx1",
    "rosenbrock_grad: rbg_components_swapped": "[d/dx1, d/dx0]",
    "forward_difference: fd_not_divided": "issue example: not divided by eps",
    "forward_difference: fd_backward": "the backward difference",
    "forward_difference: fd_swapped": "(f(x) - f(x + eps e_i)) / eps",
    "central_difference: cd_divided_by_two": "divided by 2, not 2 eps",
    "central_difference: cd_reversed": "(f(x - eps e_i) - f(x + eps e_i)) / (2 eps)",
    "gradient_check: gc_squared_norms": "squared norms above and below",
    "gradient_check: gc_max_of_norms": "divided by the larger norm",
    "torch_grad: tg_negated": "the gradient of -f",
    # lesson 02
    "gradient_descent: gd_first_rate_only": "lr(0) for every step",
    "gradient_descent: gd_one_step_short": "n_steps - 1 steps",
    "time_based_decay: tbd_exponential": "lr0 exp(-decay t)",
    "time_based_decay: tbd_squared": "lr0 / (1 + decay t)**2",
    "step_decay: sd_ceil": "ceil(t / every)",
    "exponential_decay: ed_base_two": "lr0 2**(-k t)",
    "max_stable_lr: msl_trace": "2 / trace(H)",
    "warmup_cosine: wc_full_period": "a whole cosine period after the warm-up",
    # lesson 03
    "minibatches: mb_overlapping": "batches of batch_size + 1 overlapping by one",
    "mse_loss: mse_square_of_mean_abs": "(mean |d|)**2",
    "mse_loss: mse_n_minus_one": "divided by size - 1",
    "linear_regression_grad: lrg_db_no_two": "db without its 2, dw right",
    "linear_regression_grad: lrg_divided_by_features": "divided by n * d",
    "sgd_linear_regression: slr_cascade_with_replacement": "cascade: a right loop on the student's own "
                                                           "minibatches drawn with replacement",
    "sgd_linear_regression: slr_never_shuffled": "rng ignored (no catalogued sgd mistake for it)",
    "gradient_noise: gn_cascade_grad_without_two": "cascade: right, on the student's gradient missing its 2",
    "gradient_noise: gn_cascade_grad_summed": "cascade: right, on the student's summed gradient",
    "gradient_noise: gn_divided_by_batch": "the mean squared norm divided by batch_size",
    "train_one_epoch: toe_two_steps_per_batch": "optimizer.step() twice per batch",
    # lesson 08
    "sigmoid: sg_half_x": "sigmoid(x / 2)",
    "sigmoid: sg_tanh_shifted": "(1 + tanh(x)) / 2 = sigmoid(2 x)",
    "sigmoid_grad: sgg_one_plus": "s (1 + s)",
    "relu: relu_slope_tenth": "slope 0.1 on the negative side (leaky's is 0.01)",
    "relu: relu_capped_at_six": "ReLU6 (capped's cap is 1)",
    "relu_grad: rg_sign": "np.sign(x)",
    "leaky_relu: lrelu_abs_negative": "slope * |x| on the negative side",
    "leaky_relu: lrelu_slope_squared": "slope**2",
    "leaky_relu_grad: lrg_slopes_swapped": "slope for x > 0, 1 otherwise",
    "leaky_relu_grad: lrg_one_minus_slope": "1 - slope for x <= 0",
    "elu: elu_parenthesis": "alpha exp(x) - 1",
    "elu: elu_alpha_in_exponent": "expm1(alpha x)",
    "elu_grad: eg_alpha_both_sides": "alpha for x > 0 too",
    "elu_grad: eg_plus_one": "alpha exp(x) + 1",
    "he_normal: he_sqrt_of_two_only": "sqrt(2) / fan_in",
    "xavier_normal: xn_gain_squared": "gain**2",
    "xavier_normal: xn_product_of_fans": "sqrt(2 / (fan_in * fan_out))",
    # lesson 09
    "clip_by_value: cv_sign_lost": "a large negative entry becomes +clip_value",
    "clip_by_value: cv_strict_bounds": "0.999 * clip_value",
    "clip_by_norm: cn_eps_1e8": "1e-8 for torch's 1e-6",
    "clip_by_norm: cn_mean_of_norms": "the mean of the per-array norms",
    "clip_by_norm[inf]: cni_mean_abs_for_inf": "mean |entry| for inf",
    "clip_by_norm[inf]: cni_root_p_squared": "(sum |g|**p) ** (1 / (2 p))",
}

# Uncatalogued slips a catalogued mistake's words describe (showing it is not a misnaming).
DESCRIBED = {
    "sgd_momentum_step[momentum]: sgd_ascent": ("ascent",),
    "sgd_momentum_step: sgd_wd_after": ("weight_decay_after_momentum",),
    "sgd_momentum_step: sgd_wd_decoupled": ("weight_decay_after_momentum",),  # "(or decoupled, as in AdamW)"
    # within the grading tolerance its results are no_eps's on every case, and no_eps's message says the
    # student's fix (+ 1e-6); labelled so after the after-measurement named it
    "clip_by_norm: cn_eps_1e8": ("no_eps",),
    "heavy_ball_step: hb_beta_times_lr": ("lr_on_velocity",),   # "lr multiplies the velocity term too"
    "sgd_momentum_step[momentum]: sgd_lr_on_grad_only": ("lr_in_buffer",),  # "the buffer accumulates lr * grad"
    "sgd_momentum_step[momentum]: sgd_velocity_form": ("lr_in_buffer",),
    "batchnorm_backward: bnb_dgamma_mean": ("params_averaged",),
    "batchnorm_backward: bnb_dbeta_mean": ("params_averaged",),
}


def acceptable(key: str) -> tuple[str, ...]:
    """The names whose showing is no misnaming for a variant."""
    return CATALOGUED.get(key, ()) + DESCRIBED.get(key, ())
