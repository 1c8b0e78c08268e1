"""IEEE float16 in NumPy, fast: what storing a float32 array in float16 does to its values.

float16 has 5 exponent bits and 10 mantissa bits: the largest finite value is 65504, the smallest
normal one 2**-14 (about 6.1e-5); below that the *subnormal* numbers are the multiples of 2**-24
(about 6e-8), and anything under half of that rounds to 0 (underflow). Above 65520 a value becomes
inf (overflow).

``astype(np.float16)`` gives exactly these values, but NumPy converts subnormal results about 50
times slower than normal ones; :func:`to_float16` rounds the subnormal range on the 2**-24 grid
itself (round half to even, as IEEE does) and leaves the rest to NumPy, with the same result.
"""
from __future__ import annotations

import numpy as np

TINY = 2.0 ** -24      # the smallest positive subnormal float16
SMALLEST_NORMAL = 2.0 ** -14
LARGEST = 65504.0      # the largest finite float16


def to_float16(a):
    """The values of ``a`` after a round trip through float16, as float32 (``a.astype(np.float16)``
    then back): rounded to 11 significant bits, subnormals on the 2**-24 grid, underflow to 0 and
    overflow to inf (no warning). Equal entry for entry to NumPy's own conversion."""
    a = np.asarray(a, dtype=np.float32)
    sub = np.abs(a) < SMALLEST_NORMAL
    with np.errstate(over="ignore"):
        normal = np.where(sub, np.float32(0.0), a).astype(np.float16).astype(np.float32)
    return np.where(sub, np.round(a / np.float32(TINY)) * np.float32(TINY), normal)
