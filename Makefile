# Kleroterion: make run · make test · make bench  (each sets up .venv itself)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run demo-cli test bench lint typecheck clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m dashboard.serve --server.port 8501 --server.headless true --browser.gatherUsageStats false

demo-cli: $(STAMP)
	$(BIN)/python -m klero.demo_run

lint: $(STAMP)
	$(BIN)/ruff check quotas sampling synthetic_data recruitment dashboard klero tests benchmarks tools conftest.py

typecheck: $(STAMP)
	$(BIN)/mypy quotas sampling synthetic_data recruitment dashboard klero tests tools conftest.py

test: $(STAMP)
	@scripts/ensure-postgres.sh
	@scripts/ensure-fonts.sh
	$(BIN)/ruff check quotas sampling synthetic_data recruitment dashboard klero tests benchmarks tools conftest.py
	$(BIN)/mypy quotas sampling synthetic_data recruitment dashboard klero tests tools conftest.py
	$(BIN)/python -m pytest -n auto --dist loadfile $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
