"""What runs beside student code, in the student's kernel: each hidden case is run under isolation
(:mod:`.collect`), the raw results are published for the grader (:mod:`.publish`), and the
notebook's ``check`` and ``grade`` (:mod:`.notebook`) print the verdict's report.

Nothing computed here is trusted while autograding: the score that counts is recomputed from the
published results by :mod:`coursegrader.grading.autograde.verify`, in nbgrader's own process.
"""
