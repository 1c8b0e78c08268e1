"""Every file generated from the exercise registry and the lessons' notebooks is up to date: the
student package's stored answer keys, docs/CONTRACT.md's tables, README.md's lesson table
(``python -m tools.generate`` writes them; facts are written once, in the exercises and notebooks)."""
from tools.generate import generated, stale

from conftest import ROOT


def test_generated_files_are_up_to_date():
    out_of_date = [str(p.relative_to(ROOT)) for p in stale(generated())]
    assert out_of_date == [], "run `python -m tools.generate`: " + ", ".join(out_of_date)
