# SmartArm: `make demo` runs the nightly loop for 14 simulated days, `make test` runs the suite.
# Both create .venv on first use and install the pinned stack into it.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
DAYS ?= 14
STAMP := $(VENV)/.installed

.PHONY: install chromium demo test lint bench-paper bench-nightly constraints clean

install: $(STAMP)

# Reinstall whenever a requirement file or the package metadata changes.
$(STAMP): requirements.txt requirements-dev.txt constraints.txt pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "SmartArm needs Python 3.11, found " + sys.version.split()[0]'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt -c constraints.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

demo: install
	$(BIN)/smartarm demo --days $(DAYS)

# The report test renders the HTML report in a real headless browser: Debian's chromium.
# Installed only when missing (needs root or sudo); a no-op on machines that have it.
chromium:
	@test -x /usr/bin/chromium || { \
	  echo "installing chromium for the report test"; \
	  SUDO=$$(test "$$(id -u)" -eq 0 || echo sudo); \
	  $$SUDO apt-get update -qq && \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

test: install chromium
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench-paper: install
	$(BIN)/python bench/paper.py

bench-nightly: install
	$(BIN)/python bench/nightly.py

# Refresh constraints.txt from the current environment after changing requirements.
constraints: install
	{ echo "# Every package of the tested environment, pinned (pip install -c constraints.txt)."; \
	  echo "# Regenerate after changing requirements: make constraints"; \
	  $(BIN)/python -m pip freeze --exclude-editable; } > constraints.txt

clean:
	rm -rf $(VENV) .smartarm .pytest_cache
