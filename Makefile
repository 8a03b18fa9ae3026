# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
VNU_VERSION := 26.9.27
VNU_JAR := .tools/node_modules/vnu-jar/build/dist/vnu.jar

.PHONY: run test venv install install-dev lint screenshots messages clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(PY)
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(PY)
	$(PIP) install --quiet -r requirements-dev.txt
	touch $(VENV)/.installed $@

$(VNU_JAR):
	mkdir -p .tools
	cd .tools && npm install --silent --no-audit --no-fund --no-save vnu-jar@$(VNU_VERSION)

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev $(VNU_JAR)

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py runserver 127.0.0.1:8000

test: install-dev
	VNU_JAR=$(CURDIR)/$(VNU_JAR) $(VENV)/bin/pytest

lint: install-dev
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .

screenshots: install-dev
	SCREENSHOTS=1 VNU_JAR=$(CURDIR)/$(VNU_JAR) $(VENV)/bin/pytest tests/e2e

# The Spanish catalogue: gather every marked string into locale/es (GNU gettext's xgettext and
# msgfmt, a developer's tool), then compile. The compiled .mo is committed: `make run` needs
# only Python. tests/test_i18n_catalogue.py fails when the two drift apart.
MAKEMESSAGES_IGNORE := -i ".venv/*" -i ".tools/*" -i "staticfiles/*" -i "tests/*" -i "bench/*" -i "docs/*" -i "private_media/*"
messages: install-dev
	$(PY) manage.py makemessages -l es --no-obsolete --add-location=file $(MAKEMESSAGES_IGNORE)
	$(PY) manage.py compilemessages -l es --ignore=".venv/*" --ignore=".tools/*"

clean:
	rm -rf $(VENV) .tools staticfiles
