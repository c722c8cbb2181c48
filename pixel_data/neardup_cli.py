"""`pixel-data eval neardup`: near-duplicate detection on labelled real data, beside MinHash."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from pixel_config import settings

console = Console()
err_console = Console(stderr=True)


def neardup(
    backends: Annotated[
        str,
        typer.Option(
            help="Embedding backends to evaluate, comma-separated: static, minilm. MiniLM embeds "
            "about 26k texts: most of an hour on 2 CPU cores the first time, cached after."
        ),
    ] = "static",
    minhash: Annotated[
        bool, typer.Option(help="Run datatrove's MinHash dedup on the same corpus (eval extra).")
    ] = True,
    per_kind: Annotated[int, typer.Option(help="Perturbed copies per perturbation kind.")] = 250,
    out: Annotated[Path, typer.Option(help="Where the JSON results go.")] = (
        settings.BUILD_DIR / "eval" / "neardup.json"
    ),
) -> None:
    """Precision, recall and time of near-dup detection on real data (docs/evaluation.md)."""
    from evaluation.neardup import RealDataMissing, run_evaluation

    try:
        result = run_evaluation(
            [b.strip() for b in backends.split(",") if b.strip()],
            minhash=minhash,
            per_kind=per_kind,
        )
    except RealDataMissing as exc:
        err_console.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from exc
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    corpus = result["corpus"]
    console.print(
        f"Corpus: {corpus['documents']:,} conversations, {corpus['positive_pairs']:,} labelled "
        f"near-duplicate pairs ({', '.join(f'{k} {v}' for k, v in corpus['by_source'].items())})"
    )
    table = Table(title="Near-duplicate detection, pairs inside predicted clusters")
    for column in ("method", "thresholds", "precision", "recall", "wall s", "CPU s"):
        table.add_column(column, justify="left" if column in ("method", "thresholds") else "right")
    timing = result.get("static_pipeline_timing", {})
    for name, backend in result["backends"].items():
        calibrated = backend["calibrated"]
        scores = calibrated["all"]
        table.add_row(
            f"{name} ({backend['model_id']})",
            f"whole >= {calibrated['whole_threshold']}, sides >= {calibrated['side_threshold']}",
            f"{scores['precision']:.3f}",
            f"{scores['recall']:.3f}",
            f"{timing['wall_seconds']:.1f}" if name == "static" and timing else "",
            f"{timing['cpu_seconds']:.1f}" if name == "static" and timing else "",
        )
    for name, run in result["minhash"].items():
        if "skipped" in run:
            table.add_row(name, "skipped: " + run["skipped"], "", "", "", "")
            continue
        scores = run["all"]
        table.add_row(
            f"MinHash {name}",
            ", ".join(f"{k}={v}" for k, v in run["config"].items()),
            f"{scores['precision']:.3f}",
            f"{scores['recall']:.3f}",
            f"{run['wall_seconds']:.1f}",
            f"{run['cpu_seconds']:.1f}",
        )
    console.print(table)
    console.print(f"Full results (recall per kind, PR curve): {out}")
