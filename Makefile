# `make test` is the one command that installs every test dependency and runs every test.
PYTHON ?= python3

.PHONY: test test-deps lint format fast build serve

test: test-deps lint
	$(PYTHON) -m pytest

# The quick loop while developing: no validator, no npm verifier, no browser.
fast: lint
	$(PYTHON) -m pytest -m "not slow"

test-deps:
	$(PYTHON) -m pip install -q -e '.[test]'
	bash tests/tools/setup_validator.sh
	npm ci --prefix tests/js --no-audit --no-fund --loglevel=error
	npm ci --prefix tools/verifier-bundle --no-audit --no-fund --loglevel=error
	bash tests/tools/install_chromium.sh
	bash tests/tools/install_jekyll.sh
	bash tests/tools/install_web_servers.sh

lint:
	$(PYTHON) -m ruff check .
	$(PYTHON) -m ruff format --check .

format:
	$(PYTHON) -m ruff format .
	$(PYTHON) -m ruff check --fix .

build:
	insigne build
