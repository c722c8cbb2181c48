"""The coverage report: what a lake holds, per prefix, per registered dataset and source family.

For every object: size, extension, the container sniffed from its first bytes (never the
name), the registry dataset whose glob matches (the same matching the warehouse uses) and a
record count, exact or estimated:

- ``exact``: objects up to ``exact_max_bytes`` are read whole with the warehouse's own reader,
  so the count is the number of input records the build will see (errors included);
- ``parquet_footer``: Parquet row counts come from the footer, exact at any size;
- ``document``: a file of a document dataset (registry format ``transcript``) is one record;
- ``sampled``: bigger objects are sampled from their first ``sample_bytes`` (one ranged read
  on S3); the complete records in the sample are counted and scaled by bytes,
  ``records = sample_records * object_bytes / sample_bytes_consumed``. For gzip the sample is
  decompressed and the count scaled by compressed bytes consumed (the method records the
  observed compression ratio).

Listing is one paginated request per 1,000 keys on S3; the per-object reads run on a small
thread pool. Nothing here prints record content.
"""

from __future__ import annotations

import csv
import io
import json
import os
import zlib
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from ingestion.containers import (
    SNIFF_BYTES,
    UTF8_BOM,
    is_gzip,
    is_utf16,
    sniff_container,
    utf16_to_utf8,
)
from ingestion.lake import (
    LakeObject,
    RegistryGlob,
    assign_datasets,
    is_s3,
    list_lake,
    normalize_root,
)
from ingestion.record_shapes import (
    DOCUMENT_FORMATS,
    ONE_CONVERSATION_SHAPES,
    content_shape,
    is_one_record_per_file,
)

DEFAULT_EXACT_MAX_BYTES = 8 << 20
DEFAULT_SAMPLE_BYTES = 4 << 20
MAX_DECOMPRESSED_SAMPLE = 256 << 20


@dataclass(frozen=True, slots=True)
class RegistryRow:
    dataset: str
    path_glob: str
    source_family: str
    format: str
    field_map: str = ""


@dataclass(slots=True)
class ObjectReport:
    """One object of the lake and what is known about it."""

    relpath: str
    uri: str
    bytes: int
    extension: str
    content: str
    dataset: str | None
    matched_datasets: list[str]
    records: int | None
    method: str
    error: str | None = None
    # what the content looks like (ingestion.record_shapes.content_shape): message_list, pdf...
    shape: str = "unknown"


@dataclass(slots=True)
class GroupReport:
    """Totals for a prefix, a dataset or a source family."""

    name: str
    objects: int = 0
    bytes: int = 0
    records: int = 0
    exact_objects: int = 0
    estimated_objects: int = 0
    by_extension: dict[str, int] = field(default_factory=dict)
    by_content: dict[str, int] = field(default_factory=dict)
    by_shape: dict[str, int] = field(default_factory=dict)
    source_family: str | None = None

    def add(self, obj: ObjectReport) -> None:
        self.objects += 1
        self.bytes += obj.bytes
        self.records += obj.records or 0
        if obj.method == "sampled":
            self.estimated_objects += 1
        else:
            self.exact_objects += 1
        self.by_extension[obj.extension] = self.by_extension.get(obj.extension, 0) + 1
        self.by_content[obj.content] = self.by_content.get(obj.content, 0) + 1
        self.by_shape[obj.shape] = self.by_shape.get(obj.shape, 0) + 1

    @property
    def records_are_exact(self) -> bool:
        return self.estimated_objects == 0


@dataclass
class Inventory:
    root: str
    generated_at: str
    method: dict[str, str]
    totals: GroupReport
    prefixes: list[GroupReport]
    datasets: list[GroupReport]
    source_families: list[GroupReport]
    unregistered: list[ObjectReport]
    objects: list[ObjectReport]

    def to_dict(self) -> dict:
        return {
            "root": self.root,
            "generated_at": self.generated_at,
            "method": self.method,
            "totals": asdict(self.totals),
            "prefixes": [asdict(group) for group in self.prefixes],
            "datasets": [asdict(group) for group in self.datasets],
            "source_families": [asdict(group) for group in self.source_families],
            "unregistered": [asdict(obj) for obj in self.unregistered],
            "objects": [asdict(obj) for obj in self.objects],
        }


