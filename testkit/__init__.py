"""Made-up students and classes, for the tests (``tests/``) and the benchmarks (``bench/``) alike.

Not part of either distribution: nothing a student or an instructor installs imports it. It sits
below both users so that neither imports the other (the tests once took the benchmark's class from
``bench``, and both took their students from ``tools``).
"""
