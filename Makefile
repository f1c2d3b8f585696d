# Two commands on a fresh machine: `make run` and `make test`. Both build .venv first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TORCH  := $(VENV)/.installed-transformer

.PHONY: venv run test test-deps test-install bench transformer-env transformer test-slurm clean

# Rebuilt when the C or Cython sources of the compiled engine change, too.
$(STAMP): envs/requirements.txt pyproject.toml setup.py $(wildcard src/modelcollapse/core/*.c src/modelcollapse/core/*.pyx)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r envs/requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

venv: $(STAMP)

# The default study and the paper's figures.
run: venv
	$(BIN)/snakemake --cores all

# Every test; the Figure 5 test runs when torch is installed (`make transformer-env`), and the
# SLURM tests are skipped unless `make test-slurm` brings up a cluster.
test: venv test-deps
	$(BIN)/pytest

# Headless Chromium opens the report in tests/test_report.py: the Debian package, installed once
# when running as root with apt-get (elsewhere that test is skipped and says why).
test-deps:
	@if ! command -v chromium >/dev/null; then \
	  if [ "$$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium; \
	  else \
	    echo "chromium is not installed (needs root and apt-get): tests/test_report.py will be skipped" >&2; \
	  fi; \
	fi

# Packaging: `python -m build` makes an sdist and a wheel (from the sdist, in an isolated build
# environment); the wheel goes into a clean venv (no editable install, no requirements file),
# then the installed command runs: its version and a one-cell simulation, whose provenance names
# the NumPy the engine was built against.
INSTALL_CHECK := $(or $(TMPDIR),/tmp)/modelcollapse-install-check
test-install:
	rm -rf "$(INSTALL_CHECK)"
	$(PYTHON) -m venv "$(INSTALL_CHECK)/build-env"
	"$(INSTALL_CHECK)/build-env/bin/python" -m pip install --quiet --disable-pip-version-check build
	"$(INSTALL_CHECK)/build-env/bin/python" -m build --outdir "$(INSTALL_CHECK)/dist" .
	$(PYTHON) -m venv "$(INSTALL_CHECK)/venv"
	"$(INSTALL_CHECK)/venv/bin/python" -m pip install --quiet --disable-pip-version-check "$(INSTALL_CHECK)"/dist/modelcollapse-*.whl
	"$(INSTALL_CHECK)/venv/bin/modelcollapse" --version
	"$(INSTALL_CHECK)/venv/bin/modelcollapse" config --reference > /dev/null  # the schema ships with the package
	"$(INSTALL_CHECK)/venv/bin/modelcollapse" simulate --n 100 --vocab 50 --synthetic-fraction 0.5 --seeds 5 \
	  --generations 10 --out "$(INSTALL_CHECK)/cell" --quiet
	cd "$(INSTALL_CHECK)" && venv/bin/python -c "import modelcollapse.core.io as io, pyarrow.parquet as pq; \
	  t = pq.read_table('cell/sims.parquet'); assert t.num_rows == 5 * 11, t.num_rows; \
	  built = io.provenance('cell/sims.parquet')['engine_numpy']; assert built, built; \
	  print('installed wheel OK:', t.num_rows, 'rows; engine built against NumPy', built)"
	rm -rf "$(INSTALL_CHECK)"

# Every benchmark, one after another on a quiet machine; each report (naming its machine) is also
# written to benchmarks/results/, and the blocks of docs/performance.md and the interval-coverage
# block of docs/safe-fraction.md are rewritten from them.
# The full-size aggregation row takes ~25 min the first time (its grid tables are then kept in
# .bench-cache/ and the next run takes ~12 min).
BENCH_REPORTS := benchmarks/results
# $(call BENCH,script,arguments,report name): run benchmarks/script.py, its report also to a file.
BENCH = bash -o pipefail -c 'PYTHONUNBUFFERED=1 $(BIN)/python benchmarks/$(1).py $(2) | tee $(BENCH_REPORTS)/$(or $(3),$(1)).txt'
bench: venv
	mkdir -p $(BENCH_REPORTS)
	$(call BENCH,simulate)
	$(call BENCH,startup)
	$(call BENCH,analytic)
	$(call BENCH,aggregation,--cache .bench-cache/aggregation)
	$(call BENCH,critical_path)
	$(call BENCH,workflow)
	$(call BENCH,workflow,--seeds 1000,workflow_1000_seeds)
	$(call BENCH,interval_coverage,--repeats 200)
	$(BIN)/python docs/update_blocks.py --only performance

# Optional: PyTorch (CPU build, pinned) for the transformer experiment of Figure 5.
$(TORCH): $(STAMP) envs/transformer.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r envs/transformer.txt -c envs/requirements.txt
	touch $(TORCH)

transformer-env: $(TORCH)

transformer: $(TORCH)
	$(BIN)/snakemake --cores all transformer

# The SLURM tests on a real one-node cluster on this machine (root, apt-get): tests/slurm/up.sh
# starts it, down.sh always stops it again, even when a test fails or the run is interrupted.
# Exit status: the tests' (1 if only down.sh failed).
test-slurm: venv
	@status=0; \
	trap 'bash tests/slurm/down.sh; exit 130' INT TERM; \
	bash tests/slurm/up.sh && MODELCOLLAPSE_SLURM=1 $(BIN)/pytest tests/slurm || status=$$?; \
	bash tests/slurm/down.sh || { [ $$status -ne 0 ] || status=1; }; \
	exit $$status

clean:
	rm -rf results .snakemake report.html
