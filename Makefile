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

SW := $(BIN)/sluiceway
MODELS := $(DEMO)/models

demo: $(STAMP)
	$(BIN)/python scripts/make_demo_corpus.py --out $(DEMO) --docs 3000 --seed 0
	@echo "== training the demo's models on generated data (stand-ins for your own) =="
	mkdir -p $(MODELS)
	$(SW) quality train --positive $(DEMO)/quality/positive.jsonl --negative $(DEMO)/quality/negative.jsonl \
		--out $(MODELS)/quality.bin --dim 32 --bucket 100000
	$(SW) langid train --data $(DEMO)/langid --out $(MODELS)/lid.bin
	$(SW) tokenizer train --input '$(DEMO)/web-*.jsonl.gz' --vocab-size 8000 --sample-docs 2000 --out $(MODELS)/tokenizer.json
	$(SW) embed train --input $(DEMO)/web-00000.jsonl.gz $(DEMO)/web-00001.jsonl.gz --output $(MODELS)/embedder --dim 64 --epoch 5
	@echo "== pretraining curation on local Ray =="
	$(SW) run configs/pretrain_web.yaml --input '$(DEMO)/web-*.jsonl.gz' --output $(OUT) --overwrite
	$(SW) diversity $(OUT)
	@echo "== plan: what does the curated token count support? =="
	$(SW) plan run llama2-7b --dataset $(OUT) --gpus 64 --gpu h100
	@echo "== SFT selection: Nuggets golden score (the causal LM is a stand-in trained here; set model: to a real one) =="
	$(SW) lm train-demo --data $(DEMO)/sft/alpaca_demo.json --output out/models/nuggets-lm --minutes 1
	$(SW) select configs/sft_nuggets.yaml --input $(DEMO)/sft/alpaca_demo.json --output out/demo_sft --overwrite --limit 60

clean:
	rm -rf out data/demo
