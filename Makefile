# Everything runs from a local virtual environment that these targets create and keep in step
# with pyproject.toml, so a fresh clone needs nothing but python3.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run console test lint typecheck pytest bench clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test,dev]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/coalition-bot run

console: $(STAMP)
	$(VENV)/bin/coalition-bot console

lint: $(STAMP)
	$(VENV)/bin/ruff check --no-cache bot cogs tests benchmarks

typecheck: $(STAMP)
	$(VENV)/bin/mypy

pytest: $(STAMP)
	$(PY) -m pytest -q

test: lint typecheck pytest

BENCHMARKS := benchmarks/ask.py benchmarks/feeds.py benchmarks/pledges.py benchmarks/fairness.py

bench: $(STAMP)
	@for b in $(BENCHMARKS); do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
