"""Lesson 07 (batch normalization): one module per graded exercise (hidden cases, catalogued mistakes, points).

``batchnorm_forward`` and ``batchnorm_forward[eval]`` grade one function, in one solution cell and
one grade cell; their first mistake is the same function, so a planted mistake is named by both.
Backward mistakes read the course's cache, the one the reference forward makes (``x_hat``,
``gamma``, ``inv_std`` and, for BatchNorm, ``training``): while grading, a backward whose own
forward is missing or broken is run with that cache."""
