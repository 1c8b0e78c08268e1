"""Per-lesson catalogues of graded exercises: cases, tolerances, known mistakes and points.

One module per lesson, named ``lNN_topic``; each registers its exercises with
:func:`coursegrader.grading.register` at import. Grading finds this package through the entry point
``coursekit.catalogues`` (pyproject.toml) and imports every module in it: a new lesson's catalogue
needs no edit anywhere else, and grading never imports this package by name.
"""
