# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
DATA ?= data
SITE := build/site

.PHONY: demo test lint format bench soak site clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

## Build the sample site and serve it with the form service on http://$(HOST):$(PORT)
demo: $(STAMP)
	$(BIN)/pingan check $(DATA)
	$(BIN)/pingan activities example --data-dir $(DATA)
	mkdir -p build && $(BIN)/pingan activities export --data-dir $(DATA) --out build/activities.json
	$(BIN)/pingan build $(DATA) --site-dir $(SITE) --form-url http://$(HOST):$(PORT) \
		--activities build/activities.json
	$(BIN)/pingan serve --data-dir $(DATA) --site-dir $(SITE) --host $(HOST) --port $(PORT)

## Build the site only (DATA=examples/chongqing make site)
site: $(STAMP)
	$(BIN)/pingan build $(DATA) --site-dir $(SITE)

## Set up and run the whole suite (browser and PostgreSQL tests included)
test: $(STAMP)
	bash .ci/system-deps || echo "make test: browser/PostgreSQL tests need the packages above (they skip outside CI)"
	PINGAN_TEST_POSTGRES_URL="$${PINGAN_TEST_POSTGRES_URL:-$$(bash .ci/postgres-up 2>/dev/null)}" \
		$(BIN)/pytest

## Long runs kept out of `make test`: gunicorn with four workers started fifty times
soak: $(STAMP)
	PINGAN_STARTUP_STARTS=50 $(BIN)/pytest tests/form_service/test_startup.py -k start_every_time

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## Print performance figures (see benchmarks/README.md; BENCH_ARGS=--quick or --full)
bench: $(STAMP)
	bash .ci/system-deps wrk || echo "make bench: the submissions need wrk and PostgreSQL (installed as root above)"
	PINGAN_TEST_POSTGRES_URL="$${PINGAN_TEST_POSTGRES_URL:-$$(bash .ci/postgres-up 2>/dev/null)}" \
		$(BIN)/python -m benchmarks $(BENCH_ARGS)

clean:
	rm -rf build $(VENV) .pytest_cache .ruff_cache
