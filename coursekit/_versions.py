"""Warn at import when installed packages differ from the versions the course is pinned to."""
from __future__ import annotations

import warnings
from collections.abc import Mapping
from importlib import metadata

# what a student's kernel needs (coursekit/pyproject.toml; tests/repo/test_environment.py checks they agree)
PINNED = {
    "torch": "2.13.0",
    "numpy": "2.4.6",
    "matplotlib": "3.11.2",
    "ipywidgets": "8.1.9",
    "ipykernel": "7.4.0",
    "tqdm": "4.70.1",
}


class VersionWarning(UserWarning):
    """Installed packages differ from the course's pins; results may differ from the tests."""


def mismatches(pinned: Mapping[str, str] = PINNED) -> dict[str, tuple[str, str | None]]:
    found = {}
    for name, want in pinned.items():
        try:
            have = metadata.version(name)
        except metadata.PackageNotFoundError:
            have = None
        if have is None or have.split("+")[0] != want:
            found[name] = (want, have)
    return found


def warn_on_mismatch(pinned: Mapping[str, str] = PINNED, package: str = "coursekit") -> None:
    bad = mismatches(pinned)
    if bad:
        listed = ", ".join(f"{n} {have or 'missing'} (course pins {want})" for n, (want, have) in bad.items())
        warnings.warn(f"{package}: installed versions differ from the course's pins: {listed}. "
                      f"Run `make lab` in the course folder, or reinstall {package}.", VersionWarning,
                      stacklevel=3)
