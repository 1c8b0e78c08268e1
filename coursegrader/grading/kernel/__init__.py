"""What runs beside student code, in the grading kernel: ``grade`` (:mod:`.grade`) runs each hidden
case under isolation (:mod:`coursekit.check.collect`), publishes the raw results for the grader
(:mod:`.publish`) and prints the verdict's report.

Nothing computed here is trusted while autograding: the score that counts is recomputed from the
published results by :mod:`coursegrader.grading.autograde.verify`, in nbgrader's own process.
"""
