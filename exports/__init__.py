"""Export the warehouse to sharded Parquet + JSONL with a manifest, and verify exports."""

from exports.errors import ExportError
from exports.manifest import FORMAT_VERSION, FileEntry, Manifest
from exports.store import ExportStore, LocalExportStore
from exports.verify import Problem, VerifyReport, verify_export, verify_store
from exports.writer import export_warehouse

__all__ = [
    "FORMAT_VERSION",
    "ExportError",
    "ExportStore",
    "FileEntry",
    "LocalExportStore",
    "Manifest",
    "Problem",
    "VerifyReport",
    "export_warehouse",
    "verify_export",
    "verify_store",
]
