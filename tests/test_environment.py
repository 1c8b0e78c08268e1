"""pyproject.toml, environment.yml and coursekit's own pins agree; mismatches are reported."""
import re
import warnings

import pytest
import tomllib

from coursekit import _versions

from conftest import ROOT


def _pyproject_pins():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    deps = data["project"]["dependencies"] + data["project"]["optional-dependencies"]["dev"]
    return dict(re.fullmatch(r"([A-Za-z0-9_.-]+)==([0-9.]+)", d).groups() for d in deps)


def _environment_pins():
    pins = {}
    for line in (ROOT / "environment.yml").read_text().splitlines():
        m = re.fullmatch(r"\s*-\s*([A-Za-z0-9_.-]+)\s*(==|=)\s*([0-9.]+)\s*", line)
        if m and m.group(1) != "python":
            pins[m.group(1)] = m.group(3)
    return pins


def test_every_runtime_dependency_is_pinned_exactly():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    for dep in data["project"]["dependencies"]:
        assert re.fullmatch(r"[A-Za-z0-9_.-]+==[0-9.]+", dep), f"{dep} is not an exact pin"
    assert "torch==2.13.0" in data["project"]["dependencies"]


def test_environment_yml_agrees_with_pyproject():
    assert _environment_pins() == _pyproject_pins()


def test_coursekit_pins_agree_with_pyproject():
    py = _pyproject_pins()
    for name, version in _versions.PINNED.items():
        assert py[name] == version, name


def test_installed_versions_match_the_pins():
    assert _versions.mismatches() == {}


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
