"""Where every file of an export lives, relative to the export directory (product spec).

```
manifest.json
data/<split>/<stage>/part-00000.parquet  + part-00000.jsonl
preference_pairs/<split>/part-00000.parquet + part-00000.jsonl
```
"""

from __future__ import annotations

import fnmatch
import re
from typing import Literal

Kind = Literal["conversations", "preference_pairs"]
FileFormat = Literal["parquet", "jsonl"]

MANIFEST_NAME = "manifest.json"
FORMATS: tuple[FileFormat, ...] = ("parquet", "jsonl")
CONVERSATIONS_DIR = "data"
PREFERENCE_PAIRS_DIR = "preference_pairs"

# Files an export may hold without the manifest listing them: the manifest itself and documents
# written next to it after the data (README, QA report, curriculum). Patterns are fnmatch globs
# matched against the whole relative path, so they only allow files at the top level.
UNLISTED_ALLOWED: tuple[str, ...] = (
    MANIFEST_NAME,
    "README.md",
    "qa_report.*",
    "curriculum.json",
)

# Split and stage values become directory names, so they must be plain names.
_PATH_COMPONENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def is_unlisted_allowed(path: str) -> bool:
    """True when `path` may sit in an export without a manifest entry."""
    return any(fnmatch.fnmatchcase(path, pattern) for pattern in UNLISTED_ALLOWED)


def is_safe_component(value: str) -> bool:
    """True when `value` can be used as one directory name inside the export."""
    return bool(_PATH_COMPONENT.match(value)) and value not in {".", ".."}


def shard_name(index: int, file_format: FileFormat) -> str:
    """`part-00000.parquet` style name of the `index`-th shard."""
    return f"part-{index:05d}.{file_format}"


def shard_path(
    kind: Kind, split: str, stage: str | None, index: int, file_format: FileFormat
) -> str:
    """Relative posix path of one shard file."""
    if kind == "conversations":
        if stage is None:
            raise ValueError("conversation shards are partitioned by stage")
        return f"{CONVERSATIONS_DIR}/{split}/{stage}/{shard_name(index, file_format)}"
    return f"{PREFERENCE_PAIRS_DIR}/{split}/{shard_name(index, file_format)}"


def is_safe_relative_path(path: str) -> bool:
    """True for a relative posix path that stays inside the export directory."""
    if not path or path.startswith("/") or "\\" in path:
        return False
    return all(part not in {"", ".", ".."} for part in path.split("/"))
