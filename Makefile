# The two commands of the quick start: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/ipcamd serve $(ARGS)

test: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache
	$(BIN)/pytest -q $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

# Every benchmark in its quick mode (about a minute); each prints its table.
bench: $(STAMP)
	$(BIN)/python bench/params.py --quick
	$(BIN)/python bench/mjpeg_fanout.py --quick
	$(BIN)/python bench/render.py --quick
	$(BIN)/python bench/system.py
	$(BIN)/python bench/startup.py --runs 3
	$(BIN)/python bench/events.py --quick
	$(BIN)/python bench/io.py --quick
	$(BIN)/python bench/audio.py --quick
	$(BIN)/python bench/motion.py --quick
	$(BIN)/python bench/recording.py --quick
	$(BIN)/python bench/login_flood.py --quick
	$(BIN)/python bench/ptz.py --quick
	$(BIN)/python bench/rtsp.py --quick

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
