# Two commands for a newcomer: `make run` (default workflow + report) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CORES ?= all
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test test-slurm test-gpu lint report benchmark install browser clean

run: $(STAMP)
	$(BIN)/snakemake --cores $(CORES)
	$(BIN)/snakemake --report report.html
	@echo "Results: results/tstr/*.csv  Report: report.html"

report: $(STAMP)
	$(BIN)/snakemake --report report.html

# The TimeGAN / Diffusion-TS benchmark protocol (sines, stocks; energy where its file is in
# data_dir) beside the published figures: results/benchmark/protocol.csv and protocol.md; and
# the quality targets' table (digits, sines, stocks; fashion and mnist where their files are in
# data_dir), each data set with its preset: results/benchmark/targets.csv and targets.md.
benchmark: $(STAMP)
	$(BIN)/snakemake --cores $(CORES) results/benchmark/protocol.csv results/benchmark/targets.csv
	@cat results/benchmark/protocol.md results/benchmark/targets.md

test: $(STAMP) browser
	$(BIN)/pytest

# The workflow through profiles/slurm on a real one-node SLURM cluster with two fake GPUs, started
# here (Debian's slurmctld, slurmd and munge, installed once) and stopped even when tests fail.
test-slurm: $(STAMP)
	status=0; tests/slurm/start_cluster.sh && $(BIN)/pytest tests/slurm || status=$$?; \
		tests/slurm/stop_cluster.sh; exit $$status

# What only a CUDA GPU can show: a run on the GPU, its resume there, autocast, the memory check.
test-gpu: $(STAMP)
	$(BIN)/pytest tests/gpu

# The report test opens report.html in headless Chromium: Debian's package, installed once.
browser:
	@command -v chromium > /dev/null || { \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install \
			-y -qq --no-install-recommends chromium > /tmp/rgan-apt.log 2>&1 \
		|| { tail -n 20 /tmp/rgan-apt.log; exit 1; }; }

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
