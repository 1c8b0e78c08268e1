"""Lesson 06 (backpropagation): one module per graded exercise (hidden cases, catalogued mistakes, points).

Backward mistakes read the course's cache, the one the reference forward makes: ``(x, W, b)`` for
the linear layer, ``x`` for ReLU (while grading, a backward whose own forward is missing or broken
is run with that cache)."""
