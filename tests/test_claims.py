"""Claims (coursekit.claims): every statement a lesson makes about its experiments is asserted.

The per-lesson audit reads the executed reading edition (notebooks/), where each claim left its
record in the output's metadata when the cell that computes it ran.
"""
import os

import numpy as np
import pytest
from claimaudit import audit, is_candidate, normalise, read, sentences

from coursekit import claims
from tools.editions import NOTEBOOKS, lessons

LESSONS = lessons()


def test_a_claim_that_holds_is_returned_and_recorded():
    c = claims.claim("ends within 0.03 of (1, 1)", 0.01 < 0.03, 0.01)
    assert c.holds and c.measured == "0.01" and c.statement == "ends within 0.03 of (1, 1)"


def test_a_claim_that_fails_says_so_in_words_and_names_the_students_function():
    with pytest.raises(claims.ClaimError) as err:
        claims.claim("lr = 0.2 does not converge", False, {"loss": 1e-9}, uses=["gradient_descent"])
    msg = str(err.value)
    assert "lr = 0.2 does not converge" in msg and "loss: 1e-09" in msg and "`gradient_descent`" in msg
    assert isinstance(err.value, AssertionError)


def test_claims_never_raise_while_autograding(monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert claims.claim("anything", False, 1.0).holds is False


def test_a_failed_claims_line_names_the_students_functions_as_the_autograded_feedback_shows_it(monkeypatch):
    # while autograding the claim does not raise: its line is all the student reads in the feedback
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    c = claims.claim("The mean is 0 up to rounding.", False, 0.1222, uses=["gradient_noise"])
    text = claims.line(c, ["gradient_noise"])
    assert text.startswith("✗ The mean is 0 up to rounding (measured: 0.1222).") and "your `gradient_noise`" in text
    assert claims.line(c) == "✗ The mean is 0 up to rounding (measured: 0.1222)."  # no functions: nothing to blame
    held = claims.claim("It holds!", True, 1.0)
    assert claims.line(held, ["gradient_noise"]) == "✓ It holds (measured: 1)!"


def test_a_claim_line_is_the_sentence_with_its_value_in_markdown_and_in_plain_unicode(monkeypatch):
    """Before, the line was "✓ claim: <phrase> (measured: ...)" in text/plain only: a reader saw
    `$\\mu^\\star \\approx 0.566$` in JupyterLab, the site and the feedback pages."""
    shown = []
    monkeypatch.setattr(claims, "_display", lambda data, metadata: shown.append((data, metadata)))
    c = claims.claim(r"The best momentum is $\mu^\star \approx 0.566$, and $f < 10^{-3}$ after $x_t$ steps.", True,
                     {"mu_star": 0.5661, "steps": 12})
    (data, metadata), = shown
    assert data["text/plain"] == "✓ The best momentum is μ* ≈ 0.566, and f < 10⁻³ after xₜ steps " \
                                 "(measured: mu_star: 0.5661; steps: 12)."
    assert data["text/markdown"] == (r"✓ The best momentum is $\mu^\star \approx 0.566$, and $f < 10^{-3}$ after "
                                     r"$x_t$ steps (measured: mu\_star: 0.5661; steps: 12).")
    assert metadata[claims.METADATA_KEY]["statement"] == c.statement and c.values == [0.5661, 12]


def test_a_failed_claims_message_has_no_tex():
    with pytest.raises(claims.ClaimError) as err:
        claims.claim(r"Heavy ball converges at rate $\sqrt{\mu^\star} \le 0.76$.", False, 0.8)
    assert "√μ* ≤ 0.76" in str(err.value) and "$" not in str(err.value) and "\\" not in str(err.value)


def test_claims_record_the_numbers_they_measured_sentinels_included():
    assert claims._values({"GD": np.int64(0), "momentum": None}) == [0, None]
    assert claims._values([1.5, float("nan"), float("-inf")]) == [1.5, "nan", "-inf"]
    assert claims._values(np.array([])) == ["empty"] and claims._values({}) == ["empty"]
    assert claims._values("38 steps against 121, factor -0.9, nan") == [38, 121, -0.9, "nan"]
    assert claims._values(np.bool_(True)) == [] and claims._values(np.float32(2)) == [2.0]
    assert len(claims._values(np.arange(1000.0))) == claims.VALUES_KEPT


def test_record_only_shows_and_records_a_failed_claim_without_raising(monkeypatch):
    monkeypatch.setenv(claims.RECORD_ONLY, "record")
    assert claims.claim("anything", False, 1.0).holds is False
    monkeypatch.setenv(claims.RECORD_ONLY, "")
    with pytest.raises(claims.ClaimError):
        claims.claim("anything", False, 1.0)


def test_claim_between_is_inclusive_and_fails_outside():
    assert claims.claim_between("about 0.19", 0.185, 0.18, 0.20).holds
    with pytest.raises(claims.ClaimError, match="expected 0.18 to 0.2"):
        claims.claim_between("about 0.19", 0.25, 0.18, 0.20)


def test_timing_claims_need_a_wide_margin_and_show_ranges():
    with pytest.raises(ValueError, match="at least 3x"):
        claims.claim_faster("backprop is faster", [1.0], [2.0], margin=2.0)
    c = claims.claim_faster("one backward pass is far faster", [0.001, 0.002], [0.05, 0.06])
    assert c.holds and "ms" in c.measured and "median ratio" in c.measured
    with pytest.raises(claims.ClaimError):
        claims.claim_faster("one backward pass is far faster", [0.01, 0.02], [0.03, 0.04])
    # numpy timings work and record as plain JSON types
    c = claims.claim_faster("numpy timings", np.array([0.001, 0.001]), np.array([0.01, 0.02]))
    assert c.holds is True and type(c.holds) is bool


def test_sentences_and_candidates():
    md = ("Plain GD needs 120 steps. The rate is $\\kappa = 10$.\n\n- Adam beats SGD here.\n"
          "- A definition with no number.\n\n## Heading 3\n| a | 1 |")
    got = sentences(md)
    assert got == ["Plain GD needs 120 steps.", "The rate is $\\kappa = 10$.", "Adam beats SGD here.",
                   "A definition with no number."]
    assert [is_candidate(s) for s in got] == [True, False, True, False]
    assert normalise("**Adam** beats `SGD`") == "adam beats sgd"


@pytest.mark.parametrize("lesson", LESSONS)
def test_every_claim_of_the_reading_edition_holds_and_is_in_the_text(lesson):
    nb = read(NOTEBOOKS / f"{lesson}.ipynb")
    found, backed, unbacked, orphans = audit(nb, lesson)
    assert all(c.holds for c in found), [c for c in found if not c.holds]
    assert not orphans, f"claims whose statement appears in no text of {lesson}: {[c.statement for c in orphans]}"


def test_claim_counts_per_lesson(capsys):
    """Prints the claims and the unbacked sentences of every lesson (the table is the point)."""
    rows, missing = [], {}
    for lesson in LESSONS:
        found, backed, unbacked, _ = audit(read(NOTEBOOKS / f"{lesson}.ipynb"), lesson)
        rows.append((lesson, len(found), len(backed), len(unbacked)))
        if unbacked:
            missing[lesson] = unbacked
    with capsys.disabled():
        print("\nclaims per lesson (asserted claims, sentences they back, sentences with a number or a "
              "comparison and no claim nor exemption):")
        for lesson, n, b, u in rows:
            print(f"  {lesson:28s} {n:3d} claims  {b:3d} backed  {u:3d} unbacked")
        for lesson, items in missing.items():
            for s in items:
                print(f"  unbacked in {lesson}: {s[:110]}")
    if os.environ.get("COURSEKIT_CLAIMS_STRICT", "1") == "1":
        assert not missing, "sentences with a number or a comparison and no claim behind them (see above)"
