"""Model code behind the model stages: fastText (quality, language ID) and tokenizers.

Pure functions and training routines only; stages live in ``sluiceway.stages``. fastText and
``tokenizers`` are imported inside functions so that importing this package stays cheap.
"""
