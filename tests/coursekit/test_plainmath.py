"""coursekit.plainmath: a claim's LaTeX as readable Unicode wherever math cannot be typeset."""
import pytest

from coursekit import plainmath
from coursekit.plainmath import to_plain, unknown_commands


@pytest.mark.parametrize("tex, plain", [
    (r"$\mu^\star \approx 0.566$", "μ* ≈ 0.566"),
    (r"reaches $f < 10^{-3}$ in far fewer steps", "reaches f < 10⁻³ in far fewer steps"),
    (r"$1 + \sqrt{0.1} \approx 1.32$", "1 + √0.1 ≈ 1.32"),
    (r"$\text{fan\_in}$, $\mathrm{running\_var}$", "fan_in, running_var"),
    (r"$\frac{\eta}{\sqrt{\hat v_t}+\epsilon}$", "η/(√v̂ₜ+ε)"),
    (r"$\beta_2 = 0.999$, $\|g\|_2 \le 1$, $\lVert x \rVert \geq 2$", "β₂ = 0.999, ‖g‖₂ ≤ 1, ‖ x ‖ ≥ 2"),
    (r"$\kappa = \lambda_{\max}/\lambda_{\min}$", "κ = λₘₐₓ/λₘᵢₙ"),
    (r"$\left(1 - \frac{1}{\kappa}\right)^{t}$", "(1 - 1/κ)ᵗ"),
    (r"$\theta_{t+1} = \theta_t - \eta\, g_t$", "θₜ₊₁ = θₜ - η gₜ"),
    (r"$x^{1/2}$, $e^{-\lambda t}$, $W^\top x$", "x^(1/2), e^(-λ t), Wᵀ x"),
    (r"$\operatorname{tr}\Sigma$ and $\log(x)$, $\max_i g_i$", "tr Σ and log(x), maxᵢ gᵢ"),
    (r"$2 \times 3 \cdot 4$, $a \ne b$, $\nabla f$", "2 × 3 · 4, a ≠ b, ∇ f"),
    (r"$$\mathbb{E}[g] = \nabla \mathcal{L}$$", "𝔼[g] = ∇ ℒ"),
    (r"costs \$5, not $x$", "costs $5, not x"),
    ("no math at all", "no math at all"),
])
def test_tex_becomes_readable_unicode(tex, plain):
    assert to_plain(tex) == plain
    assert not unknown_commands(tex)


def test_an_unknown_command_loses_its_backslash_and_is_listed():
    assert to_plain(r"$\foo{x} + \alpha$") == "foox + α"
    assert unknown_commands(r"$\foo{x}$ and $\bar x \baz$") == ["foo", "baz"]


def test_every_sub_and_superscript_is_one_character():
    for table in (plainmath.SUPERSCRIPT, plainmath.SUBSCRIPT):
        assert all(len(k) == 1 and len(v) == 1 for k, v in table.items())
    assert plainmath.SUPERSCRIPT["-"] == "⁻" and plainmath.SUBSCRIPT["t"] == "ₜ"


def test_a_matrix_reads_as_nested_lists_row_by_row():
    """Lesson 02 claims a Hessian written as a pmatrix; before, its text/plain kept \\begin and \\end."""
    text = r"so $H = \begin{pmatrix} 2 & 2 \\ 2 & -4x_1 \end{pmatrix}$ there"
    assert to_plain(text) == "so H = [[2, 2], [2, -4x₁]] there"
    assert unknown_commands(text) == []
