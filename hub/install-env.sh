#!/usr/bin/env bash
# The Python environment of a hub user's server (docs/INSTRUCTORS.md, section 10), from a clone of
# the repository:
#
#   hub/install-env.sh student    /opt/optim-nn/student      # what every student's server runs
#   hub/install-env.sh instructor /opt/optim-nn/instructor   # the instructor's: both packages
#
# student: the student package (coursekit: the lesson kit and the visible checks, no answers),
# JupyterLab, nbgrader (the Assignments tab, Validate and Submit) and jupyterhub (its
# jupyterhub-singleuser command), at the course's pins. nbgrader's Formgrader, Create Assignment and
# course list are turned off in it. coursegrader (references, hidden tests, grading) is not installed.
# instructor: both packages (`pip install ./coursekit .`, as `make` does) and jupyterhub, and
# hub/instructor_server_config.py as its server configuration (lets Formgrader show in JupyterLab).
# Both get hub/nbgrader_config.py as their global nbgrader configuration (course id, exchange).
#
# PYTHON chooses the interpreter (default python3); it must be one every user can run. pip reads its
# own environment variables (PIP_CONSTRAINT, PIP_NO_COMPILE, ...). tests/coursegrader/test_hub.py runs this script.
set -euo pipefail
role=${1:?usage: hub/install-env.sh student|instructor PREFIX}
prefix=${2:?usage: hub/install-env.sh student|instructor PREFIX}
repo=$(cd "$(dirname "$0")/.." && pwd)
pin() { sed -n "s/^ *\"\($1==[^\"]*\)\",.*/\1/p" "$repo/pyproject.toml"; }
hub_pin=$(pin jupyterhub)
"${PYTHON:-python3}" -m venv "$prefix"
pip=("$prefix/bin/python" -m pip install --quiet)
"${pip[@]}" --upgrade pip  # the Python's own pip can be too old for today's packages' metadata
case $role in
student)
    "${pip[@]}" "$repo/coursekit" "$(pin nbgrader)" "$(pin jupyterlab)" "$hub_pin"
    # what only an instructor uses: Formgrader (its page and its menu entry), Create Assignment, the course list
    for plugin in formgrader create-assignment course-list; do
        "$prefix/bin/jupyter" labextension disable --level=sys_prefix "@jupyter/nbgrader:$plugin" >/dev/null
    done
    for extension in formgrader course_list; do
        "$prefix/bin/jupyter" server extension disable --sys-prefix "nbgrader.server_extensions.$extension" >/dev/null 2>&1
    done
    ;;
instructor)
    "${pip[@]}" "$repo/coursekit" "$repo" "$hub_pin"
    # Formgrader is shown in a frame of the server's own page: allow that (JupyterHub forbids all framing)
    mkdir -p "$prefix/etc/jupyter"
    cp "$repo/hub/instructor_server_config.py" "$prefix/etc/jupyter/jupyter_server_config.py"
    ;;
*)
    echo "unknown role $role: student or instructor" >&2
    exit 2
    ;;
esac
mkdir -p "$prefix/etc/jupyter"
cp "$repo/hub/nbgrader_config.py" "$prefix/etc/jupyter/nbgrader_config.py"
