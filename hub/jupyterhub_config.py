"""JupyterHub for the course on one machine (docs/INSTRUCTORS.md, section 10): `jupyterhub -f
hub/jupyterhub_config.py`, as root.

Users are the machine's Unix accounts, logged in with their passwords by JupyterHub's default
authenticator (PAM). Two Unix groups say who may log in and with which environment: members of the
instructors' group get the instructor environment (both packages, Formgrader), members of the
students' group the student environment (the student package only; hub/install-env.sh builds both).
Each user's server runs as that user (JupyterHub's default LocalProcessSpawner), in JupyterLab.

Settings, from the environment (the defaults are a standard install; tests/coursegrader/test_hub.py sets its own):
OPTIM_NN_STUDENTS / OPTIM_NN_INSTRUCTORS (the two groups' names), OPTIM_NN_STUDENT_ENV /
OPTIM_NN_INSTRUCTOR_ENV (the two environments' folders), OPTIM_NN_COURSE (an instructor's course
directory, relative to the home: "course").
"""
import grp
import os
import pwd

c = get_config()  # noqa: F821 - provided by JupyterHub

STUDENTS = os.environ.get("OPTIM_NN_STUDENTS", "optim-nn-students")
INSTRUCTORS = os.environ.get("OPTIM_NN_INSTRUCTORS", "optim-nn-instructors")
STUDENT_ENV = os.environ.get("OPTIM_NN_STUDENT_ENV", "/opt/optim-nn/student")
INSTRUCTOR_ENV = os.environ.get("OPTIM_NN_INSTRUCTOR_ENV", "/opt/optim-nn/instructor")
# an instructor's course directory (a clone of the repository), relative to the instructor's home
COURSE = os.environ.get("OPTIM_NN_COURSE", "course")

# who may log in: members of either group (PAM checks the password)
c.PAMAuthenticator.allowed_groups = {STUDENTS, INSTRUCTORS}


def is_instructor(username: str) -> bool:
    """A member of the instructors' Unix group (as the authenticator tests membership: any of the
    user's groups, the primary one included)."""
    gids = os.getgrouplist(username, pwd.getpwnam(username).pw_gid)
    return grp.getgrnam(INSTRUCTORS).gr_gid in gids


def choose_environment(spawner) -> None:
    """The instructor environment for instructors, the student environment for everyone else: the
    server, its kernels and its terminals all run that environment's Python. An instructor's server
    starts in the course directory (COURSE, relative to the home; the home if it is absent), as
    `make lab` does: the course's nbgrader_config.py names the gradebook relative to the folder
    nbgrader runs in, and Formgrader's pages read it from there while its actions run in the
    course directory, so a server started in the home would keep two gradebooks."""
    instructor = is_instructor(spawner.user.name)
    env = INSTRUCTOR_ENV if instructor else STUDENT_ENV
    singleuser = os.path.join(env, "bin", "jupyterhub-singleuser")
    if instructor:
        # JupyterHub starts every server in the user's home: change folder, then run the server
        spawner.cmd = ["/bin/sh", "-c", 'cd "$OPTIM_NN_COURSE" 2>/dev/null; exec "$0" "$@"', singleuser]
        spawner.environment["OPTIM_NN_COURSE"] = COURSE
    else:
        spawner.cmd = [singleuser]
    spawner.environment["PATH"] = os.pathsep.join([os.path.join(env, "bin"), "/usr/local/bin", "/usr/bin", "/bin"])


c.Spawner.pre_spawn_hook = choose_environment
# what a user's server inherits from the hub's own environment: the locale only (the environment's PATH
# is set above). LocalProcessSpawner's default also passes PYTHONPATH, VIRTUAL_ENV, CONDA_*,
# LD_LIBRARY_PATH and PATH on: a hub started with PYTHONPATH naming a clone of this repository would let
# every student's code import the instructor package (the hidden tests, the reference answers)
c.Spawner.env_keep = ["JUPYTERHUB_SINGLEUSER_APP", "LANG", "LC_ALL"]
c.Spawner.default_url = "/lab"
# a server waits for nothing else to start; grading from Formgrader runs inside the instructor's server
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
