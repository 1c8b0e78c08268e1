"""The two commands work on the machines students have: the Makefile refuses a Python the pins do not
support before anything is downloaded, installs torch's CPU build on Linux (overridable), falls back
quickly when PyTorch's index cannot be reached, and every pin resolves on every supported Python
found on this machine."""
from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import tomllib
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from conftest import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
REQUIRES_PYTHON = SpecifierSet(PYPROJECT["project"]["requires-python"])
STUDENT = tomllib.loads((ROOT / "coursekit" / "pyproject.toml").read_text())
# every third-party pin of both packages (the grader's own dependency on coursekit is this repository)
PINS = [d for d in STUDENT["project"]["dependencies"] + PYPROJECT["project"]["dependencies"]
        + PYPROJECT["project"]["optional-dependencies"]["dev"] if not d.startswith("coursekit==")]
TORCH_PIN = next(p for p in PINS if p.startswith("torch=="))
CPU_INDEX = "https://download.pytorch.org/whl/cpu"
TESTED = [c.rsplit(" :: ", 1)[1] for c in PYPROJECT["project"]["classifiers"]
          if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)]


# --- the Makefile, in a throw-away copy (nothing is installed) ------------------------------------

@pytest.fixture
def course_copy(tmp_path):
    """The Makefile and the two pyproject.toml files alone in a temporary folder: no .venv, nothing installed."""
    for name in ("Makefile", "pyproject.toml", "coursekit/pyproject.toml"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


# Under `make test` the suite inherits make's own variables (MAKEFLAGS carries command-line ones such
# as TORCH_INDEX=...): the Makefile under test gets only the variables a test gives it.
MAKE_ENV = {k: v for k, v in os.environ.items()
            if k not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "PYTHON", "TORCH_INDEX", "UNAME", "BIN"}}


def make(cwd, *args, timeout=60):
    """Run make in `cwd` with the given arguments (variables as NAME=value); returns the process."""
    return subprocess.run(["make", "--no-print-directory", *args], cwd=cwd, env=MAKE_ENV, capture_output=True,
                          text=True, timeout=timeout)


def install_commands(cwd, *variables):
    """The commands `make` would run to install the course (a dry run, `make -n`)."""
    proc = make(cwd, "-n", ".venv/.installed-stamp", f"PYTHON={sys.executable}", *variables)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.splitlines()


def torch_step(lines):
    """The install line that installs torch on its own (before the other pins), or None."""
    rest = lines.index(next(line for line in lines if '-e ".[dev]"' in line))
    steps = [line for line in lines[:rest] if "torch" in line]
    assert len(steps) <= 1, steps
    return steps[0] if steps else None


