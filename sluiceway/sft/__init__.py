"""SFT data selection: Nuggets golden scores (Li et al., ACL 2024) and CaR (Ge et al., EMNLP 2024).

Pure logic lives here (instruction I/O, templates, the language-model backend, scorers, cluster-based
selection); the pipeline stages are ``sluiceway.stages.nuggets``, ``.iqs`` and ``.car_select``.
Heavy imports (torch, transformers) happen inside functions.
"""
