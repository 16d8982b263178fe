# Two commands on a fresh machine: `make demo` and `make test`. Each creates .venv and installs what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO := data/demo
OUT := out/demo
TORCH := torch==2.13.0

.PHONY: install demo test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q $(TORCH)
	$(BIN)/pip install -q -e '.[test,embed,sft]'
	touch $(STAMP)

install: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check sluiceway tests benchmarks scripts

test: $(STAMP) lint
	$(BIN)/pytest

demo: $(STAMP)
	$(BIN)/python scripts/make_demo_corpus.py --out $(DEMO) --docs 3000 --seed 0
	$(BIN)/sluiceway run configs/pretrain_web.yaml --input '$(DEMO)/web-*.jsonl.gz' --output $(OUT) --overwrite

clean:
	rm -rf out data/demo
