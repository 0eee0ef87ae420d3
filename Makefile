# Two commands: `make demo` (sets everything up, runs the demo) and `make test`.
# Only python3.11 + pip are assumed; uv is bootstrapped into the user site.
PYTHON ?= python3.11
VENV := .venv
STAMP := $(VENV)/.synced
UV := $(PYTHON) -m uv

.PHONY: demo test lint bench clean serve serve-stop
demo: $(STAMP)
	$(VENV)/bin/ddss demo

test: $(STAMP)
	bash scripts/system_deps.sh
	$(VENV)/bin/ruff check ddss generators flows tests bench scripts
	$(VENV)/bin/python -m pytest

# Local Prefect server (127.0.0.1, free port) + process work pool + all 34 deployments + a worker.
serve: $(STAMP)
	$(VENV)/bin/ddss server start

serve-stop: $(STAMP)
	$(VENV)/bin/ddss server stop

lint: $(STAMP)
	$(VENV)/bin/ruff check ddss generators flows tests bench scripts

$(STAMP): pyproject.toml uv.lock
	@$(PYTHON) -m uv --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet --disable-pip-version-check "uv==0.13.9"
	# --compile-bytecode: every later process (GX's import, generator workers, test subprocesses)
	# starts from bytecode even where PYTHONDONTWRITEBYTECODE is set (GX's import: ~7 s -> ~3.5 s).
	UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --frozen --compile-bytecode --python $(PYTHON)
	@touch $(STAMP)

clean:
	rm -rf $(VENV) data gx/uncommitted .prefect
