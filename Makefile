# The two commands: `make run` and `make test`. Everything they need is installed here.
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml scripts/system-packages.txt 2>/dev/null | cksum | cut -d' ' -f1)
HOST   ?= 127.0.0.1
PORT   ?= 8000
PYTEST_WORKERS ?= 2

.PHONY: run test bench install system-deps clean-db messages deploy-check fuzz load

$(STAMP): pyproject.toml scripts/system-packages.txt
	@bash scripts/system-deps.sh
	@test -x $(PY) || python3 -m venv $(VENV)
	@$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	@$(PY) -m pip install -q --disable-pip-version-check -e '.[test]'
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

install: $(STAMP)

system-deps:
	@bash scripts/system-deps.sh

run: install
	@$(VENV)/bin/ecredit migrate --noinput -v 0
	@$(VENV)/bin/ecredit demo --if-empty
	@$(VENV)/bin/ecredit serve --host $(HOST) --port $(PORT)

test: install
	@$(VENV)/bin/pytest -n $(PYTEST_WORKERS) --dist loadfile

# Every benchmark in bench/, one after the other (each prints its JSON lines); fails if any failed.
# bench/scoring.py builds a 1M-subject, 20M-record database first (about 5 minutes and 17 GB of disk).
bench: install
	@status=0; for script in bench/ingest.py bench/portal.py bench/lists.py bench/complaints.py bench/detection.py bench/trace.py bench/scoring.py; do $(PY) $$script || status=1; done; exit $$status

# A bounded load run over loopback (bench/load/): the demo city in a temp home (PostgreSQL when ECREDIT_DATABASE_URL
# names one), gunicorn + task worker, locust for LOAD_SECONDS of mixed portal, public API and batch traffic after a
# /healthz baseline; one JSON line; fails on any failed request, 5xx, failed task or memory growth (about 5 minutes).
LOAD_STAMP := $(VENV)/.installed-load-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
LOAD_USERS ?= 40
LOAD_SECONDS ?= 180
$(LOAD_STAMP): $(STAMP)
	@$(PY) -m pip install -q --disable-pip-version-check -e '.[test,load]'
	@touch $(LOAD_STAMP)

load: $(LOAD_STAMP)
	@$(PY) bench/load/run.py --users $(LOAD_USERS) --duration $(LOAD_SECONDS)

# Schemathesis over both OpenAPI documents, every operation with every caller's credentials: no 5xx, no answer
# outside its schema. FUZZ_EXAMPLES per operation (>= 1,000 cases in all); prints the number of cases by caller.
FUZZ_EXAMPLES ?= 12
fuzz: install
	@ECREDIT_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) ECREDIT_FUZZ_MIN=1000 $(VENV)/bin/pytest tests/fuzz -m fuzz -s -W ignore::DeprecationWarning

# The production stack of deploy/ (gunicorn, worker, nginx with TLS, PostgreSQL on loopback) started on this
# machine from the unit files and the nginx config, smoke-tested through nginx, then stopped (about 1-2 minutes).
deploy-check: install
	@bash scripts/system-deps.sh scripts/deploy-packages.txt
	@VENV=$(VENV) $(PY) scripts/deploy_check.py

# Refresh the English catalogue after changing UI text (needs GNU gettext: apt-get install gettext).
messages: install
	@cd src/ecredit && ../../$(VENV)/bin/ecredit makemessages -l en --ignore "*/demo/*" && ../../$(VENV)/bin/ecredit compilemessages -l en

clean-db:
	rm -f var/ecredit.sqlite3 var/ecredit.sqlite3-wal var/ecredit.sqlite3-shm
