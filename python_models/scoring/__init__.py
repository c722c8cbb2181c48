"""Scorers: crisis risk, EPITOME empathy, PII redaction, coherence, category; offline, CPU, batch.

Each scorer accepts precomputed embeddings so that a build embeds every text once (the
near-duplicate stage's embeddings are reused); `pipeline.score_conversations` runs them all.
"""
