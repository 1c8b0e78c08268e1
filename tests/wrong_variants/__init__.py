"""Plausible wrong submissions, written as students would write them, independently of the
catalogues in ``coursekit/exercises`` (committed before the catalogues were grown for issue 15, so
the share of named mistakes is not measured on the catalogue itself).

``VARIANTS``: ``(exercise name, variant function)`` for every optimizer of lessons 04/05, every
layer of lesson 06 and BatchNorm/LayerNorm of lesson 07. ``measure`` grades each one.
"""
from .layers import VARIANTS as _LAYERS
from .normalisation import VARIANTS as _NORM
from .optimizers import VARIANTS as _OPTIM

VARIANTS = _OPTIM + _LAYERS + _NORM
