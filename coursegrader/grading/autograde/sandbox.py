"""The autograding kernel's sandbox: bubblewrap (``bwrap``), no network, read-only world.

Inside the sandbox the kernel sees the whole filesystem read-only, except:

- its working folder (the submission's ``autograded/<student>/<lesson>/``), writable;
- ``/tmp``, ``/var/tmp``, ``/dev/shm`` and ``$HOME``: empty, private, thrown away afterwards;
- the course directory (the gradebook, ``source/``, ``submitted/``, other students' work) is
  hidden behind an empty directory; only the Python environment and the course packages
  (``coursekit``, and ``coursegrader`` unless ``answers_outside``) are mounted back, read-only, if
  they live inside it;
- with ``answers_outside``, the instructor package and the project folder it is installed from are
  hidden too, and a stand-in ``coursegrader`` holding no answer is mounted in its place.

It has no network (a new network namespace with only a loopback that is down) and talks to
nbgrader over Unix sockets in a private folder. Its address space is capped
(``memory_limit``), so a memory hog meets a ``MemoryError`` instead of the machine's OOM killer.
"""
from __future__ import annotations

import functools
import os
import pathlib
import shutil
import site
import subprocess
import sys
import sysconfig
import tempfile

from coursekit.check.hidden import INPUTS_ENV
from coursekit.check.service import SERVICE_ENV

INSTALL_HINT = ("bubblewrap (bwrap) is not available: install it with `sudo apt-get install bubblewrap` "
                "(Debian/Ubuntu) or `sudo dnf install bubblewrap` (Fedora)")


@functools.cache
def unavailable_reason() -> str | None:
    """``None`` if bwrap works on this machine, else why not (in words an instructor can act on)."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return INSTALL_HINT
    try:
        proc = subprocess.run([bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
                               "--unshare-net", "--unshare-pid", "--die-with-parent", "true"],
                              capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bwrap is installed but could not run: {exc}"
    if proc.returncode != 0:
        return ("bwrap is installed but cannot create a sandbox here (unprivileged user namespaces "
                f"may be disabled: sysctl kernel.unprivileged_userns_clone=1): {proc.stderr.strip()}")
    return None


def available() -> bool:
    return unavailable_reason() is None


def _inside(path: pathlib.Path, folder: pathlib.Path) -> bool:
    try:
        path.relative_to(folder)
        return True
    except ValueError:
        return False


def instructor_package() -> pathlib.Path:
    """The folder of the instructor package (``coursegrader``) this process imports."""
    import coursegrader

    return pathlib.Path(coursegrader.__file__).resolve().parent


def instructor_project() -> pathlib.Path | None:
    """The project folder the instructor package is installed from in development mode (``pip
    install -e .``: the course's repository, with its lessons' solutions), or None."""
    root = instructor_package().parent
    return root if (root / "pyproject.toml").is_file() else None


# what ``coursegrader`` is inside a kernel that must not see the instructor package (issue 29):
# ``coursegrader.grading.grade`` runs the cases the grader hands in (coursekit.check.hidden), and
# ``coursegrader.reference`` holds, under each reference's name, a function that raises: a submission
# that imports the course's reference still imports, and calling it is seen as delegating, as it was
STAND_IN = {"__init__.py": '"""A stand-in: the instructor package is not in the grading kernel\'s view."""\n',
            "grading/__init__.py": '"""The hidden tests\' grade(): runs the cases the grader hands in."""\n'
                                   "from coursekit.check.hidden import grade\n\n__all__ = [\"grade\"]\n"}
# RuntimeError, not NotImplementedError: that one means "your exercise is not done yet" to the student
STUB = ("def {name}(*args, **kwargs):\n"
        "    raise RuntimeError(\"the course's reference is not available while grading\")\n\n\n")
SERVICE_FILE = "callees.sock"  # in the private folder: the callee service's socket, while a grade cell runs
INPUTS_FILE = "grading-inputs.pickle"  # in the private folder: what the grader hands in for a grade cell


