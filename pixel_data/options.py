"""Options several command groups share, and the lake argument's check."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pixel_config import settings
from pixel_data.policy import USAGE, fail

LakeOption = Annotated[
    str | None,
    typer.Option("--lake", help="Lake root: a local folder or s3://bucket/prefix."),
]
SplitSeedOption = Annotated[int | None, typer.Option("--seed", help="Split (and sampling) seed.")]
WarehouseOption = Annotated[
    Path | None,
    typer.Option("--warehouse", help="DuckDB warehouse file (default build/warehouse.duckdb)."),
]


def lake_uri(lake: str | None) -> str:
    """An s3:// URI as given, or a local folder made absolute (default: the sample lake); exit 2
    when the folder is missing."""
    if lake is None:
        return str(settings.DEFAULT_SAMPLE_LAKE)
    if lake.startswith("s3://"):
        return lake.rstrip("/")
    path = Path(lake).expanduser().resolve()
    if not path.is_dir():
        fail(f"lake folder {lake} does not exist", USAGE)
    return str(path)
