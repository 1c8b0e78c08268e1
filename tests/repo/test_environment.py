"""The two packages' pyproject.toml files, environment.yml and the packages' own pins agree;
mismatches are reported."""
import re
import tomllib
import warnings
from importlib import metadata

import pytest

from coursegrader import _versions as grader_versions
from coursekit import _versions

from conftest import ROOT

STUDENT = ROOT / "coursekit" / "pyproject.toml"


def _deps(path):
    return tomllib.loads(path.read_text())["project"]["dependencies"]


def _pyproject_pins():
    """Every third-party pin of both packages (the student's, the instructor's and its dev extra)."""
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    deps = _deps(STUDENT) + data["project"]["dependencies"] + data["project"]["optional-dependencies"]["dev"]
    pins = dict(re.fullmatch(r"([A-Za-z0-9_.-]+)==([0-9.]+)", d).groups() for d in deps)
    pins.pop("coursekit")
    return pins


def _environment_pins():
    pins = {}
    for line in (ROOT / "environment.yml").read_text().splitlines():
        m = re.fullmatch(r"\s*-\s*([A-Za-z0-9_.-]+)\s*(==|=)\s*([0-9.]+)\s*", line)
        if m and m.group(1) != "python":
            pins[m.group(1)] = m.group(3)
    return pins


def test_every_runtime_dependency_is_pinned_exactly():
    for dep in _deps(STUDENT) + _deps(ROOT / "pyproject.toml"):
        assert re.fullmatch(r"[A-Za-z0-9_.-]+==[0-9.]+", dep), f"{dep} is not an exact pin"
    assert "torch==2.13.0" in _deps(STUDENT)
    version = tomllib.loads(STUDENT.read_text())["project"]["version"]
    assert f"coursekit=={version}" in _deps(ROOT / "pyproject.toml"), "the grader depends on this student package"


def test_the_student_package_needs_only_what_a_kernel_needs():
    """torch, numpy, matplotlib, ipywidgets, the kernel and a progress bar; nothing of grading."""
    assert {d.split("==")[0] for d in _deps(STUDENT)} == {"torch", "numpy", "matplotlib", "ipywidgets", "ipykernel",
                                                           "tqdm"}


def test_environment_yml_agrees_with_pyproject():
    assert _environment_pins() == _pyproject_pins()


def test_coursekit_pins_agree_with_pyproject():
    py = _pyproject_pins()
    for name, version in {**_versions.PINNED, **grader_versions.PINNED}.items():
        assert py[name] == version, name
    assert set(_versions.PINNED) == {d.split("==")[0] for d in _deps(STUDENT)}


def test_installed_versions_match_the_pins():
    assert _versions.mismatches() == {}
    assert _versions.mismatches(grader_versions.PINNED) == {}


def test_mismatch_warns_clearly(monkeypatch):
    monkeypatch.setitem(_versions.PINNED, "numpy", "0.0.1")
    with pytest.warns(_versions.VersionWarning, match=r"numpy .* \(course pins 0\.0\.1\)"):
        _versions.warn_on_mismatch()


def test_no_warning_when_pins_match():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _versions.warn_on_mismatch()


def test_ci_runs_the_readme_test_command():
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    assert "make test" in (ROOT / "README.md").read_text()


# --- the Python versions the course claims -------------------------------------------------------

def _minors(spec):
    """The Python 3 minor versions (3.0 ... 3.40) a Requires-Python specifier admits."""
    from packaging.specifiers import SpecifierSet

    spec = SpecifierSet(spec or "")
    return {f"3.{n}" for n in range(41) if spec.contains(f"3.{n}.0")}


def _tested_pythons():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return [c.rsplit(" :: ", 1)[1] for c in data["project"]["classifiers"]
            if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)]


def test_requires_python_is_what_the_pins_accept():
    """requires-python admits exactly the Pythons every pin's own Requires-Python admits (read from the
    installed distributions), so a pin bump that drops a Python cannot leave the claim behind."""
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    # a distribution that declares no Requires-Python (sphinx-mathjax-offline) accepts every Python
    declared = [metadata.metadata(name).get("Requires-Python") for name in _pyproject_pins()]
    accepted = set.intersection(*(_minors(spec) for spec in declared))
    assert _minors(data["project"]["requires-python"]) == accepted


def test_tested_pythons_are_supported_and_start_at_the_oldest():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    tested = _tested_pythons()
    supported = _minors(data["project"]["requires-python"])
    assert tested and set(tested) <= supported
    assert tested[0] == min(supported, key=lambda v: int(v.split(".")[1]))


def test_readme_states_the_tested_pythons():
    quickstart = (ROOT / "README.md").read_text().split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    stated = re.search(r"Python ((?:3\.\d+, )*3\.\d+) or (3\.\d+)", quickstart)
    assert stated, "the Quickstart names the supported Pythons"
    assert stated.group(1).split(", ") + [stated.group(2)] == _tested_pythons()
    assert "3.10+" not in (ROOT / "README.md").read_text()


def test_conda_environment_uses_a_tested_python_and_the_cpu_build():
    text = (ROOT / "environment.yml").read_text()
    python = re.search(r"^\s*-\s*python\s*=\s*(3\.\d+)\s*$", text, re.M)
    assert python and python.group(1) in _tested_pythons()
    pip_section = text.split("- pip:", 1)[1]
    assert re.search(r"^\s*-\s*--extra-index-url https://download\.pytorch\.org/whl/cpu\s*$", pip_section, re.M)
    assert pip_section.index("--extra-index-url") < pip_section.index("torch==")
