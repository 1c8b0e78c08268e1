"""Plausible wrong submissions, written as students would write them, independently of the
catalogues in ``coursegrader/exercises`` (committed before the catalogues were grown for issue 15, so
the share of named mistakes is not measured on the catalogue itself; extended for issue 30 with
lessons 01-03, 08-09 and slips no catalogue has, written before the matcher changed).

``VARIANTS``: ``(exercise name, variant function)`` for every optimizer of lessons 04/05, every
layer of lesson 06, BatchNorm/LayerNorm of lesson 07, and the functions of lessons 01-03 and 08-09
(lesson 10 is not covered). :mod:`.slips` says which catalogued mistake each one is, if any;
:mod:`.measure` grades each one.
"""
from .activations import VARIANTS as _ACT
from .basics import VARIANTS as _BASICS
from .layers import VARIANTS as _LAYERS
from .normalisation import VARIANTS as _NORM
from .optimizers import VARIANTS as _OPTIM

VARIANTS = _OPTIM + _LAYERS + _NORM + _BASICS + _ACT


def key(exercise: str, fn) -> str:
    """A variant's id: ``"exercise: qualname"`` (the same qualname may serve two exercises)."""
    return f"{exercise}: {fn.__qualname__}"
