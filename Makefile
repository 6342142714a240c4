# quickstart-runner: `make validate` runs the bundled quickstarts, `make test` the test suite
# (every tier, in parallel), `make test-unit` its fast tier. Each works on a fresh machine: they
# run `make setup` first.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
RUNNER := $(BIN)/quickstart-runner

# LANG is also the locale every shell exports: only a LANG given on make's command line
# (make validate LANG=go) selects languages.
ifeq ($(origin LANG),command line)
LANG_ARGS := --lang $(LANG)
endif
QUICKSTART ?=
REPO ?=
REF ?=
ARGS ?=
PYTEST_ARGS ?=

.PHONY: setup system-deps daprd validate test test-unit

setup: system-deps $(VENV)/.installed daprd

system-deps:
	@sh scripts/install-system-deps.sh

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -e '.[test]'
	touch $@

daprd: $(VENV)/.installed
	$(RUNNER) provision daprd

# The test environment's .NET SDK (scripts/test-dotnet.sh), where one was installed and no `dotnet`
# is on PATH: `make test` installs it, `make validate` uses it once there.
validate: setup
	env $$(sh scripts/test-dotnet.sh --installed) $(RUNNER) validate $(subst $(comma), ,$(QUICKSTART)) $(LANG_ARGS) \
		$(if $(REPO),--repo $(REPO)) $(if $(REF),--ref $(REF)) $(ARGS)

test: setup
	env $$(sh scripts/test-dotnet.sh) $(BIN)/pytest -n auto --dist worksteal $(PYTEST_ARGS)

test-unit: $(VENV)/.installed
	env $$(sh scripts/test-dotnet.sh --installed) $(BIN)/pytest -n auto --dist worksteal -m unit $(PYTEST_ARGS)

comma := ,
