"""The empathy gate's pass rates per source of a built warehouse, under several weights.

    pixel-data eval gate-rates --weights before=9607b12^ --weights now=HEAD
    pixel-data eval gate-rates --behaviour main=main --behaviour now=HEAD

Reads the conversations the gates judge (`int_conversations_split`: stage, source, tier; their
messages from `int_conversations_normalized`) from a built warehouse, read-only; scores each
one's empathy group once per labelled set of weights: EPITOME weights (`--weights`: a git
revision of `python_models/scoring/weights/empathy_*.npz`, or a folder) with the behaviour
weights as shipped, or behaviour weights (`--behaviour`: a git revision of
`python_models/scoring/weights/behaviour_esconv.npz`, or a file) with the EPITOME weights as
shipped; and counts, per stage and source:

- the gate: `empathy_score` (counselling quality) against the stage's threshold in
  `seeds/quality_thresholds.csv`, as `int_conversations_gated` applies it (a null score fails
  no gate);
- the EPITOME column analysts read, `empathy_present` (p of at least one mechanism), against
  the thresholds the seed held for it before issue 13 (PRESENT_BEFORE_ISSUE_13), so a change
  of the EPITOME weights shows where it still matters.

The gate decision itself stays in SQL; this mirrors it for the comparison and reports how many
conversations disagree with the warehouse's own verdict (0 expected for the weights it was built
with).
"""

from __future__ import annotations

import csv
import subprocess
import tempfile
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from evaluation.metrics import Rate
from python_models.scoring.behaviour import WEIGHTS_FILE as BEHAVIOUR_FILE
from python_models.scoring.behaviour import BehaviourScorer
from python_models.scoring.empathy import MECHANISMS, EmpathyScorer, load_empathy_models
from python_models.scoring.linear import LinearTextModel

WEIGHTS_IN_REPO = "python_models/scoring/weights"
SEED = Path("dbt_project/seeds/quality_thresholds.csv")
# the seed's empathy thresholds before issue 13 (git: the rows said metric empathy_score, which
# was then the EPITOME `present` value): foundation 0.7, reasoning and voice 0.6
PRESENT_BEFORE_ISSUE_13 = {"foundation": 0.7, "reasoning": 0.6, "voice": 0.6}
BATCH = 256


@dataclass(frozen=True)
class Conversation:
    conversation_id: str
    stage: str
    source: str
    tier: int
    messages: list[dict]
    warehouse_failed_empathy: bool | None  # the built warehouse's own verdict; None: not gated


@dataclass(frozen=True)
class GateRow:
    stage: str
    source: str
    tier: int
    conversations: int
    gate: dict[str, Rate]  # weights label -> empathy_score gate pass rate
    present: dict[str, Rate]  # weights label -> empathy_present >= the pre-issue-13 threshold


def weights_at_revision(spec: str, repo: Path, name: str, into: Path) -> Path:
    """The shipped weights file `name` as it was at git revision `spec`, written under `into`."""
    blob = subprocess.run(
        ["git", "show", f"{spec}:{WEIGHTS_IN_REPO}/{name}"],
        cwd=repo,
        capture_output=True,
        check=False,
    )
    if blob.returncode != 0:
        raise ValueError(f"no {name} at git revision {spec!r}: {blob.stderr.decode().strip()}")
    into.mkdir(parents=True, exist_ok=True)
    (into / name).write_bytes(blob.stdout)
    return into / name


def resolve_weights(spec: str, repo: Path, into: Path) -> Path:
    """A folder of empathy_*.npz: `spec` itself when it is one, else a git revision whose
    weights are written under `into`."""
    if Path(spec).is_dir():
        return Path(spec)
    for mechanism in MECHANISMS:
        weights_at_revision(spec, repo, f"empathy_{mechanism}.npz", into)
    return into


def resolve_behaviour(spec: str, repo: Path, into: Path) -> Path:
    """A behaviour weights file: `spec` itself when it is one, else the file at a git revision,
    written under `into`."""
    if Path(spec).is_file():
        return Path(spec)
    return weights_at_revision(spec, repo, BEHAVIOUR_FILE, into)


def empathy_thresholds(seed: Path) -> dict[str, float]:
    """stage -> the `min` threshold of its empathy_score gate."""
    with seed.open(encoding="utf-8") as handle:
        return {
            row["stage"]: float(row["threshold"])
            for row in csv.DictReader(handle)
            if row["metric"] == "empathy_score" and row["comparison"] == "min"
        }


def read_conversations(warehouse: Path) -> list[Conversation]:
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            """
            select
                split.conversation_id,
                split.stage,
                split.source_dataset as source,
                split.tier,
                normalized.messages,
                case
                    when gated.conversation_id is null then null
                    else list_contains(gated.failed_gates, 'empathy_score')
                end as failed_empathy
            from int_conversations_split as split
            -- the split is narrow: the messages are the normalized record's
            inner join int_conversations_normalized as normalized
                on split.source_file = normalized.source_file
                    and split.source_line = normalized.source_line
            left join int_conversations_gated as gated
                on split.conversation_id = gated.conversation_id
            order by split.conversation_id
            """
        ).fetchall()
    return [
        Conversation(cid, stage, source, int(tier), [dict(m) for m in messages], failed)
        for cid, stage, source, tier, messages, failed in rows
    ]


