"""The deterministic sample lake: every format, language and failure the product handles.

Only the CLI (`pixel-data sample-lake`, `demo`), tests and benchmarks import it.
"""