def reference_stubs() -> dict[str, str]:
    """``{path in the package: source}`` of the stand-in's ``reference`` modules: each module of the
    instructor package's ``reference`` with a raising function in place of every function or class
    it defines (names read from the source, nothing imported)."""
    import ast

    folder = instructor_package() / "reference"
    stubs = {}
    for path in sorted(folder.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
        stubs[str(path.relative_to(instructor_package()))] = \
            '"""A stand-in: no reference in the grading kernel."""\n\n\n' + "".join(STUB.format(name=n) for n in names)
    return stubs


def write_stand_in(folder: pathlib.Path) -> pathlib.Path:
    """Write the stand-in package under ``folder``; returns its package folder."""
    package = folder / "coursegrader"
    for name, text in {**reference_stubs(), **STAND_IN}.items():
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_text(text)
    return package


def _needed_paths(instructor: bool = True) -> list[pathlib.Path]:
    """What the kernel must still read if it lives in a hidden folder: Python and the course's
    packages (the student package, and, unless it is kept out of view, the grader's)."""
    import coursekit

    paths = {pathlib.Path(sys.prefix), pathlib.Path(sys.base_prefix),
             pathlib.Path(os.path.realpath(sys.executable)).parent,
             pathlib.Path(coursekit.__file__).resolve().parent}
    if instructor:
        paths.add(instructor_package())
    for key in ("purelib", "platlib", "stdlib", "platstdlib"):
        try:
            paths.add(pathlib.Path(sysconfig.get_paths()[key]))
        except KeyError:  # pragma: no cover
            pass
    user_site = site.getusersitepackages() if site.ENABLE_USER_SITE else None
    if user_site and os.path.isdir(user_site):
        paths.add(pathlib.Path(user_site))
    return sorted(p.resolve() for p in paths if p.exists())


def command(cmd: list[str], *, workdir: str | os.PathLike, private: str | os.PathLike,
            hidden: list[str | os.PathLike] = (), memory_limit: int | None = None,
            answers_outside: bool = False) -> list[str]:
    """``cmd`` wrapped to run in the sandbox, with ``workdir`` writable and ``private`` (sockets,
    connection file) shared with the grader; the folders in ``hidden`` are masked.

    ``answers_outside`` (issue 29; ``SafeExecute.answers_outside``): the instructor package's
    files, and the project folder it is developed in, are masked too; ``coursegrader`` is a
    stand-in whose ``grading.grade`` runs the cases the grader writes to ``private``/:data:`INPUTS_FILE`."""
    workdir = pathlib.Path(workdir).resolve()
    private = pathlib.Path(private).resolve()
    args = [shutil.which("bwrap") or "bwrap", "--die-with-parent", "--unshare-net", "--unshare-ipc",
            "--unshare-pid", "--unshare-uts", "--hostname", "grading",
            "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
            "--tmpfs", "/tmp", "--tmpfs", "/var/tmp", "--tmpfs", "/dev/shm"]
    masks = {pathlib.Path(h).resolve() for h in hidden}
    if answers_outside:
        masks.add(instructor_package())
        if instructor_project() is not None:
            masks.add(instructor_project())
    home = os.environ.get("HOME")
    if home and pathlib.Path(home).resolve() != pathlib.Path("/") and pathlib.Path(home).is_dir():
        masks.add(pathlib.Path(home).resolve())
    for mask in sorted(masks, key=lambda p: len(p.parts)):
        if mask.is_dir() and mask != pathlib.Path("/"):
            args += ["--tmpfs", str(mask)]
    # mount back, read-only, what the kernel needs from a masked folder (deepest last)
    for path in _needed_paths(instructor=not answers_outside):
        if any(_inside(path, m) or path in (pathlib.Path("/tmp"), pathlib.Path("/var/tmp"))
               or _inside(path, pathlib.Path("/tmp")) for m in masks):
            args += ["--ro-bind", str(path), str(path)]
    if answers_outside:
        args += ["--ro-bind", str(write_stand_in(private / "stand-in")), str(instructor_package()),
                 "--setenv", INPUTS_ENV, str(private / INPUTS_FILE),
                 "--setenv", SERVICE_ENV, str(private / SERVICE_FILE)]
    args += ["--bind", str(private), str(private), "--bind", str(workdir), str(workdir),
             "--chdir", str(workdir), "--setenv", "HOME", home or str(workdir),
             "--setenv", "MPLCONFIGDIR", str(private / "matplotlib"), "--setenv", "COURSEKIT_SANDBOX", "1",
             # ipykernel's parent poller would see bwrap, not nbgrader, as its parent and quit;
             # --die-with-parent does its job instead
             "--unsetenv", "JPY_PARENT_PID"]
    if memory_limit:
        args += ["--", "prlimit", f"--as={int(memory_limit)}", "--"]
    else:
        args += ["--"]
    return args + list(cmd)


def private_folder() -> str:
    """A folder for the kernel's sockets and connection file (outside any masked folder's reach
    because it is bound into the sandbox explicitly)."""
    return tempfile.mkdtemp(prefix="coursekit-kernel-")
