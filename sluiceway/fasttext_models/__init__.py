"""fastText models behind the model stages (quality, language ID): training, loading, prediction. The
pretrained models shipped in PyPI packages (lid.176, the SmolLM2 GGUF) are in ``sluiceway.shipped``.

Pure functions and training routines only; stages live in ``sluiceway.stages``. fastText is imported
inside functions so that importing this package stays cheap.
"""
