# Two commands on a fresh machine: `make site` and `make test`.
# System packages the PDFs and browser tests need (Debian): libharfbuzz-subset0
# (deterministic, fast font subsetting in WeasyPrint), chromium, poppler-utils.
# .ci/run installs them when absent; `make deps` does the same here.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: site test check pdf deps clean bench

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

check: $(STAMP)
	$(BIN)/issuepapers check

site: $(STAMP)
	$(BIN)/issuepapers check
	$(BIN)/issuepapers build
	@echo "Open site/index.html, or preview with: $(BIN)/issuepapers serve (http://127.0.0.1:8000)"

test: $(STAMP)
	$(BIN)/python -m pytest -q

deps:
	bash .ci/deps

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_check.py
	$(BIN)/python benchmarks/bench_cli.py

clean:
	rm -rf site .cache
