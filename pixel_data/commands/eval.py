"""`pixel-data eval`: measure the pipeline's parts on real labelled data (scorers, near-dup
detection), and refit the scorers' shipped weights (`pixel-data eval fit <scorer>`)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from pixel_config import settings
from pixel_data.policy import USAGE, examples, fail

console = Console()

app = typer.Typer(
    help="Evaluate parts of the pipeline on real labelled data; refit the scorers.",
    no_args_is_help=True,
)
fit_app = typer.Typer(
    help="Refit a scorer's shipped weights on ../shared/realdata, deterministically.",
    no_args_is_help=True,
)
app.add_typer(fit_app, name="fit")

RealdataOption = Annotated[
    Path | None,
    typer.Option(help="Folder of the real labelled data (default ../shared/realdata)."),
]
EmbedderOption = Annotated[str, typer.Option("--embedder", help="Embedding backend.")]


def use_realdata(realdata: Path | None) -> Path:
    """The real-data folder (``--realdata`` or the default); exit 2 naming it when missing."""
    from evaluation.realdata import RealDataMissing, realdata_root

    if realdata is not None:
        os.environ["PIXEL_REALDATA"] = str(realdata)
    try:
        return realdata_root()
    except RealDataMissing as exc:
        fail(str(exc), USAGE)


def eval_scorers(
    only: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated subset: crisis, language, empathy, behaviour, pii, coherence, "
            "category, safety (safety, bias, completeness and the empathy gate metric on real "
            "replies)."
        ),
    ] = None,
    realdata: RealdataOption = None,
    markdown: Annotated[
        Path | None, typer.Option(help="Also write the tables as Markdown to this file.")
    ] = None,
) -> None:
    """Measure every scorer on held-out real labelled data and print the tables."""
    from evaluation.scoring.report import SCORERS, run, to_markdown

    root = use_realdata(realdata)
    chosen = [s.strip() for s in only.split(",")] if only else list(SCORERS)
    unknown = sorted(set(chosen) - set(SCORERS))
    if unknown:
        fail(f"--only: unknown scorer {', '.join(unknown)}", USAGE)
    tables = run(root, chosen)
    for table in tables:
        rich_table = Table(title=table.title, title_justify="left")
        for column in table.columns:
            rich_table.add_column(column, overflow="fold")
        for row in table.rows:
            rich_table.add_row(*row)
        console.print(rich_table)
        for note in table.notes:
            console.print(f"  [dim]{note}[/]")
    if markdown is not None:
        markdown.write_text(to_markdown(tables), encoding="utf-8")
        console.print(f"Markdown tables written to {markdown}")


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
    out: Annotated[
        Path | None, typer.Option(help="Where the JSON results go (default build/eval/).")
    ] = None,
    realdata: RealdataOption = None,
) -> None:
    """Precision, recall and time of near-dup detection on real data (docs/evaluation.md)."""
    from evaluation.neardup import RealDataMissing, run_evaluation

    use_realdata(realdata)
    try:
        result = run_evaluation(
            [b.strip() for b in backends.split(",") if b.strip()],
            minhash=minhash,
            per_kind=per_kind,
        )
    except RealDataMissing as exc:
        fail(str(exc), USAGE)
    out = out or settings.BUILD_DIR / "eval" / "neardup.json"
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
    for name, backend in result["backends"].items():
        calibrated = backend["calibrated"]
        scores = calibrated["all"]
        table.add_row(
            f"{name} ({backend['model_id']}), embedding only",
            f"whole >= {calibrated['whole_threshold']}, sides >= {calibrated['side_threshold']}",
            f"{scores['precision']:.3f}",
            f"{scores['recall']:.3f}",
            "",
            "",
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
    hybrid = result.get("hybrid")
    if hybrid:
        chosen, timing = hybrid["calibrated"], hybrid["timing"]
        t = chosen["thresholds"]
        table.add_row(
            "production: embedding + MinHash LSH candidates, verified",
            f"3-gram Jaccard >= {t['lexical']} (sides {t['lexical_side']}) "
            f"or cosine >= {t['whole']} (sides {t['side']})",
            f"{chosen['all']['precision']:.3f}",
            f"{chosen['all']['recall']:.3f}",
            f"{timing['wall_seconds']:.1f}",
            f"{timing['cpu_seconds']:.1f}",
        )
    semhash = result.get("semhash", {})
    if "skipped" in semhash:
        table.add_row("SemHash", "skipped: " + semhash["skipped"], "", "", "", "")
    for name in ("default", "calibrated"):
        run = semhash.get(name)
        if run:
            table.add_row(
                f"SemHash ({name}, same static model)",
                f"cosine >= {run['threshold']}",
                f"{run['all']['precision']:.3f}",
                f"{run['all']['recall']:.3f}",
                f"{run['wall_seconds']:.1f}",
                f"{run['cpu_seconds']:.1f}",
            )
    console.print(table)
    console.print(f"Full results (recall per kind, PR curve): {out}")


@fit_app.command("crisis", epilog=examples("pixel-data eval fit crisis --target 0.96"))
def fit_crisis(
    out: Annotated[
        Path | None, typer.Option(help="Weights file (default: the shipped one).")
    ] = None,
    embedder: EmbedderOption = "static",
    target: Annotated[
        float, typer.Option(help="Sensitivity the post bar keeps on C-SSRS calibration users.")
    ] = 0.96,
    realdata: RealdataOption = None,
) -> None:
    """Refit the crisis classifier and its flag bars (posts, turns, short turns)."""
    from evaluation.fitting import fit_crisis

    use_realdata(realdata)
    fit_crisis.refit(out or fit_crisis.WEIGHTS, embedder, target)


def _register_fit(
    name: str, module: str, default: str, doc: str, *, embedder_default: str = "static"
) -> None:
    """Add `pixel-data eval fit <name>`: refit ``evaluation.fitting.<module>`` into its
    ``default`` file or folder (``--out``), with the chosen embedder, deterministically."""
    target = "folder" if default.endswith("_DIR") else "file"

    def command(
        out: Path | None = None,
        embedder: str = embedder_default,
        realdata: Path | None = None,
    ) -> None:
        import importlib

        fitting = importlib.import_module(f"evaluation.fitting.{module}")
        use_realdata(realdata)
        fitting.refit(out or getattr(fitting, default), embedder)

    # real objects, not strings: the help text names a file or a folder per command
    command.__annotations__ = {
        "out": Annotated[
            Path | None, typer.Option(help=f"Weights {target} (default: the shipped one).")
        ],
        "embedder": EmbedderOption,
        "realdata": RealdataOption,
        "return": None,
    }
    command.__doc__ = doc
    fit_app.command(name, epilog=examples(f"pixel-data eval fit {name}"))(command)


for _name, _module, _default, _doc, _embedder in (
    (
        "empathy",
        "fit_empathy",
        "WEIGHTS_DIR",
        "Refit the three EPITOME empathy mechanism models.",
        "static",
    ),
    (
        "behaviour",
        "fit_behaviour",
        "WEIGHTS_DIR",
        "Refit the counselling-behaviour model on the ESConv train dialogues.",
        "static",
    ),
    (
        "safety",
        "fit_safety",
        "WEIGHTS",
        "Refit the learned part of the safety score on half of hh-rlhf harmless-base.",
        "default",
    ),
    (
        "coherence",
        "fit_coherence",
        "WEIGHTS",
        "Refit the coherence scorer's projection (ESConv train dialogues) and fallback "
        "references (Counsel Chat).",
        "static",
    ),
    (
        "category",
        "fit_category",
        "COUNSEL_CHAT_WEIGHTS",
        "Refit the fallback category model of `pixel-data score` (Counsel Chat topics).",
        "static",
    ),
):
    _register_fit(_name, _module, _default, _doc, embedder_default=_embedder)


def gate_rates(
    weights: Annotated[
        list[str] | None,
        typer.Option(
            help="LABEL=REV: EPITOME weights from git revision (or folder) REV; repeat to compare."
        ),
    ] = None,
    behaviour: Annotated[
        list[str] | None,
        typer.Option(
            help="LABEL=REV: behaviour weights from git revision (or .npz file) REV, with the "
            "shipped EPITOME weights; repeat to compare."
        ),
    ] = None,
    warehouse: Annotated[
        Path | None, typer.Option(help="A built warehouse (default: PIXEL_WAREHOUSE or build/).")
    ] = None,
    markdown: Annotated[Path | None, typer.Option(help="Also write the table here.")] = None,
) -> None:
    """The empathy gate's pass rates per source of a built warehouse under each set of weights."""
    from evaluation.scoring import gate_rates as rates

    target = settings.warehouse_path(warehouse)
    if not target.exists():
        fail(f"no warehouse at {target}: run pixel-data build or pixel-data demo first", USAGE)
    weights, behaviour = weights or [], behaviour or []
    if not weights and not behaviour:
        fail("give at least one --weights or --behaviour LABEL=REV", USAGE)
    labelled = dict(spec.split("=", 1) for spec in weights if "=" in spec)
    if len(labelled) != len(weights):
        fail("--weights takes LABEL=REV (a git revision or a folder of empathy_*.npz)", USAGE)
    behaviours = dict(spec.split("=", 1) for spec in behaviour if "=" in spec)
    if len(behaviours) != len(behaviour):
        fail("--behaviour takes LABEL=REV (a git revision or a behaviour .npz file)", USAGE)
    try:
        table, agreement = rates.run(target, labelled, settings.project_root(), behaviours)
    except ValueError as exc:
        fail(str(exc), USAGE)
    text = rates.to_markdown(table, [*labelled, *behaviours])
    console.print(text)
    for label, (differ, compared) in agreement.items():
        console.print(
            f"{label}: the recomputed gate differs from the warehouse's verdict for "
            f"{differ} of {compared} gated conversations"
        )
    if markdown is not None:
        markdown.write_text(text, encoding="utf-8")


@fit_app.command("pii", epilog=examples("pixel-data eval fit pii"))
def fit_pii(
    out: Annotated[
        Path | None, typer.Option(help="Weights file (default: the shipped one).")
    ] = None,
    realdata: RealdataOption = None,
) -> None:
    """Refit the PII span model on sentences generated from non-held-out templates."""
    from evaluation.fitting import fit_pii_spans

    use_realdata(realdata)
    fit_pii_spans.refit(out or fit_pii_spans.WEIGHTS)


app.command(
    "scorers",
    epilog=examples(
        "pixel-data eval scorers", "pixel-data eval scorers --only crisis,pii --markdown t.md"
    ),
)(eval_scorers)
app.command(
    "neardup", epilog=examples("pixel-data eval neardup --backends static,minilm --no-minhash")
)(neardup)
app.command(
    "gate-rates",
    epilog=examples(
        "pixel-data eval gate-rates --weights before=9607b12^ --weights now=HEAD",
        "pixel-data eval gate-rates --behaviour main=main --behaviour now=HEAD",
    ),
)(gate_rates)
