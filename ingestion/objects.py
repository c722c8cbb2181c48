"""What a lake holds: an object and the error raised when it changes under a reader.

A leaf module: the local lister (`lake`) and the S3 client (`s3`) both import it, never each other.
"""

from __future__ import annotations

from dataclasses import dataclass


class ObjectChangedError(OSError):
    """A lake object no longer matches its listing (size or version changed after listing)."""


@dataclass(frozen=True, slots=True)
class LakeObject:
    """One file (or S3 object) in the lake."""

    uri: str
    relpath: str
    size: int
    # why the listing could not treat it as a readable file (undecodable_path, dangling_symlink,
    # symlink_loop, symlinked_directory, unreadable_directory, unreadable_file), else None
    problem: str | None = None


def is_s3(uri: str) -> bool:
    return uri.startswith("s3://")
