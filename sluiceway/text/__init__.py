"""Fast text primitives for the heuristic filters: word, line, paragraph and sentence splitting and n-gram
repetition statistics. Regex-based and precompiled: no NLP tokenizer is loaded per document."""
