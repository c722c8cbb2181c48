"""Scorers: crisis risk, EPITOME empathy, safety, bias, completeness, coherence, category and PII
redaction; offline, CPU, batch.

Each scorer accepts precomputed embeddings so that a build embeds every text once (the
near-duplicate stage's embeddings are reused); `pipeline.Scorers` runs them all over a batch and
`warehouse` is what the dbt Python models call.
"""