def test_the_install_of_both_packages_prints_nothing(tmp_path):
    """The Makefile's install line of the two packages, run for real in a fresh venv (``--no-deps``: the
    pins are checked below, and downloading torch here would prove nothing more) from a copy of both
    packages: pip, setuptools and the course print nothing. Before, setuptools' 15-line deprecation box
    for ``license = { text = "MIT" }`` and its "Editable installation" notice box came twice each."""
    for name in ("Makefile", "pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, tmp_path / name)
    for package in ("coursekit", "coursegrader"):
        shutil.copytree(ROOT / package, tmp_path / package,
                        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "build"))
    subprocess.run([sys.executable, "-m", "venv", str(tmp_path / ".venv")], check=True, timeout=120)
    lines = install_commands(tmp_path)
    upgrade = next(line for line in lines if "--upgrade pip" in line)  # the pip the course installs with
    subprocess.run(["sh", "-c", upgrade], cwd=tmp_path, env=MAKE_ENV, check=True, capture_output=True, timeout=300)
    line = next(line for line in lines if '-e ./coursekit -e ".[dev]"' in line)
    proc = subprocess.run(["sh", "-c", line + " --no-deps"], cwd=tmp_path, env=MAKE_ENV, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    local_index = "is ignored: it is neither a file nor a directory"  # a pip.conf's missing local index, not ours
    shown = [text for text in (proc.stdout + proc.stderr).splitlines() if text.strip() and local_index not in text]
    assert not shown, "\n".join(shown)


def test_linux_installs_torch_from_the_cpu_index_before_the_other_pins(course_copy):
    step = torch_step(install_commands(course_copy, "UNAME=Linux"))
    assert f'--no-deps --index-url "{CPU_INDEX}" "{TORCH_PIN}"' in step


def test_this_machine_uses_the_cpu_index_when_it_is_linux(course_copy):
    step = torch_step(install_commands(course_copy))
    if sys.platform.startswith("linux"):
        assert f'--index-url "{CPU_INDEX}"' in step
    else:
        assert CPU_INDEX not in (step or "")


@pytest.mark.parametrize("index", ["https://download.pytorch.org/whl/cu128", "https://mirror.example/simple"])
def test_torch_index_override_replaces_the_cpu_index(course_copy, index):
    step = torch_step(install_commands(course_copy, "UNAME=Linux", f"TORCH_INDEX={index}"))
    assert f'--index-url "{index}" "{TORCH_PIN}"' in step
    assert CPU_INDEX not in step


def test_a_local_wheel_folder_replaces_the_index(course_copy, tmp_path):
    step = torch_step(install_commands(course_copy, "UNAME=Linux", f"TORCH_INDEX={tmp_path}"))
    assert f'--no-index --find-links "{tmp_path}" "{TORCH_PIN}"' in step
    assert "://" not in step


@pytest.mark.parametrize("variables", [["UNAME=Darwin"], ["UNAME=Linux", "TORCH_INDEX="]])
def test_without_an_index_torch_comes_with_the_other_pins(course_copy, variables):
    lines = install_commands(course_copy, *variables)
    step = torch_step(lines)
    assert "pip install" not in (step or ""), step
    assert not any("index-url" in line or "find-links" in line for line in lines)


def _fallback_run(course_copy, index):
    """Run the real torch step of the Makefile against `index`, with this interpreter as the venv's
    python (only the reachability probe runs: the index is unreachable, so nothing is installed)."""
    step = torch_step(install_commands(course_copy, "UNAME=Linux", f"TORCH_INDEX={index}",
                                       f"BIN={Path(sys.executable).parent}"))
    start = time.perf_counter()
    proc = subprocess.run(["sh", "-c", step], cwd=course_copy, capture_output=True, text=True, timeout=60)
    return proc, time.perf_counter() - start


def _expect_one_fallback_line(proc, index):
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    lines = proc.stdout.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"torch: {index} cannot be reached, installing {TORCH_PIN} from the default index")


@pytest.mark.serial  # timed
def test_unreachable_index_falls_back_at_once_with_one_line(course_copy):
    with socket.socket() as closed:  # bound, never listening: connections are refused
        closed.bind(("127.0.0.1", 0))
        index = f"http://127.0.0.1:{closed.getsockname()[1]}/whl/cpu"
        proc, seconds = _fallback_run(course_copy, index)
    _expect_one_fallback_line(proc, index)
    assert seconds < 3, f"the fallback took {seconds:.1f} s"


@pytest.mark.serial  # timed
def test_silent_index_falls_back_within_seconds(course_copy):
    with socket.socket() as silent:  # accepts connections (backlog) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        index = f"http://127.0.0.1:{silent.getsockname()[1]}/whl/cpu"
        proc, seconds = _fallback_run(course_copy, index)
    _expect_one_fallback_line(proc, index)
    assert seconds < 8, f"the fallback took {seconds:.1f} s"


# --- VENV=<an environment installed another way> (the hub's instructor environment) ---------------

def test_a_given_environment_is_used_as_it_is(course_copy, tmp_path):
    """``make grade VENV=<folder>`` (docs/INSTRUCTORS.md, section 10: the hub's instructor environment)
    runs that environment's Python after checking it holds the instructor package, and installs
    nothing into it: no venv, no pip (before, make tried to create and install into it)."""
    env = tmp_path / "instructor-env"
    proc = make(course_copy, "-n", "grade", "LESSON=01_gradients", f"VENV={env}")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert not [line for line in lines if "pip" in line or "-m venv" in line or "installed-stamp" in line], lines
    assert any(line.startswith(f"{env}/bin/python -c 'import coursegrader'") for line in lines), lines
    assert lines[-1].rstrip() == f"{env}/bin/python -m tools.grade 01_gradients", lines


