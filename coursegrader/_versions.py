"""The instructor package's pins beyond the student package's (pyproject.toml; checked at import)."""
from __future__ import annotations

PINNED = {
    "jupyterlab": "4.6.6",
    "nbgrader": "0.9.6",
    "jupyter_client": "8.10.0",
    "dask": "2026.8.0",
    "distributed": "2026.8.0",
    "psycopg": "3.3.9",
}
