"""`pixel-data score`: every scorer on any ChatML JSONL file."""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from pixel_config import settings
from pixel_data.policy import USAGE, examples, fail

console = Console()
err_console = Console(stderr=True)
CATEGORY_CHOICES = ("auto", "file", "counsel-chat", "none")


def role_aliases() -> dict[str, str]:
    """The warehouse's role aliases (seed `role_aliases`), lowercased."""
    path = settings.DBT_PROJECT_DIR / "seeds" / "role_aliases.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        return {
            row["role_alias"].strip().lower(): row["canonical_role"]
            for row in csv.DictReader(handle)
        }


def _messages(record: Any, aliases: dict[str, str]) -> list[dict[str, str]]:
    if not isinstance(record, dict) or not isinstance(record.get("messages"), list):
        raise ValueError("no `messages` list")
    messages = []
    for message in record["messages"]:
        if not isinstance(message, dict):
            raise ValueError("a message is not an object")
        role = aliases.get(str(message.get("role", "")).strip().lower())
        if role is None:
            raise ValueError(f"unknown role {message.get('role')!r}")
        messages.append({"role": role, "content": str(message.get("content") or "").strip()})
    return messages


def _category_of(record: dict) -> str | None:
    metadata = record.get("metadata") if isinstance(record.get("metadata"), dict) else {}
    value = metadata.get("category", record.get("category"))
    return str(value) if value not in (None, "") else None


def _read_lines(path: Path) -> Iterator[tuple[int, str]]:
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                yield number, line


def _category_model(choice: str, records: list[tuple[dict, list[dict[str, str]]]], embedder):
    from python_models.embeddings.texts import conversation_text
    from python_models.scoring.category import (
        COUNSEL_CHAT_WEIGHTS,
        CategoryModel,
        fit_category_model,
    )

    if choice == "none":
        return None, "none"
    if choice in ("auto", "file"):
        labelled = [(r, m) for r, m in records if _category_of(r)]
        if labelled:
            from python_models.embeddings.texts import text_hash

            texts = [conversation_text(m) for _, m in labelled]
            model = fit_category_model(
                [text_hash(t) for t in texts],
                embedder.encode(texts),
                [_category_of(r) for r, _ in labelled],
            )
            if model is not None:
                return model, f"fitted on the file's {len(labelled)} categorized records"
        if choice == "file":
            return None, "none (too few categorized records in the file)"
    return CategoryModel.load(COUNSEL_CHAT_WEIGHTS), "Counsel Chat topics (shipped)"


def score(
    input_path: Annotated[Path, typer.Option("--input", help="ChatML JSONL to score.")],
    output: Annotated[Path, typer.Option("--output", help="Where to write the scored JSONL.")],
    embedder_name: Annotated[
        str, typer.Option("--embedder", help="Embedding backend: default, static or minilm.")
    ] = "default",
    category: Annotated[
        str,
        typer.Option(
            help="Category model: auto (learn from the file's categorized records, else the "
            "shipped Counsel Chat topics), file, counsel-chat, none."
        ),
    ] = "auto",
    redact: Annotated[bool, typer.Option(help="Replace PII in `messages` by placeholders.")] = True,
    batch_size: Annotated[int, typer.Option(help="Records scored together.")] = 4096,
) -> None:
    """Run every scorer on a ChatML JSONL file (one {"messages": [...]} a line).

    Each record is written back with its scores under metadata.scores (crisis score, flag and
    evidence; empathy per EPITOME mechanism, present and intensity; safety, bias and
    completeness with their evidence; coherence; category; PII counts), its language under
    metadata.language (ISO 639-1; a scorer that does not support it gives
    {"score": null, "unsupported_language": ...}) and, unless --no-redact, its messages with
    PII replaced by typed placeholders. A line that is not a usable record is written back
    unchanged with metadata.scores.error saying why.
    """
    from python_models.embeddings.backends import get_embedder
    from python_models.scoring.pipeline import Scorers

    if category not in CATEGORY_CHOICES:
        fail(f"--category must be one of {', '.join(CATEGORY_CHOICES)}, got {category}", USAGE)
    if not input_path.is_file():
        fail(f"no input file at {input_path}", USAGE)
    aliases = role_aliases()
    records: list[tuple[Any, list[dict[str, str]] | None, str | None]] = []
    for number, line in _read_lines(input_path):
        try:
            record = json.loads(line)
            records.append((record, _messages(record, aliases), None))
        except (json.JSONDecodeError, ValueError) as exc:
            reason = "malformed_json" if isinstance(exc, json.JSONDecodeError) else str(exc)
            records.append(({"line": number, "raw": line.rstrip("\n")}, None, reason))
    embedder = get_embedder(embedder_name)
    usable = [(r, m) for r, m, error in records if error is None and m is not None]
    category_model, category_note = _category_model(category, usable, embedder)
    scorers = Scorers(embedder=embedder, category_model=category_model, redact=redact)
    flagged = 0
    pii_total: Counter[str] = Counter()
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("w", encoding="utf-8") as out:
        for start in range(0, len(records), batch_size):
            chunk = records[start : start + batch_size]
            good = [(r, m) for r, m, error in chunk if error is None]
            scored = iter(
                scorers.score([m for _, m in good], categories=[_category_of(r) for r, _ in good])
            )
            for record, _, error in chunk:
                if error is not None:
                    out.write(json.dumps({**record, "metadata": {"scores": {"error": error}}}))
                    out.write("\n")
                    continue
                result = next(scored)
                flagged += bool(result.crisis_flag)
                pii_total.update(result.pii_counts)
                metadata = (
                    record.get("metadata") if isinstance(record.get("metadata"), dict) else {}
                )
                written = {
                    **record,
                    "messages": result.redacted_messages if redact else record["messages"],
                    "metadata": {
                        **metadata,
                        "language": result.language,
                        "scores": result.as_metadata(embedder.model_id),
                    },
                }
                out.write(json.dumps(written, ensure_ascii=False) + "\n")
    errors = sum(1 for _, _, error in records if error is not None)
    console.print(
        f"Scored {len(usable):,} records ({errors:,} unusable lines passed through) -> {output}\n"
        f"crisis flags {flagged:,}; PII redacted {dict(sorted(pii_total.items())) or 'none'}; "
        f"category model: {category_note}; embeddings {embedder.model_id}"
    )
    timings = ", ".join(f"{k} {v:.2f}s" for k, v in scorers.timings.items())
    err_console.print(f"[dim]timings: {timings}[/]")


def register(app: typer.Typer) -> None:
    app.command(
        epilog=examples(
            "pixel-data score --input chats.jsonl --output build/scored.jsonl",
            "pixel-data score --input chats.jsonl --output out.jsonl --no-redact --category none",
        )
    )(score)
