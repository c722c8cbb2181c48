"""Read access to an export by relative path, so verification works on any backend.

`verify` only talks to an `ExportStore`; `LocalExportStore` reads a directory. An S3 store needs
the same four methods (list keys under a prefix, head for size, a seekable GET stream).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Protocol

from exports.layout import is_safe_relative_path


class ExportStore(Protocol):
    """The files of one export, addressed by relative posix path."""

    def list_files(self) -> Iterator[str]:
        """Every file in the export, as relative posix paths, sorted."""
        ...

    def exists(self, path: str) -> bool:
        """True when `path` is a file in the export."""
        ...

    def size(self, path: str) -> int:
        """Size of `path` in bytes."""
        ...

    def open(self, path: str) -> BinaryIO:
        """A readable, seekable binary stream of `path`; the caller closes it."""
        ...


class LocalExportStore:
    """An export in a local directory."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _resolve(self, path: str) -> Path:
        if not is_safe_relative_path(path):
            raise ValueError(f"path leaves the export directory: {path!r}")
        return self.root.joinpath(*path.split("/"))

    def list_files(self) -> Iterator[str]:
        files = (p for p in self.root.rglob("*") if p.is_file() or p.is_symlink())
        yield from sorted(p.relative_to(self.root).as_posix() for p in files)

    def exists(self, path: str) -> bool:
        return self._resolve(path).is_file()

    def size(self, path: str) -> int:
        return self._resolve(path).stat().st_size

    def open(self, path: str) -> BinaryIO:
        return self._resolve(path).open("rb")
