# The two commands a newcomer needs: `make demo` and `make test`. Both set everything up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export DO_NOT_TRACK := 1
export DBT_SEND_ANONYMOUS_USAGE_STATS := false

.PHONY: demo demo-s3 test test-fast lint format build export benchmark benchmark-s3 clean docs ray-multinode

# The set-up installs with uv (from PyPI, bootstrapped into the venv by pip): the same packages
# as pip, several times faster (docs/benchmarks.md, "The test suite's time, part 4"). uv does not
# read pip's configuration, so it is handed pip's own settings of this machine (find-links, index
# URLs, constraint files: `pip config list`) and pip's choice among indexes (the best version over
# all of them). Where uv cannot be installed (no registry reaches it), pip installs everything as
# before and a line says so; where uv is installed but its install fails, the set-up fails.
UV_VERSION := 0.13.8
define UV_ARGS_FROM_PIP
import subprocess, sys
flags = {"find-links": "--find-links", "index-url": "--index-url",
         "extra-index-url": "--extra-index-url", "constraint": "--constraint"}
listed = subprocess.run([sys.executable, "-m", "pip", "config", "list"],
                        capture_output=True, text=True, check=True).stdout
args = ["--index-strategy", "unsafe-best-match", "--compile-bytecode"]
for line in listed.splitlines():
    key, _, value = line.partition("=")
    flag = flags.get(key.rsplit(".", 1)[-1])
    for item in value.strip().strip("'\"").split() if flag else ():
        if f"{flag}={item}" not in args:
            args.append(f"{flag}={item}")
print(" ".join(args))
endef
export UV_ARGS_FROM_PIP

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	if $(BIN)/python -m pip install --quiet uv==$(UV_VERSION); then \
	    args=$$($(BIN)/python -c "$$UV_ARGS_FROM_PIP") || exit 1; \
	    install="$(BIN)/python -m uv pip install --quiet --python $(BIN)/python $$args"; \
	else \
	    echo "uv could not be installed: pip installs everything (slower)"; \
	    install="$(BIN)/python -m pip install --quiet"; \
	fi; \
	set -e; \
	: the CPU build of torch first, so sentence-transformers does not pull CUDA wheels; \
	$$install torch==2.13.0; \
	$$install -e '.[dev,embeddings]'
	# the duckdb-cli wheel installs its binary without the executable bit
	chmod +x $(BIN)/duckdb
	touch $(STAMP)

## Generate the sample lake, build the warehouse (every gate), export it, print the summary.
demo: $(STAMP)
	$(BIN)/pixel-data demo

## The sample lake in a local S3 bucket (weed, on loopback, stopped at the end): inventory,
## build in place from s3://, export with a verified upload back to S3, remote verify.
demo-s3: $(STAMP)
	$(BIN)/pixel-data demo-s3

# pytest-xdist workers for `make test` (`make test PYTEST_WORKERS=0` runs in one process). The
# tests sharing a session build run on one worker (`--dist loadgroup`, groups set in
# tests/conftest.py), so no build runs twice; each worker's dbt writes its own target/ and logs/.
PYTEST_WORKERS ?= 2

## Lint, then the whole test suite (pytest, which also runs `dbt build` with all its tests) on
## two workers. The slowest tests are listed at the end (--durations).
test: $(STAMP) lint
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup --durations=30

## The unit layer: every test that builds no warehouse, starts no server and loads no embedding
## model (markers slow/model/realdata, set in tests/conftest.py), on the same two workers; under
## a minute.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -n $(PYTEST_WORKERS) --dist loadgroup \
	    -m "not slow and not model and not realdata" --durations=10

## Two Ray nodes on this host (`ray start --head` and `ray start --address`, loopback ports):
## a stage's batches run on both nodes; every Ray process is stopped by PID (docs/scaling.md).
ray-multinode: $(STAMP)
	$(BIN)/python -m pytest -q tests/engine/test_ray_multinode.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	mkdir -p build
	PIXEL_WAREHOUSE=build/lint.duckdb $(BIN)/sqlfluff lint dbt_project/models dbt_project/tests --processes 2

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## The dbt docs site (models, columns, lineage) as one static HTML file, offline.
docs: $(STAMP)
	$(BIN)/dbt docs generate --static --project-dir dbt_project --profiles-dir .
	@echo "open dbt_project/target/static_index.html"

benchmark: $(STAMP)
	$(BIN)/python -m benchmarks.e2e --records 1000000

benchmark-s3: $(STAMP)
	$(BIN)/python -m benchmarks.s3 --records 100000 --upload-mb 1024

clean:
	rm -rf build dbt_project/target dbt_project/logs