def test_a_given_environment_without_the_instructor_package_is_refused(course_copy, tmp_path):
    env = tmp_path / "student-env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True, timeout=60)
    proc = make(course_copy, "grade", "LESSON=01_gradients", f"VENV={env}")
    assert proc.returncode != 0
    assert f"VENV={env} has no Python with the instructor package (coursegrader)" in proc.stderr, proc.stderr
    assert "tools.grade" not in proc.stdout + proc.stderr


def test_clean_venv_removes_only_make_s_own_environment(course_copy, tmp_path):
    env = tmp_path / "instructor-env"
    (env / "bin").mkdir(parents=True)
    proc = make(course_copy, "clean-venv", f"VENV={env}")
    assert proc.returncode != 0 and "removes only .venv" in proc.stderr, proc.stderr
    assert (env / "bin").is_dir()


# --- Pythons on this machine ----------------------------------------------------------------------

def _candidate_pythons():
    """Executables that may be Pythons: python3.N on PATH, pyenv's versions, the usual folders."""
    folders = [Path(d) for d in os.environ.get("PATH", "").split(os.pathsep) if d]
    folders += [Path(p) for p in ("/usr/bin", "/usr/local/bin", "/opt/homebrew/bin")]
    roots = [os.environ.get("PYENV_ROOT"), Path.home() / ".pyenv"]
    if shutil.which("pyenv"):
        roots.append(subprocess.run(["pyenv", "root"], capture_output=True, text=True).stdout.strip())
    names = ["python3", "python"] + [f"python3.{n}" for n in range(30)] + ["python2", "python2.7"]
    found = [folder / name for folder in folders for name in names]
    for root in filter(None, roots):
        found += sorted(Path(root).glob("versions/*/bin/python"))
    found += sorted((Path.home() / ".local" / "share" / "uv" / "python").glob("*/bin/python3"))  # uv's Pythons
    return [p for p in dict.fromkeys(found) if p.is_file() and os.access(p, os.X_OK)]


def _probe(path):
    try:
        out = subprocess.run([str(path), "-c", "import sys; print('%d.%d.%d' % tuple(sys.version_info[:3]))"],
                             capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() if out.returncode == 0 and re.fullmatch(r"\d+\.\d+\.\d+", out.stdout.strip()) else None


def find_pythons():
    """{"3.12": (full version, path)}: one interpreter per minor version found on this machine."""
    with ThreadPoolExecutor(8) as pool:
        candidates = _candidate_pythons()
        versions = list(pool.map(_probe, candidates))
    found = {}
    for path, version in zip(candidates, versions):
        if version:
            found.setdefault(version.rsplit(".", 1)[0], (version, str(path)))
    return dict(sorted(found.items(), key=lambda kv: tuple(map(int, kv[0].split(".")))))


PYTHONS = find_pythons()
UNSUPPORTED = [v for v in PYTHONS if not REQUIRES_PYTHON.contains(f"{v}.0")]


# every older Python found, with `make test`; the newest of them with `make lab` too
REFUSALS = [(v, "test") for v in UNSUPPORTED] + [(v, "lab") for v in UNSUPPORTED[-1:]]


@pytest.mark.parametrize(("version", "target"), REFUSALS or [pytest.param(None, None, marks=pytest.mark.skip(
    reason="no Python older than requires-python found on this machine"))])
def test_unsupported_python_is_refused_in_one_line_before_anything_happens(course_copy, version, target):
    full, path = PYTHONS[version]
    proc = make(course_copy, target, f"PYTHON={path}")
    lines = (proc.stdout + proc.stderr).splitlines()
    assert proc.returncode != 0
    assert len(lines) == 1, lines
    minimum = PYPROJECT["project"]["requires-python"].removeprefix(">=")
    assert f"needs Python {minimum} or newer but {path} is Python {full}" in lines[0]
    assert f"install Python {minimum} or newer (tested: {' '.join(TESTED)})" in lines[0]
    assert f"PYTHON=python{TESTED[-1]}" in lines[0]
    assert sorted(p.name for p in course_copy.iterdir()) == ["Makefile", "coursekit", "pyproject.toml"]
    assert sorted(p.name for p in (course_copy / "coursekit").iterdir()) == ["pyproject.toml"]


def test_missing_python_is_refused_in_one_line(course_copy):
    proc = make(course_copy, "test", "PYTHON=python-that-is-not-installed")
    lines = (proc.stdout + proc.stderr).splitlines()
    assert proc.returncode != 0
    assert len(lines) == 1 and "No Python found as python-that-is-not-installed: install Python" in lines[0], lines
    assert not (course_copy / ".venv").exists()


def test_a_venv_made_by_an_old_python_is_refused_with_the_way_out(course_copy):
    if not UNSUPPORTED:
        pytest.skip("no Python older than requires-python found on this machine")
    full, path = PYTHONS[UNSUPPORTED[-1]]
    subprocess.run([path, "-m", "venv", "--without-pip", ".venv"], cwd=course_copy, check=True)
    proc = make(course_copy, "test")
    lines = (proc.stdout + proc.stderr).splitlines()
    assert proc.returncode != 0
    assert len(lines) == 1 and f".venv was made with Python {full}" in lines[0] and "make clean-venv" in lines[0], lines


# --- every pin resolves on every supported Python (pip's own resolver, nothing installed) --------

# pip runs inside the target interpreter (`pip --python`), so it can examine only the Pythons it
# supports itself; older ones are refused by the Makefile (tested above).
PIP_PYTHONS = SpecifierSet(metadata.metadata("pip")["Requires-Python"] or "")
MATRIX = sorted(set(TESTED) | {v for v in PYTHONS if PIP_PYTHONS.contains(f"{v}.0")},
                key=lambda v: tuple(map(int, v.split("."))))


def _resolve(version):
    """`pip install --dry-run --report` of every pin for one interpreter: (returncode, report, stderr).

    --no-deps: the question is whether each pin has a distribution for this Python. Their own
    dependencies are not pinned (pip picks what fits each Python), and resolving them too costs
    about 10 CPU-seconds more per Python in pip's parsing of index pages; on the running Python the
    whole set is proven by the installed venv itself (tests/repo/test_environment.py).
    --only-binary: every pin installs from a wheel, nothing is compiled on a student's machine.
    --use-feature=fast-deps: pip reads each wheel's metadata with HTTP range requests instead of
    downloading the whole wheel (PyPI's torch wheels are about 500 MB).
    """
    _, path = PYTHONS[version]
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "--python", path, "install", "--dry-run", "--ignore-installed",
         "--no-deps", "--only-binary=:all:", "--use-feature=fast-deps", "--quiet", "--report", "-", *PINS],
        capture_output=True, text=True, timeout=600)
    report = json.loads(proc.stdout) if proc.returncode == 0 else None
    return proc.returncode, report, proc.stderr


