"""Diversity: sentence embeddings, k-means at scale, diversity metrics, cluster-balanced selection.

Pure numpy/Python building blocks (``embedders``, ``kmeans``, ``metrics``) used by the Ray stages
``embed``, ``cluster``, ``balanced_sample`` and ``semantic_dedup`` and by SFT selection (CaR, Nuggets).
Heavy imports (fastText models, torch) happen inside functions.
"""
