# Two commands matter: `make run` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CONSTRAINTS := requirements/constraints.txt
PEERS := bench/.venv-peers
PEERS_REQUIREMENTS := ../shared/peers/requirements.txt
BENCH_CUSTOMERS ?= 100000

.PHONY: run test test-fast lint setup clean bench lock

# Installs take the tested versions from $(CONSTRAINTS); pyproject.toml keeps ranges.
$(STAMP): pyproject.toml $(CONSTRAINTS)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c $(CONSTRAINTS) -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(BIN)/segmint demo   # ends by serving the dashboard and printing a login token

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint
	bash .ci/setup-browser.sh
	$(BIN)/pytest -n 2 --dist loadfile --durations=30

# The inner loop: no browser, no slow tests, no lint. `make test` runs everything.
test-fast: $(STAMP)
	$(BIN)/pytest -n 2 --dist loadfile -m "not slow and not browser"

# The tools users would pick instead, in their own environment (never the project's).
$(PEERS)/.installed: $(PEERS_REQUIREMENTS)
	$(PYTHON) -m venv $(PEERS)
	$(PEERS)/bin/pip install --quiet -r $(PEERS_REQUIREMENTS)
	touch $@

# Every benchmark against its peers at BENCH_CUSTOMERS (1000000 for the published tables).
bench: $(STAMP) $(PEERS)/.installed
	$(BIN)/python bench/ingest.py --customers $(BENCH_CUSTOMERS) --repeat 1
	$(BIN)/python bench/segment.py --customers $(BENCH_CUSTOMERS) --repeat 1
	$(BIN)/python bench/clv.py --sizes $(BENCH_CUSTOMERS) --skip-slow
	$(BIN)/python bench/cluster.py --customers $(BENCH_CUSTOMERS)
	$(BIN)/python bench/serve.py --customers $(BENCH_CUSTOMERS)
	$(BIN)/python bench/commands.py --customers $(BENCH_CUSTOMERS)

# Pin the set the .venv holds now (run after `make test` passes with new dependencies):
# resolve anew from the ranges with `rm -rf .venv && make setup CONSTRAINTS=/dev/null`.
lock: $(STAMP)
	{ echo "# The tested set: every package of the .venv that passed \`make test\`, pinned."; \
	  echo "# Installs use it (\`pip install -c $(CONSTRAINTS) -e '.[dev]'\`); pyproject.toml"; \
	  echo "# keeps ranges for library users. Regenerate with \`make lock\` after changing dependencies."; \
	  $(BIN)/pip freeze --exclude-editable; } > $(CONSTRAINTS).new
	mv $(CONSTRAINTS).new $(CONSTRAINTS)

clean:
	rm -rf $(VENV) segmint.duckdb .pytest_cache .mypy_cache .ruff_cache
