"""Deterministic, self-written demo data for sluiceway (see :func:`make_demo_corpus`)."""

from demo.corpus import jaccard, make_demo_corpus, shingles

__all__ = ["jaccard", "make_demo_corpus", "shingles"]
