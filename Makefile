# One entry point for everything; each target creates .venv first if needed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
comma  := ,
# make's own environment, .venv, is created and kept up to date by make. VENV=<folder> names one
# installed another way (the hub's instructor environment, built by hub/install-env.sh: docs/INSTRUCTORS.md,
# section 10): make uses it as it is, checks that it holds the instructor package, and installs nothing.
OWN_VENV := $(filter .venv,$(VENV))
STAMP  := $(if $(OWN_VENV),$(VENV)/.installed-stamp,given-venv)

# The oldest Python the pins accept, from pyproject.toml's requires-python (tests/repo/test_environment.py
# checks it against the pins' own Requires-Python). Checked before anything is created or downloaded.
MIN_PYTHON := $(shell sed -n 's/^requires-python = ">=\([0-9.]*\)".*/\1/p' pyproject.toml)
VENV_PYTHON = $(if $(wildcard $(BIN)/python),$(BIN)/python,$(PYTHON))
PYTHON_FOUND = $(shell $(VENV_PYTHON) -c 'import sys; v = sys.version_info; print("ok" if v[:2] >= ($(subst .,$(comma) ,$(MIN_PYTHON))) else "%d.%d.%d" % tuple(v[:3]))' 2>/dev/null)
# and the versions the tests resolve every pin for (pyproject.toml's classifiers)
PYTHON_TESTED := $(shell sed -n 's/^ *"Programming Language :: Python :: \(3\.[0-9]*\)",*$$/\1/p' pyproject.toml)
PYTHON_ADVICE = install Python $(MIN_PYTHON) or newer (tested: $(PYTHON_TESTED)), then run make again with PYTHON=python$(lastword $(PYTHON_TESTED))
PYTHON_PROBLEM = $(if $(wildcard $(BIN)/python),$(VENV) was made with $(if $(PYTHON_FOUND),Python $(PYTHON_FOUND),a Python that no longer runs) but the course needs Python $(MIN_PYTHON) or newer: run make clean-venv$(comma) then $(PYTHON_ADVICE),$(if $(PYTHON_FOUND),The course needs Python $(MIN_PYTHON) or newer but $(PYTHON) is Python $(PYTHON_FOUND),No Python found as $(PYTHON)): $(PYTHON_ADVICE))
check_python = $(if $(filter ok,$(PYTHON_FOUND)),,$(error $(PYTHON_PROBLEM)))

