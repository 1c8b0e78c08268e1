"""Write every file generated from the exercise registry: ``python -m tools.generate``.

- the visible cases' stored answer keys of the student package (``coursekit/check/expected/``).

Run it after changing an exercise (its cases, mistakes or points); ``make test`` fails while a
generated file is out of date (tests/test_generated.py).
"""
from __future__ import annotations

from coursegrader.authoring.keys import write_keys


def main() -> None:
    for path in write_keys():
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