def read_registry(path: Path) -> list[RegistryRow]:
    """Registry rows in the order the warehouse matches them (by dataset name)."""
    with Path(path).open(newline="", encoding="utf-8") as handle:
        rows = [
            RegistryRow(
                dataset=row["dataset"],
                path_glob=row["path_glob"],
                source_family=row.get("source_family") or "",
                format=row.get("format") or "",
                field_map=row.get("field_map") or "",
            )
            for row in csv.DictReader(handle)
        ]
    return sorted(rows, key=lambda row: row.dataset)


def extension_of(relpath: str) -> str:
    """``a/b.jsonl.gz`` -> ``jsonl.gz``; no extension -> ``(none)``."""
    name = relpath.rsplit("/", 1)[-1]
    suffixes = [part.lower() for part in name.split(".")[1:] if part]
    if not suffixes:
        return "(none)"
    if len(suffixes) >= 2 and suffixes[-1] in {"gz", "gzip", "zst", "bz2"}:
        return ".".join(suffixes[-2:])
    return suffixes[-1]


class _Source:
    """Byte access to lake objects: local files, or S3 through ranged GETs."""

    def __init__(self, root: str, s3_config=None) -> None:
        self.s3 = is_s3(root)
        self.client = None
        if self.s3:
            from ingestion.s3 import S3Config

            self.config = s3_config or S3Config.from_env()
            self.client = self.config.client()

    def head(self, obj: LakeObject, length: int) -> bytes:
        if self.s3:
            from ingestion.s3 import read_range

            return read_range(self.client, obj.uri, 0, length, self.config)
        with open(obj.uri, "rb") as handle:
            return handle.read(length)

    def open(self, uri: str) -> io.RawIOBase | io.BufferedIOBase:
        if self.s3:
            from ingestion.s3 import S3ObjectReader

            return io.BufferedReader(S3ObjectReader(self.client, uri, self.config), 8 << 20)
        return open(uri, "rb")


def build_inventory(
    root: str,
    *,
    registry_csv: Path | None = None,
    exact_max_bytes: int = DEFAULT_EXACT_MAX_BYTES,
    sample_bytes: int = DEFAULT_SAMPLE_BYTES,
    prefix_depth: int = 1,
    workers: int = 8,
    s3_config=None,
) -> Inventory:
    """List ``root`` (a folder or ``s3://bucket/prefix``) and report what it holds."""
    from pixel_config.settings import REGISTRY_CSV

    root = normalize_root(root)
    registry = read_registry(registry_csv or REGISTRY_CSV)
    globs = [RegistryGlob(row.dataset, row.path_glob) for row in registry]
    listed = list(assign_datasets(list_lake(root), globs))
    source = _Source(root, s3_config)
    formats = {row.dataset: row.format for row in registry}
    field_maps = {row.dataset: row.field_map for row in registry}

    def describe(item: tuple[LakeObject, str | None, list[str]]) -> ObjectReport:
        obj, dataset, matched = item
        return describe_object(
            source,
            obj,
            dataset,
            matched,
            exact_max_bytes=exact_max_bytes,
            sample_bytes=sample_bytes,
            record_format=formats.get(dataset) if dataset else None,
            field_map=field_maps.get(dataset) if dataset else None,
        )

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        objects = list(pool.map(describe, listed))
    return summarize(root, objects, registry, prefix_depth, exact_max_bytes, sample_bytes)


