# Two commands do all the set-up: `make run` starts the console on its embedded defaults
# (the built-in simulator and a SQLite file under data/); `make test` runs the whole suite.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run demo test lint simulator screenshots bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/streamlit run dashboard/app.py

# Sixty days of made-up history in the default database (demo mode, an empty database only).
demo: $(STAMP)
	$(BIN)/python -m dashboard.demo_history

simulator: $(STAMP)
	$(BIN)/python -m simulator

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/pytest

screenshots: $(STAMP)
	SAVE_SCREENSHOTS=1 $(BIN)/pytest -q tests/e2e/test_journey.py tests/e2e/test_invitation_journey.py

# The figures of README "Performance" (about 10-15 min; BENCH_ARGS="--watch-minutes 10" etc.).
bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
