# Two commands on a fresh machine:  `make lab` (set up and open the notebooks)  and  `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PORT   ?= 8866

.PHONY: help setup lab app test test-fast chromium clean

help:
	@echo "make lab        set everything up and open JupyterLab on notebooks/00-start-here.ipynb"
	@echo "make app        the same checklists as plain pages, no code (Voila) on http://127.0.0.1:$(PORT)"
	@echo "make test       run every test (unit, notebooks, real browser)"
	@echo "make test-fast  unit and notebook tests only (no browser)"

$(STAMP): pyproject.toml jupyter/overrides.json
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[ui,lab,test,e2e]"
	@# rfc3987-syntax costs ~2 s per Jupyter process start and nothing here uses it.
	-$(PY) -m pip uninstall --quiet --yes rfc3987-syntax
	mkdir -p $(VENV)/share/jupyter/lab/settings
	cp jupyter/overrides.json $(VENV)/share/jupyter/lab/settings/overrides.json
	touch $@

setup: $(STAMP)

# Only on this computer (localhost); --allow-root only where you are root (e.g. a container).
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)

lab: setup
	$(VENV)/bin/jupyter lab --ServerApp.ip=127.0.0.1 $(ROOT_FLAG) notebooks/00-start-here.ipynb

app: setup
	@echo "Open http://127.0.0.1:$(PORT)/voila/render/00-start-here.ipynb"
	$(VENV)/bin/voila notebooks --no-browser --port=$(PORT) --Voila.ip=127.0.0.1

chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else echo "Chromium is missing: run 'sudo apt-get install chromium' for the browser tests"; exit 1; fi; }

test: setup chromium
	$(PY) -m pytest

test-fast: setup
	$(PY) -m pytest -m "not e2e"

clean:
	rm -rf $(VENV)
