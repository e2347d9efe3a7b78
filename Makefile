# Two commands do all the set-up on a fresh machine (Python 3.10+):
#   make demo   install, grade your exercises, then train and sample the reference model
#   make test   install, then run the course's own tests (what CI runs)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
export OMP_NUM_THREADS := 1

# torch, pinned, the CPU build. On Linux, PyPI's torch is the CUDA build (several GB with its
# nvidia-* wheels); PyTorch's CPU index has 2.13.0+cpu, which outranks it. The index is added
# with --extra-index-url, so PyPI stays reachable for everything else; where the index cannot be
# reached, torch comes from PyPI (and pip's own configuration). Elsewhere PyPI's torch is the CPU
# build already. Override: `make setup TORCH_INDEX=` (PyPI only), or another index or version.
TORCH_VERSION ?= 2.13.0
ifeq ($(shell uname -s),Linux)
TORCH_INDEX ?= https://download.pytorch.org/whl/cpu
endif
REACHABLE = $(BIN)/python -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=15)"

.PHONY: setup demo check test lint bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml requirements-sandbox.txt
	@$(PYTHON) -c "import sys; sys.exit(sys.version_info < (3, 10))" || \
	  { echo "Python 3.10 or newer is needed; try: make setup PYTHON=python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	@if [ -n "$(TORCH_INDEX)" ] && $(REACHABLE) "$(TORCH_INDEX)/torch/" 2>/dev/null; then \
	  echo "torch $(TORCH_VERSION), CPU build, from $(TORCH_INDEX)"; \
	  $(BIN)/pip install --quiet --extra-index-url "$(TORCH_INDEX)" torch==$(TORCH_VERSION); \
	else \
	  echo "torch $(TORCH_VERSION) from PyPI$(if $(TORCH_INDEX), ($(TORCH_INDEX) cannot be reached))"; \
	  $(BIN)/pip install --quiet torch==$(TORCH_VERSION); \
	fi
	$(BIN)/pip install --quiet --require-hashes -r requirements-sandbox.txt
	$(BIN)/pip install --quiet -e .
	$(BIN)/course doctor
	touch $@

# The self-check grades exercises/ (0 points until you start): its exit code is not the demo's.
demo: setup
	$(BIN)/pytest autograder || true
	$(BIN)/course train mlp --target solutions
	$(BIN)/course sample --target solutions

check: setup
	$(BIN)/pytest autograder

test: setup
	$(BIN)/pytest tests --timeout=900

# ruff, as configured in pyproject.toml (CI runs it before the tests).
lint: setup
	$(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/ruff check .

# The benchmarks print figures (they are not tests): the self-check against the torch import,
# the demo's training recipe against the lecture's (~2 min), grading a class of 100 (~5 min).
bench: setup
	$(BIN)/python bench/grading.py
	$(BIN)/python bench/training.py
	$(BIN)/python bench/grade_class.py

clean:
	rm -rf $(VENV) runs
