# Two commands on a fresh machine:  `make lab` (set up and open the notebooks)  and  `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
APP_STAMP  := $(VENV)/.installed-app
TEST_STAMP := $(VENV)/.installed-test
HUB_STAMP  := $(VENV)/.installed-hub
AXE    := node_modules/axe-core/axe.min.js
CHP    := node_modules/.bin/configurable-http-proxy
PORT   ?= 8866
# `make service` listens on 8000 unless PORT is given (on the command line or in the environment).
SERVICE_PORT := $(if $(filter command line environment,$(origin PORT)),$(PORT),8000)

.PHONY: help setup setup-test lab app service test test-fast lint chromium axe clean

help:
	@echo "make lab        set everything up and open JupyterLab on notebooks/00-start-here.ipynb"
	@echo "make app        the same checklists as plain pages, no code (Voila) on http://127.0.0.1:$(PORT)"
	@echo "make test       run every test (unit, notebooks, real browser)"
	@echo "make test-fast  unit and notebook tests only (no browser)"
	@echo "make lint       ruff and mypy (part of make test)"
	@echo "make axe        axe-core and configurable-http-proxy, pinned in package-lock.json (part of make test)"
	@echo "make service    a demo service for many people (JupyterHub) on http://127.0.0.1:8000, see README"

# Two installs: what answering needs (`make lab`, `make app`), and on top of it what the tests
# need (pytest, Playwright, ruff, mypy: `make test`). A person who only answers gets the first.
$(APP_STAMP): pyproject.toml jupyter/overrides.json
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[ui,lab]"
	@# rfc3987-syntax costs ~2 s per Jupyter process start and nothing here uses it.
	-$(PY) -m pip uninstall --quiet --yes rfc3987-syntax
	mkdir -p $(VENV)/share/jupyter/lab/settings
	cp jupyter/overrides.json $(VENV)/share/jupyter/lab/settings/overrides.json
	touch $@

$(TEST_STAMP): $(APP_STAMP)
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[ui,lab,test,e2e,dev,hub]"
	-$(PY) -m pip uninstall --quiet --yes rfc3987-syntax
	touch $@

# Bytecode for the toolkit, as pip writes for an installed wheel (an editable install does not,
# and with PYTHONDONTWRITEBYTECODE set every fresh kernel would compile it again: ~20 ms a page),
# and the templates and shipped TOML files compiled the same way (toolkit/compiled.py: ~150 ms a page).
setup: $(APP_STAMP)
	@$(PY) -m compileall -q toolkit
	@$(PY) -c "from toolkit.compiled import compile_all; compile_all()"

setup-test: setup $(TEST_STAMP)

# The service (JupyterHub, deploy/jupyterhub) needs the `hub` extra on top of what answering needs;
# `make test` installs it too (the service's browser test), `make lab` and `make app` do not.
$(HUB_STAMP): $(APP_STAMP)
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[ui,lab,hub]"
	-$(PY) -m pip uninstall --quiet --yes rfc3987-syntax
	touch $@

lab: setup
	$(VENV)/bin/redflag lab notebooks

# Voila with a token: the address to open (with its token) is printed once the app is up.
app: setup
	$(VENV)/bin/redflag app notebooks --port $(PORT)

# A demonstration service for many people on 127.0.0.1:$(SERVICE_PORT): give the demo's password and
# accounts, e.g. `make service REDFLAG_SERVICE_PASSWORD=... REDFLAG_SERVICE_USERS=alex,sam`.
# Each person's folder is under REDFLAG_SERVICE_DATA (default: service-data/, which git ignores).
service: setup $(HUB_STAMP) $(CHP)
	REDFLAG_SERVICE_PORT=$(SERVICE_PORT) $(VENV)/bin/jupyterhub -f deploy/jupyterhub/jupyterhub_config.py

chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else echo "Chromium is missing: run 'sudo apt-get install chromium' for the browser tests"; exit 1; fi; }

# axe-core for the accessibility tests (tests/e2e/test_e2e_a11y.py): the exact version package.json
# names, locked with its checksum in package-lock.json; `npm ci` installs just that into node_modules/.
# configurable-http-proxy (JupyterHub's proxy, for `make service` and its test) comes the same way.
$(AXE) $(CHP) &: package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq npm >/dev/null; \
	  else echo "npm is missing: run 'sudo apt-get install npm' for the accessibility tests and the service"; exit 1; fi; }
	npm ci --no-audit --no-fund --ignore-scripts
	touch $(AXE) $(CHP)

axe: $(AXE) $(CHP)

# Two processes (pytest-xdist), each taking whole test files, so a file's servers start once.
test: setup-test chromium axe lint
	$(PY) -m pytest -n 2 --dist loadfile --durations=15

test-fast: setup-test lint
	$(PY) -m pytest -n 2 --dist loadfile -m "not e2e"

lint: setup-test
	$(PY) -m ruff check .
	$(PY) -m mypy

clean:
	rm -rf $(VENV) node_modules