@pytest.fixture(scope="session")
def resolutions():
    """Every found Python of the matrix resolved at once (each run waits mostly on the network)."""
    versions = [v for v in MATRIX if v in PYTHONS]
    start = time.perf_counter()
    with ThreadPoolExecutor(len(versions) or 1) as pool:
        results = dict(zip(versions, pool.map(_resolve, versions)))
    print(f"\nresolved the pins for Python {', '.join(versions)} in {time.perf_counter() - start:.1f} s")
    return results


@pytest.mark.parametrize("version", MATRIX)
def test_pins_resolve_on_supported_pythons_and_not_on_older_ones(resolutions, version):
    if version not in PYTHONS:
        pytest.skip(f"Python {version} is not installed on this machine: its pins are not proven here")
    returncode, report, stderr = resolutions[version]
    if not REQUIRES_PYTHON.contains(f"{version}.0"):
        # refused, and for the right reason: a pin whose own Requires-Python excludes this version
        assert returncode != 0, f"every pin resolves on Python {version}: requires-python could be lower"
        failed = re.search(r"No matching distribution found for (\S+)", stderr)
        assert failed, stderr
        name = failed.group(1).split("==")[0]
        assert not SpecifierSet(metadata.metadata(name)["Requires-Python"]).contains(f"{version}.0"), stderr
        return
    assert returncode == 0, f"a pin does not resolve on Python {version}:\n{stderr}"
    assert report["environment"]["python_version"] == version
    chosen = {canonicalize_name(i["metadata"]["name"]): i["metadata"]["version"] for i in report["install"]}
    wanted = {canonicalize_name(n): v for n, v in (p.split("==") for p in PINS)}
    # a local build label is the same release: torch 2.13.0+cpu satisfies torch==2.13.0
    assert {n: v.split("+")[0] for n, v in chosen.items()} == wanted
    assert all(i["download_info"]["url"].endswith(".whl") for i in report["install"])