def score_empathy(
    conversations: Sequence[Conversation],
    scorer: EmpathyScorer | None = None,
    behaviour: BehaviourScorer | None = None,
):
    """(empathy_score, empathy_present) per conversation, from the production pipeline with
    only the language and empathy groups computed (None: that scorer as shipped)."""
    from python_models.scoring.pipeline import Scorers

    scorers = Scorers(redact=False)
    if scorer is not None:
        scorers.empathy = scorer
    if behaviour is not None:
        scorers.behaviour = scorers._checked("behaviour", behaviour)
    out = []
    for start in range(0, len(conversations), BATCH):
        batch = [c.messages for c in conversations[start : start + BATCH]]
        scored = scorers.score(batch, needed=[{"language", "empathy"}] * len(batch))
        out.extend((s.empathy_score, s.empathy_present) for s in scored)
    return out


def gate_rates(
    conversations: Sequence[Conversation],
    scores: dict[str, list[tuple[float | None, float | None]]],
    thresholds: dict[str, float],
) -> list[GateRow]:
    """Per (stage, source), for each weights label: the share passing the empathy gate and the
    share whose EPITOME `present` clears its pre-issue-13 threshold. Stages without an empathy
    gate are left out; a null score passes (as in int_conversations_gated)."""
    groups: dict[tuple[str, str, int], list[int]] = defaultdict(list)
    for row, conversation in enumerate(conversations):
        if conversation.stage in thresholds:
            groups[(conversation.stage, conversation.source, conversation.tier)].append(row)
    table = []
    for (stage, source, tier), rows in sorted(groups.items()):
        gate, present = {}, {}
        for label, values in scores.items():
            passed = sum(
                1 for r in rows if values[r][0] is None or values[r][0] >= thresholds[stage]
            )
            cleared = sum(
                1
                for r in rows
                if values[r][1] is None or values[r][1] >= PRESENT_BEFORE_ISSUE_13[stage]
            )
            gate[label], present[label] = Rate(passed, len(rows)), Rate(cleared, len(rows))
        table.append(GateRow(stage, source, tier, len(rows), gate, present))
    return table


def disagreements(
    conversations: Sequence[Conversation],
    values: list[tuple[float | None, float | None]],
    thresholds: dict[str, float],
) -> tuple[int, int]:
    """(conversations whose recomputed gate verdict differs from the warehouse's, compared)."""
    compared = differ = 0
    for conversation, (score, _) in zip(conversations, values, strict=True):
        if conversation.warehouse_failed_empathy is None or conversation.stage not in thresholds:
            continue
        compared += 1
        failed = score is not None and score < thresholds[conversation.stage]
        differ += failed != conversation.warehouse_failed_empathy
    return differ, compared


def run(
    warehouse: Path,
    weights: dict[str, str],
    repo: Path,
    behaviour: dict[str, str] | None = None,
) -> tuple[list[GateRow], dict[str, tuple[int, int]]]:
    """The table and, per weights label, (disagreements with the warehouse, compared).
    `weights`: label -> EPITOME weights; `behaviour`: label -> behaviour weights."""
    behaviour = behaviour or {}
    if set(weights) & set(behaviour):
        raise ValueError(f"labels used twice: {sorted(set(weights) & set(behaviour))}")
    conversations = read_conversations(warehouse)
    thresholds = empathy_thresholds(repo / SEED)
    scores, agreement = {}, {}
    with tempfile.TemporaryDirectory(prefix="gate-rates-") as scratch:
        for label, spec in weights.items():
            folder = resolve_weights(spec, repo, Path(scratch) / label)
            scorer = EmpathyScorer(dict(load_empathy_models(folder)))
            scores[label] = score_empathy(conversations, scorer)
            agreement[label] = disagreements(conversations, scores[label], thresholds)
        for label, spec in behaviour.items():
            path = resolve_behaviour(spec, repo, Path(scratch) / label)
            model = BehaviourScorer(LinearTextModel.load(path))
            scores[label] = score_empathy(conversations, behaviour=model)
            agreement[label] = disagreements(conversations, scores[label], thresholds)
    return gate_rates(conversations, scores, thresholds), agreement


def to_markdown(table: Sequence[GateRow], labels: Sequence[str]) -> str:
    def cell(rate: Rate) -> str:
        low, high = rate.interval
        return f"{rate.value:.1%} ({rate.successes}/{rate.total}; {low:.1%}-{high:.1%})"

    header = ["stage", "source (tier)", "conversations"]
    header += [f"gate, {label}" for label in labels]
    header += [f"EPITOME present, {label}" for label in labels]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in table:
        cells = [row.stage, f"{row.source} ({row.tier})", str(row.conversations)]
        cells += [cell(row.gate[label]) for label in labels]
        cells += [cell(row.present[label]) for label in labels]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