def describe_object(
    source: _Source,
    obj: LakeObject,
    dataset: str | None,
    matched: list[str],
    *,
    exact_max_bytes: int,
    sample_bytes: int,
    record_format: str | None = None,
    field_map: str | None = None,
) -> ObjectReport:
    """Sniff one object and count (or estimate) its records.

    ``record_format`` is the registry format of its dataset: a document format (a transcript)
    is one record per file whatever it holds, as the warehouse reads it, and so is a file of a
    one-conversation-per-file dataset (``field_map`` maps its list to a path from ``$``). An
    unregistered file whose content is one conversation (a message or turn-pair list) counts
    as one record too: conversations, not messages.
    """

    report = ObjectReport(
        relpath=obj.relpath,
        uri=obj.uri,
        bytes=obj.size,
        extension=extension_of(obj.relpath),
        content="unknown",
        dataset=dataset,
        matched_datasets=matched,
        records=None,
        method="none",
    )
    if obj.problem:  # listed, but not a readable file (ingestion.lake)
        report.error = obj.problem
        return report
    try:
        big = obj.size > exact_max_bytes
        head = source.head(obj, max(sample_bytes, SNIFF_BYTES) if big else SNIFF_BYTES)
        document = record_format in DOCUMENT_FORMATS
        report.content = sniff_container(head[:SNIFF_BYTES], document=document)
        report.shape = content_shape(_inflated(head[:SNIFF_BYTES]))
        registered_whole = is_one_record_per_file(record_format, field_map)
        if document:
            report.records, report.method = 1, "document"
        elif registered_whole and not big:  # as the warehouse reads it (a JSONL file: by lines)
            report.records = _exact_records(source.open, obj.uri, whole_record=True)
            report.method = "exact"
        elif registered_whole or (dataset is None and report.shape in ONE_CONVERSATION_SHAPES):
            report.records, report.method = 1, "one_conversation"
        elif report.content in {"empty", "gzip/empty"}:
            report.records, report.method = 0, "exact"
        elif report.content == "parquet":
            report.records, report.method = _parquet_rows(source, obj.uri), "parquet_footer"
        elif len(head) >= obj.size:  # the sniffed bytes are the whole object
            report.records, report.method = (
                _exact_records(lambda _: io.BytesIO(head), obj.uri),
                "exact",
            )
        elif not big:
            report.records, report.method = _exact_records(source.open, obj.uri), "exact"
        else:
            report.records, report.method = _estimate_records(head, obj.size), "sampled"
    except OSError as error:  # deleted since listing, unreadable: reported, not fatal
        report.error = f"{type(error).__name__}: unreadable"
    return report


def _inflated(head: bytes) -> bytes:
    """A gzip object's first bytes decompressed (as far as they go); other bytes as they are."""
    if not is_gzip(head):
        return head
    try:
        return zlib.decompressobj(31).decompress(head, SNIFF_BYTES)
    except zlib.error:
        return b""


def _parquet_rows(source: _Source, uri: str) -> int:
    import pyarrow.parquet as pq

    with source.open(uri) as handle:
        return pq.ParquetFile(handle).metadata.num_rows


def _exact_records(opener, uri: str, *, whole_record: bool = False) -> int:
    """Input records as the warehouse's reader counts them (one per record or per error)."""
    from ingestion.lake_reader import read_one_file
    from pixel_config.settings import dbt_var

    # the bound only decides which error a huge record gets, not whether it counts
    max_record_bytes = int(dbt_var("max_record_bytes"))
    records = read_one_file(
        uri, max_record_bytes=max_record_bytes, opener=opener, whole_record=whole_record
    )
    return sum(1 for _ in records)


def _estimate_records(sample: bytes, size: int) -> int:
    """Records in the first bytes of an object, scaled to its size (see the module doc)."""
    consumed = len(sample)
    data = sample
    if is_gzip(sample):
        decompressor = zlib.decompressobj(31)
        try:
            data = decompressor.decompress(sample, MAX_DECOMPRESSED_SAMPLE)
        except zlib.error:
            return 0
        consumed -= len(decompressor.unconsumed_tail) + len(decompressor.unused_data)
    if is_utf16(data):
        data = utf16_to_utf8(data)
    data = data.removeprefix(UTF8_BOM)
    count, used = _count_complete_records(data)
    if used == 0 or consumed == 0:
        return 0
    # records per decompressed byte * decompressed bytes per compressed byte * compressed size
    return round(count / used * (len(data) / consumed) * size)


