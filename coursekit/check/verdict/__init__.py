"""The verdict: pure functions from what a student's function produced (a list of
:class:`coursegrader.grading.protocol.RawResult`) to a judgement, a score and a report.

Nothing here runs student code. It runs the course's own code only: the reference (for the
expected results) and the catalogued mistakes (to name one only when it gives the student's results
on every case, :func:`.score.name_mistakes`; else :mod:`.difference` says what is known). It runs in
the student's kernel (the report printed under a grade cell, the visible ``check``) and again in
nbgrader's own process (:mod:`coursegrader.grading.autograde.verify`), where the score that counts
is computed.
"""
