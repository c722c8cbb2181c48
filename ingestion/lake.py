"""Lake access: list the objects under a lake root and match them to registry globs.

A lake root is a local folder or an ``s3://bucket/prefix`` URI. Paths in the source registry
are relative to the root and use glob syntax where ``**/`` spans zero or more folders and
``*`` / ``?`` never cross a ``/``.
"""

from __future__ import annotations

import errno
import functools
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ingestion.objects import LakeObject, is_s3


def normalize_root(root: str) -> str:
    """A lake root without a trailing slash; local roots become absolute paths."""
    if is_s3(root):
        return root.rstrip("/")
    return str(Path(root).expanduser().resolve())


def list_lake(root: str) -> list[LakeObject]:
    """Every object under ``root``, sorted by relative path (S3 listing lives in ``s3``)."""
    root = normalize_root(root)
    if is_s3(root):
        from ingestion.s3 import list_s3_objects

        return sorted(list_s3_objects(root), key=lambda o: o.relpath)
    if not os.path.isdir(root):
        raise FileNotFoundError(f"lake root {root!r} is not a directory")
    return sorted(_walk_local(root), key=lambda o: o.relpath)


def _walk_local(root: str) -> Iterator[LakeObject]:
    """Every file under ``root``; what cannot be listed as a readable file is a row with a
    ``problem`` (never skipped): an unreadable folder, a dangling or looping symlink, a
    symlinked folder (not followed: it may loop or list files twice), a name that is not UTF-8."""
    errors: list[OSError] = []
    for folder, subfolders, files in os.walk(root, onerror=errors.append):
        yield from (_problem(root, error.filename, "unreadable_directory") for error in errors)
        errors.clear()
        subfolders.sort()
        for name in list(subfolders):
            path = os.path.join(folder, name)
            if os.path.islink(path):
                subfolders.remove(name)
                yield _problem(root, path, "symlinked_directory")
        for name in files:
            yield _local_file(root, os.path.join(folder, name))
    yield from (_problem(root, error.filename, "unreadable_directory") for error in errors)


def _local_file(root: str, path: str) -> LakeObject:
    """A listed file with its size, or with the problem that keeps it from being read."""
    if not _is_utf8(path):
        return _problem(root, path, "undecodable_path")
    try:
        size = os.stat(path).st_size
    except FileNotFoundError:
        problem = "dangling_symlink" if os.path.islink(path) else "unreadable_file"
        return _problem(root, path, problem)
    except OSError as error:
        problem = "symlink_loop" if error.errno == errno.ELOOP else "unreadable_file"
        return _problem(root, path, problem)
    relpath = os.path.relpath(path, root).replace(os.sep, "/")
    return LakeObject(uri=path, relpath=relpath, size=size)


def _is_utf8(path: str) -> bool:
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:  # os.walk hands undecodable bytes back as surrogates
        return False
    return True


def _problem(root: str, path: str | None, problem: str) -> LakeObject:
    """A row for what could not be listed as a readable file; an undecodable name is shown
    with its bad bytes escaped (``\\xff``)."""
    path = path or root
    shown = os.fsencode(path).decode("utf-8", "backslashreplace")
    relpath = os.path.relpath(shown, os.fsencode(root).decode("utf-8", "backslashreplace"))
    return LakeObject(uri=shown, relpath=relpath.replace(os.sep, "/"), size=0, problem=problem)


@functools.lru_cache(maxsize=1024)
def glob_to_regex(pattern: str) -> re.Pattern[str]:
    """Compile a registry glob (``**``, ``*``, ``?``, ``[...]``) into an anchored regex."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[":
            end = pattern.find("]", i + 1)
            if end == -1:
                out.append(re.escape(pattern[i]))
                i += 1
            else:
                body = pattern[i + 1 : end]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = end + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def glob_matches(pattern: str, relpath: str) -> bool:
    return glob_to_regex(pattern.lstrip("/")).match(relpath) is not None


@dataclass(frozen=True, slots=True)
class RegistryGlob:
    dataset: str
    path_glob: str


def assign_datasets(
    objects: Iterable[LakeObject], registry: list[RegistryGlob]
) -> Iterator[tuple[LakeObject, str | None, list[str]]]:
    """Pair every object with the first registry row (in registry order) whose glob matches.

    Yields ``(object, dataset or None, every dataset whose glob matched)`` so overlaps can be
    reported instead of silently resolved.
    """
    for row in registry:
        try:
            glob_to_regex(row.path_glob.lstrip("/"))
        except re.error as error:
            raise ValueError(
                f"registry dataset {row.dataset}, column path_glob: {row.path_glob!r} is not a "
                f"valid glob ({error.msg})"
            ) from None
    for obj in objects:
        matched = [row.dataset for row in registry if glob_matches(row.path_glob, obj.relpath)]
        yield obj, (matched[0] if matched else None), matched
