"""Near-duplicate detection building blocks: shingles, MinHash signatures, LSH banding, verification,
distributed connected components and step checkpoints. Pure NumPy/Arrow logic; Ray lives in the stage."""
