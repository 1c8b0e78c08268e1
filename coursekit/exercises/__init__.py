"""Per-lesson catalogues of graded exercises: cases, tolerances and known mistakes.

One module per lesson, named ``lNN_topic``; each registers its exercises with
:func:`coursekit.grading.register` at import.
"""
