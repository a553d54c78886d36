# Two commands set everything up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 8080
DATA   ?= ./reelstack-data

.PHONY: demo test lint format install system-deps screenshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# torch first and pinned: pip takes the CPU wheel on this disk, never a CUDA build.
$(VENV)/.installed: pyproject.toml $(BIN)/python
	$(BIN)/pip install --quiet "torch==2.13.0"
	$(BIN)/pip install --quiet -e ".[demo,models,understand,safety,search,recommend,dev]" "torch==2.13.0"
	touch $@

install: $(VENV)/.installed

# Fonts for on-screen text in the demo clips, espeak-ng for their speech, ffmpeg for tools.
# Best effort: without them the demo degrades and says so (`reelstack doctor`).
system-deps:
	@bash scripts/system-deps.sh

demo: install system-deps
	$(BIN)/reelstack demo --data $(DATA) --port $(PORT)

test: install system-deps
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/pytest -q

# Re-shoot the console's README screenshots with the browser tests (Debian chromium).
screenshots: install system-deps
	REELSTACK_SCREENSHOTS=docs/screenshots $(BIN)/pytest -q tests/e2e

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

format: install
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
