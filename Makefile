# One entry point for everything; each target creates .venv first if needed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: lab test release notebooks check-sync clean-venv

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

## make lab: install if needed and open JupyterLab on the course
lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=.

## make test: install if needed and run the whole suite
test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## make release: regenerate release/ (student notebooks) from source/ with nbgrader
release: $(STAMP)
	$(BIN)/python -m tools.build_release

## make notebooks: regenerate the executed reading edition notebooks/ from source/
notebooks: $(STAMP)
	$(BIN)/python -m tools.build_notebooks

clean-venv:
	rm -rf $(VENV)
