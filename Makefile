# Bansos Terbuka. `make demo` sets up, builds three synthetic months and serves them;
# `make test` runs the tests. Both work on a fresh machine with Python 3.11+.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
REGENCY ?= 52.07
SCALE   ?= 1.0
SEED    ?= 42
PERIODS ?= 2026-08 2026-09 2026-10
PORT    ?= 8001
DATA    := data/demo-$(REGENCY)-$(SCALE)-$(SEED)
DIST    := dist
WORK    := work
# Boundaries for the maps: the reference files beside the checkout when they are there.
BOUNDARIES ?= $(wildcard ../shared/reference)
# axe-core (npm) for the accessibility checks of the browser tests, pinned, in tests/node/ (git ignores it).
AXE_CORE  := 4.14.1
AXE_STAMP := tests/node/.axe-core-$(AXE_CORE)
# pyspark for the Spark tests (tests/test_spark.py): `make test` installs it, the demo does not.
SPARK_STAMP := $(VENV)/.spark-installed

.PHONY: setup demo build serve test bench clean

$(BIN)/publish: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(BIN)/publish

$(AXE_STAMP):
	@command -v npm >/dev/null || { echo "npm is needed for the accessibility tests: apt-get install npm"; exit 1; }
	npm install --prefix tests/node axe-core@$(AXE_CORE) --save-exact --no-audit --no-fund --loglevel=error
	touch $@

setup: $(BIN)/publish

$(SPARK_STAMP): requirements-spark.lock | $(BIN)/publish
	$(BIN)/pip install --quiet -r requirements-spark.lock
	touch $@

# Synthetic input for each period (made once), then one release per period: the last is served.
$(DATA)/%/datapackage.json: | setup
	$(BIN)/publish synth --regency $(REGENCY) --scale $(SCALE) --seed $(SEED) --period $* --out $(DATA)/$*

build: setup $(foreach p,$(PERIODS),$(DATA)/$(p)/datapackage.json)
	@for p in $(PERIODS); do \
	  $(BIN)/publish build --input $(DATA)/$$p --out $(DIST) --work $(WORK) \
	    $(if $(BOUNDARIES),--boundaries $(BOUNDARIES)) || exit 1; \
	done

serve: setup
	$(BIN)/publish serve $(DIST) --port $(PORT)

demo: build serve

test: setup $(AXE_STAMP) $(SPARK_STAMP)
	$(BIN)/python -m pytest -q

# The load test drives wrk (Debian's package) against the real server on 127.0.0.1.
bench: setup
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(DATA) $(DIST) $(WORK) bench/work
