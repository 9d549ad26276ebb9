# One-word tasks; CI (.ci/run) calls the same ones.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
LISTS ?= ../shared/data/lists
export TRIPWIRE_HOME ?= $(CURDIR)/.tripwire

.PHONY: demo test lint bench install

$(BIN)/tripwire: pyproject.toml setup.py src/tripwire/screening/_kernel.c
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,bench,spark]'
	touch $(BIN)/tripwire

install: $(BIN)/tripwire

# Import the four official lists (OFAC SDN, UN, EU, UK), show what is serving, then screen
# the example customer file against them and print the hits (results CSV in TRIPWIRE_HOME).
demo: install
	$(BIN)/tripwire lists import \
	  $(LISTS)/ofac/sdn.csv \
	  $(LISTS)/un/UN_consolidated-2026-02-27.xml \
	  $(LISTS)/eu/eu_fsf-2026-05-01-rebuilt.xml.gz \
	  $(LISTS)/uk/uk_sanctions_list-2026-08-22-rebuilt.xml.gz
	$(BIN)/tripwire lists show
	$(BIN)/tripwire screen examples/customers.csv \
	  --output $(TRIPWIRE_HOME)/customers-results.csv --show

test: install
	$(BIN)/pytest -n 2 --dist loadfile

lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy src

bench: install
	$(BIN)/python benchmarks/bench_ingest.py
	$(BIN)/python benchmarks/bench_screen.py
