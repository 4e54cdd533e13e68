# Two commands for a newcomer: `make run` (default workflow + report) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CORES ?= all

.PHONY: run test lint report install clean

run: $(STAMP)
	$(BIN)/snakemake --cores $(CORES)
	$(BIN)/snakemake --report report.html
	@echo "Results: results/tstr/*.csv  Report: report.html"

report: $(STAMP)
	$(BIN)/snakemake --report report.html

test: $(STAMP)
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/snakefmt --check Snakefile workflow/rules
	$(BIN)/snakemake --lint

install: $(STAMP)

# Reinstalls only when the dependency list changes; the project itself is installed editable.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --no-warn-script-location -e '.[dev]' > $(VENV)/pip.log 2>&1 \
		|| { tail -n 40 $(VENV)/pip.log; exit 1; }
	$(BIN)/python -c "import rgan, snakemake, torch"
	touch $(STAMP)

clean:
	rm -rf results .snakemake report.html
