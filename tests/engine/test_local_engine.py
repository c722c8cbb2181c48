"""`--engine local` needs no Ray: the modules the dbt models import for either engine, and a
local stage run through them, leave Ray unimported."""

from __future__ import annotations

import subprocess
import sys

import pytest

LOCAL_RUN = """
import sys
import pyarrow as pa
from python_models.ray_stages import engine_connection
from python_models.voice_consistency import score_voice_table
import python_models.embeddings.backends, python_models.preference_builder
import python_models.scoring.warehouse, python_models.near_duplicates

records = pa.table({
    "source_file": ["a.md", "a.md"], "source_line": [1, 2], "speaker": ["ana", "ana"],
    "messages": [[{"role": "assistant", "content": "We find, in the end, that it passes."}]] * 2,
})
with engine_connection("local"):
    scored = score_voice_table(records, ["You can. Can you?"], engine="local")
assert scored.num_rows == 2
print(sorted(name for name in sys.modules if name == "ray" or name.startswith("ray.")))
"""


def test_the_local_engine_never_imports_ray():
    result = subprocess.run(
        [sys.executable, "-c", LOCAL_RUN], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "[]"


def test_an_unknown_engine_is_refused():
    from python_models.ray_stages import engine_connection

    with pytest.raises(ValueError, match="local or ray"):
        engine_connection("spark")