def _count_complete_records(data: bytes) -> tuple[int, int]:
    """(records, bytes they span) among the complete records at the start of ``data``."""
    kind = sniff_container(data[:SNIFF_BYTES])
    if kind == "json_array":
        return _count_json_array_elements(data)
    end = data.rfind(b"\n") + 1
    complete = data[:end]
    if kind == "csv":
        text = complete.decode("utf-8", errors="replace")
        rows = sum(1 for row in csv.reader(io.StringIO(text, newline="")) if any(row))
        return max(rows - 1, 0), end  # the header is not a record
    return sum(1 for line in complete.split(b"\n") if line.strip()), end


def _count_json_array_elements(data: bytes) -> tuple[int, int]:
    text = data.decode("utf-8", errors="replace")
    decoder = json.JSONDecoder()
    position = text.index("[") + 1
    count = 0
    while True:
        while position < len(text) and text[position] in " \t\r\n,":
            position += 1
        if position >= len(text) or text[position] == "]":
            break
        try:
            _, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError:
            break  # the sample ends inside this element
        count += 1
    return count, len(text[:position].encode("utf-8"))


def summarize(
    root: str,
    objects: list[ObjectReport],
    registry: list[RegistryRow],
    prefix_depth: int,
    exact_max_bytes: int,
    sample_bytes: int,
) -> Inventory:
    totals = GroupReport(name=root)
    prefixes: dict[str, GroupReport] = {}
    datasets = {
        row.dataset: GroupReport(name=row.dataset, source_family=row.source_family)
        for row in registry
    }
    families = {row.source_family: GroupReport(name=row.source_family) for row in registry}
    family_of = {row.dataset: row.source_family for row in registry}
    for obj in objects:
        totals.add(obj)
        prefix = _prefix(obj.relpath, prefix_depth)
        prefixes.setdefault(prefix, GroupReport(name=prefix)).add(obj)
        if obj.dataset is not None:
            datasets[obj.dataset].add(obj)
            families[family_of[obj.dataset]].add(obj)
    return Inventory(
        root=root,
        generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
        method={
            "exact": (
                f"objects up to {exact_max_bytes:,} bytes are read whole with the warehouse's "
                "reader; records = input records the build will see, errors included"
            ),
            "parquet_footer": "Parquet row count from the file footer (exact)",
            "document": "a file of a document dataset (transcript) is one record (exact)",
            "one_conversation": (
                "an unregistered file whose content is one message or turn-pair list (or a "
                "big file of a one-conversation-per-file dataset, field_map path from $) is one "
                "record: conversations are counted, not messages; smaller files of such a "
                "dataset are read whole (exact)"
            ),
            "sampled": (
                f"bigger objects: the first {sample_bytes:,} bytes are read (gzip: "
                "decompressed), complete records counted and scaled by bytes: records = "
                "sample_records / sample_bytes_used * decompressed_per_compressed * object_bytes"
            ),
            "datasets": "registry globs matched as the warehouse does (first dataset by name)",
        },
        totals=totals,
        prefixes=sorted(prefixes.values(), key=lambda group: group.name),
        datasets=list(datasets.values()),
        source_families=sorted(families.values(), key=lambda group: group.name),
        unregistered=[obj for obj in objects if obj.dataset is None],
        objects=objects,
    )


def _prefix(relpath: str, depth: int) -> str:
    parts = relpath.split("/")[:-1]
    return "/".join(parts[:depth]) + "/" if parts and depth > 0 else "(root)"


def write_json(inventory: Inventory, path: Path) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps(inventory.to_dict(), indent=2), encoding="utf-8")
    tmp.replace(path)


def group_rows(groups: Iterable[GroupReport]) -> list[list[str]]:
    """Table rows: name, objects, bytes, records (~ when any is estimated), formats, shapes."""

    def formats(counter: dict[str, int]) -> str:
        return ", ".join(f"{name} {count}" for name, count in Counter(counter).most_common())

    return [
        [
            group.name,
            f"{group.objects:,}",
            _human_bytes(group.bytes),
            ("" if group.records_are_exact else "~") + f"{group.records:,}",
            formats(group.by_extension),
            formats(group.by_content),
            formats(group.by_shape),
        ]
        for group in groups
    ]


def _human_bytes(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{value:,.0f} {unit}" if unit == "B" else f"{value:,.1f} {unit}"
        value /= 1024
    return f"{size} B"  # pragma: no cover
