"""fastText models behind the model stages (quality, language ID): training, loading, prediction, and
the real pretrained models shipped in PyPI packages (``shipped``: lid.176, the SmolLM2 GGUF).

Pure functions and training routines only; stages live in ``sluiceway.stages``. fastText is imported
inside functions so that importing this package stays cheap.
"""