# torch: on Linux, PyPI's torch is the CUDA build and pulls several GB of nvidia-* packages; the
# course runs on a CPU, so the CPU build comes from PyTorch's CPU wheel index (macOS wheels on PyPI
# are CPU builds already). Override with TORCH_INDEX=<another index URL> (a CUDA build, e.g. .../whl/cu128),
# TORCH_INDEX=<a folder of wheels>, or TORCH_INDEX= (empty: the plain pin from your default index).
UNAME       := $(shell uname -s 2>/dev/null)
TORCH_PIN   := $(shell sed -n 's/^ *"\(torch==[^"]*\)",.*/\1/p' coursekit/pyproject.toml)
TORCH_INDEX ?= $(if $(filter Linux,$(UNAME)),https://download.pytorch.org/whl/cpu)
# Is the index reachable? At most ~5 s (a thread, so a hanging DNS lookup cannot stall the install).
TORCH_PROBE = $(BIN)/python -c 'import sys, threading, urllib.request as u; ok = []; t = threading.Thread(target=lambda: ok.append(u.urlopen(sys.argv[1].rstrip("/") + "/torch/", timeout=3)), daemon=True); t.start(); t.join(5); sys.exit(0 if ok else 1)' "$(TORCH_INDEX)" 2>/dev/null
TORCH_FALLBACK = echo "torch: $(TORCH_INDEX) cannot be reached, installing $(TORCH_PIN) from the default index instead (on Linux that can be the multi-GB CUDA build; set TORCH_INDEX to choose the source)"
# torch alone, without its dependencies: the next step installs them with everything else
TORCH_INSTALL = $(BIN)/python -m pip install --quiet --no-deps
install_torch = $(if $(TORCH_INDEX),$(if $(findstring ://,$(TORCH_INDEX)),if $(TORCH_PROBE); then echo "torch: $(TORCH_PIN) from $(TORCH_INDEX)" && $(TORCH_INSTALL) --index-url "$(TORCH_INDEX)" "$(TORCH_PIN)"; else $(TORCH_FALLBACK); fi,$(TORCH_INSTALL) --no-index --find-links "$(TORCH_INDEX)" "$(TORCH_PIN)"),: torch comes with the other pins from the default index)
# setuptools prints an "Editable installation" notice box for each of the two packages ("be careful with
# folders in your working directory with the same name as your package"): it installs them with its
# meta path finder, because neither sits in a src/ folder (which keeps tools/, tests/ and bench/ from
# becoming importable), and says so every time. Here the folder of that name is the package itself, so
# only that notice is filtered, by its first words; every other warning still shows.
QUIET_EDITABLE := PYTHONWARNINGS="ignore:Editable installation"
# nbgrader and jupyter run helpers (alembic, jupyter-*) from PATH: the venv's bin comes first
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: lab test test-hub release notebooks grade report similarity book bench clean-venv given-venv

ifneq ($(OWN_VENV),)
$(STAMP): pyproject.toml coursekit/pyproject.toml
	@$(check_python)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	@$(install_torch)
	$(QUIET_EDITABLE) $(BIN)/python -m pip install --quiet -e ./coursekit -e ".[dev]"
	touch $(STAMP)
else
given-venv:
	@$(BIN)/python -c 'import coursegrader' 2>/dev/null || { echo "VENV=$(VENV) has no Python with the instructor package (coursegrader): give an environment built by hub/install-env.sh instructor, or leave VENV out to use make's own .venv" >&2; exit 1; }
endif

## make lab: install if needed and open JupyterLab on the course
lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=. $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

# make test runs the suite in two phases. First every test not marked `serial`, on TEST_WORKERS pytest-xdist
# workers, each test file whole on one worker (its module fixtures built once; the courses the session
# shares are built once for both workers, tests/conftest.py). Then the tests marked `serial` (those that
# time something or read the machine's load), alone. Each phase prints its own summary and --durations.
# The recipe fails if either phase fails; a phase that PYTEST_ARGS leaves empty (pytest's status 5) does not.
# TEST_WORKERS=0: the first phase in one process too.
TEST_WORKERS ?= 2
XDIST = $(if $(filter-out 0,$(TEST_WORKERS)),-n $(TEST_WORKERS) --dist loadfile)

## make test: install if needed, lint (ruff, configured in pyproject.toml), then run the whole suite (parallel phase, then serial phase)
test: lint
	$(BIN)/python -m pytest -m "not serial" $(XDIST) $(PYTEST_ARGS); parallel=$$?; \
	$(BIN)/python -m pytest -m serial $(PYTEST_ARGS); serial=$$?; \
	for s in $$parallel $$serial; do [ $$s = 0 ] || [ $$s = 5 ] || exit $$s; done; [ $$parallel$$serial != 55 ] || exit 5

## make test-hub: the JupyterHub test alone (make test runs it too; needs root, see docs/INSTRUCTORS.md section 10)
test-hub: lint
	$(BIN)/python -m pytest tests/coursegrader/test_hub.py $(PYTEST_ARGS)

## make lint: ruff over the Python code (notebooks excluded, see [tool.ruff] in pyproject.toml)
lint: $(STAMP)
	$(BIN)/ruff check .

## make release: regenerate release/ (student notebooks) from source/ with nbgrader
release: $(STAMP)
	$(BIN)/python -m tools.build_release

## make notebooks: regenerate the executed reading edition notebooks/ from source/
notebooks: $(STAMP)
	$(BIN)/python -m tools.build_notebooks

## make grade LESSON=01_gradients [WORKERS=2] [SCHEDULER=tcp://host:8786] [DB=postgresql+psycopg://...] [GRADE_ARGS=--force]: autograde every submission of a lesson on Dask workers (sandboxed)
grade: $(STAMP)
	$(BIN)/python -m tools.grade $(LESSON) $(if $(WORKERS),--workers $(WORKERS)) $(if $(SCHEDULER),--scheduler $(SCHEDULER)) $(if $(DB),--db '$(DB)') $(GRADE_ARGS)

## make report LESSON=05_adaptive_optimizers: the class report (reports/<lesson>/class_report.html): scores, mistakes ranked
report: $(STAMP)
	$(BIN)/python -m tools.class_report $(LESSON)

## make similarity LESSON=05_adaptive_optimizers: flag near-identical solution code (reports/<lesson>/similarity.html); changes no score
similarity: $(STAMP)
	$(BIN)/python -m tools.similarity $(LESSON)

## make book: build the static reading-edition site from notebooks/
book: $(STAMP)
	$(BIN)/python -m tools.build_book

## make bench: time every lesson, autograding and hidden tests; prints a table, writes bench-results/
bench: $(STAMP)
	$(BIN)/python -m bench.run

clean-venv:
	$(if $(OWN_VENV),rm -rf $(VENV),@echo "VENV=$(VENV) is not make's own environment: make clean-venv removes only .venv" >&2; exit 1)
