# Two virtual environments, each installed from a lock file of exact, hashed versions that
# `make lock` writes from pyproject.toml (requirements/):
#   .venv-run  what the bot runs on (make run, make install): the runtime dependencies only;
#   .venv      tests and tools (make test): the same runtime versions plus pytest, ruff, mypy.
# A fresh clone needs nothing but python3 and make; both are reinstalled when pyproject.toml or
# the locks change, and nothing is installed while pyproject.toml and the locks disagree.
VENV ?= .venv
RUN_VENV ?= .venv-run
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
RUN_STAMP := $(RUN_VENV)/.installed
LOCKS := requirements/run.txt requirements/dev.txt
PIP := -m pip install --quiet --disable-pip-version-check

.PHONY: run console install lock lock-check test lint typecheck pytest bench clean

# $(1): the environment, $(2): its lock. The bot itself is installed editable from this checkout
# (its data/ folder is read from here) with the build backend pinned in the lock, so nothing
# unpinned is fetched; its bytecode is compiled now, as a service cannot write it later.
define install_from
	python3 scripts/lock.py check
	python3 -m venv $(1)
	$(1)/bin/python $(PIP) --require-hashes -r $(2)
	$(1)/bin/python $(PIP) --no-deps --no-build-isolation --no-index -e .
	$(1)/bin/python -m compileall -q bot cogs
	touch $(1)/.installed
endef

$(STAMP): pyproject.toml $(LOCKS)
	$(call install_from,$(VENV),requirements/dev.txt)

$(RUN_STAMP): pyproject.toml $(LOCKS)
	$(call install_from,$(RUN_VENV),requirements/run.txt)

install: $(RUN_STAMP)

run: $(RUN_STAMP)
	$(RUN_VENV)/bin/coalition-bot run

console: $(RUN_STAMP)
	$(RUN_VENV)/bin/coalition-bot console

# After changing dependencies in pyproject.toml: `make lock`, then commit requirements/.
# `make lock ARGS=--upgrade` moves every pin to the newest allowed version.
lock:
	test -x $(VENV)/bin/uv || { python3 -m venv $(VENV) && $(PY) $(PIP) 'uv>=0.5,<1'; }
	$(PY) scripts/lock.py write $(ARGS)

lock-check:
	python3 scripts/lock.py check

lint: $(STAMP)
	$(VENV)/bin/ruff check --no-cache bot cogs tests benchmarks scripts

typecheck: $(STAMP)
	$(VENV)/bin/mypy

pytest: $(STAMP)
	$(PY) -m pytest -q

test: lock-check lint typecheck pytest

BENCHMARKS := benchmarks/ask.py benchmarks/feeds.py benchmarks/pledges.py benchmarks/openapi.py benchmarks/fairness.py

bench: $(STAMP)
	@for b in $(BENCHMARKS); do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) $(RUN_VENV) .pytest_cache .mypy_cache .ruff_cache
