"""The deterministic sample lake: every format, language and failure the product handles.

Only the CLI (`pixel-data sample-lake`, `demo`), tests and benchmarks import it. The entry points
are ``generate_lake`` and the ``LakeSummary`` it returns; the layout is in ``generator``'s
docstring.
"""

from sample_lake.generator import generate_lake
from sample_lake.summary import LakeSummary

__all__ = ["LakeSummary", "generate_lake"]
