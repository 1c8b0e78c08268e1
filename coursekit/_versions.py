"""Warn at import when installed packages differ from the versions the course is pinned to."""
from __future__ import annotations

import warnings
from importlib import metadata

PINNED = {
    "torch": "2.13.0",
    "numpy": "2.4.6",
    "matplotlib": "3.11.2",
    "ipywidgets": "8.1.9",
    "jupyterlab": "4.6.6",
    "nbgrader": "0.9.6",
    "jupyter_client": "8.10.0",
    "tqdm": "4.70.1",
    "dask": "2026.8.0",
    "distributed": "2026.8.0",
    "psycopg": "3.3.9",
}


class VersionWarning(UserWarning):
    """Installed packages differ from the course's pins; results may differ from the tests."""


def mismatches() -> dict[str, tuple[str, str | None]]:
    found = {}
    for name, want in PINNED.items():
        try:
            have = metadata.version(name)
        except metadata.PackageNotFoundError:
            have = None
        if have is None or have.split("+")[0] != want:
            found[name] = (want, have)
    return found


def warn_on_mismatch() -> None:
    bad = mismatches()
    if bad:
        listed = ", ".join(f"{n} {have or 'missing'} (course pins {want})" for n, (want, have) in bad.items())
        warnings.warn(f"coursekit: installed versions differ from the course's pins: {listed}. "
                      f"Run `make lab` or `pip install -e .` in the course folder.", VersionWarning,
                      stacklevel=3)
