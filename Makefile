# One entry point for everything; each target creates .venv first if needed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
# nbgrader and jupyter run helpers (alembic, jupyter-*) from PATH: the venv's bin comes first
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: lab test release notebooks grade book bench clean-venv

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

## make lab: install if needed and open JupyterLab on the course
lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=. $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

## make test: install if needed, lint (ruff, configured in pyproject.toml), then run the whole suite
test: lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

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

## make book: build the static reading-edition site from notebooks/
book: $(STAMP)
	$(BIN)/python -m tools.build_book

## make bench: time every lesson, autograding and hidden tests; prints a table, writes bench-results/
bench: $(STAMP)
	$(BIN)/python -m bench.run

clean-venv:
	rm -rf $(VENV)
