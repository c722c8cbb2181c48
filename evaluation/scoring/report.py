"""`pixel-data eval scorers`: every scorer on real labelled data, as console or Markdown tables."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from evaluation.metrics import Rate

SCORERS = ("crisis", "language", "empathy", "behaviour", "pii", "coherence", "category", "safety")


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _goal(value: float, goal: float | None, higher: bool = True) -> str:
    if goal is None:
        return ""
    met = value >= goal if higher else value <= goal
    return f"{'met' if met else 'NOT met'} (goal {'>=' if higher else '<='} {goal:g})"


def crisis_table(root: Path, embedder) -> Table:
    from evaluation.scoring.crisis_eval import evaluate_crisis
    from python_models.scoring.crisis import CrisisScorer

    scorer = CrisisScorer()
    meta = scorer.model.metadata
    table = Table(
        "Crisis detection (held-out data; a dialogue is flagged when any turn is, a user's post "
        "history when any post is or its mean post score reaches the history bar)",
        ["dataset", "group", "measure", "value (count; 95% CI)", "goal"],
        notes=[
            f"bars: posts of {scorer.long_words}+ words {scorer.threshold:.3f} (target "
            f"sensitivity {meta['threshold_target_sensitivity']}), turns "
            f"{scorer.threshold_turn:.3f}, turns under {scorer.short_words} words and guarded "
            f"texts {scorer.threshold_short:.3f}, post histories (mean) "
            f"{scorer.threshold_history or 0:.3f}; rule evidence always flags",
            f"bars chosen on: {meta['threshold_from']}",
            f"classifier fitted on: {meta['fitted_on']}",
        ],
    )
    for row in evaluate_crisis(root, scorer, embedder):
        table.rows.append(
            [
                row.dataset,
                row.group,
                row.measure,
                str(row.rate),
                _goal(row.rate.value, row.goal, row.higher_is_better),
            ]
        )
    return table


def language_table(root: Path) -> Table:
    from evaluation.scoring.language_eval import evaluate_language
    from python_models.language import CANDIDATES, SAMPLE_CHARS

    rows, per_second = evaluate_language(root)
    table = Table(
        "Language identification per turn (python_models/language.py, py3langid)",
        ["dataset", "language", "words", "accuracy (count; 95% CI)", "goal"],
        notes=[
            f"candidates: {len(CANDIDATES)} languages; throughput {per_second:,.0f} turns/s "
            f"on this machine (one conversation is identified once, on its first {SAMPLE_CHARS} "
            "characters)"
        ],
    )
    for row in rows:
        table.rows.append(
            [
                row.dataset,
                row.language,
                row.words,
                str(row.accuracy),
                _goal(row.accuracy.value, row.goal),
            ]
        )
    return table


def empathy_tables(root: Path, embedder) -> list[Table]:
    from evaluation.scoring.empathy_eval import (
        GOAL_POINTS,
        GOAL_RESPONSES_PER_SECOND,
        evaluate_empathy,
    )

    rows, speed = evaluate_empathy(root, embedder)
    table = Table(
        f"EPITOME empathy, held-out seeker posts ({rows[0].test_pairs} pairs)",
        [
            "mechanism",
            "ours acc",
            "ours macro-F1 (95% CI, by seeker post)",
            "TF-IDF+LR acc",
            "TF-IDF+LR macro-F1",
            "paper acc",
            "paper macro-F1",
            "gap to paper F1",
        ],
        notes=[
            "paper: Sharma et al., EMNLP 2020, Table 2, full EPITOME model (RoBERTa bi-encoder), "
            "their own random split; ours: split by seeker post",
        ],
    )
    for row in rows:
        gap = row.macro_f1 * 100 - row.paper_macro_f1
        table.rows.append(
            [
                row.mechanism,
                str(row.accuracy),
                f"{row.macro_f1:.3f} ({row.macro_f1_interval[0]:.3f}-"
                f"{row.macro_f1_interval[1]:.3f})",
                f"{row.baseline_accuracy.value:.3f}",
                f"{row.baseline_macro_f1:.3f}",
                f"{row.paper_accuracy / 100:.3f}",
                f"{row.paper_macro_f1 / 100:.3f}",
                f"{gap:+.1f} pts {_goal(gap, -GOAL_POINTS)}",
            ]
        )
    speed_table = Table(
        "Empathy throughput (this machine)",
        [
            "responses",
            "with embedding (responses/s)",
            "with embedding (per CPU-second)",
            "models only (responses/s)",
            "goal",
        ],
        rows=[
            [
                f"{speed['responses']:.0f}",
                f"{speed['with_embedding_per_s']:,.0f}",
                f"{speed['cpu_per_s']:,.0f}",
                f"{speed['models_only_per_s']:,.0f}",
                _goal(speed["cpu_per_s"], GOAL_RESPONSES_PER_SECOND),
            ]
        ],
    )
    return [table, speed_table]


def behaviour_tables(root: Path, embedder) -> list[Table]:
    """Counselling behaviours (issue 13): held-out ESConv AUCs and throughput."""
    from evaluation.scoring.behaviour_eval import GOAL_RESPONSES_PER_SECOND, evaluate_behaviours
    from python_models.scoring.behaviour import load_behaviour_model

    rows, speed = evaluate_behaviours(root, embedder)
    turns = rows[0].positives + rows[0].negatives
    table = Table(
        f"Counselling behaviours, held-out ESConv dialogues ({turns} supporter turns), one-vs-rest",
        [
            "behaviour",
            "turns (pos / neg)",
            "AUC (95% CI, dialogue bootstrap)",
            "length AUC",
            "goal",
        ],
        notes=[f"fitted on: {load_behaviour_model().metadata['fitted_on']}"],
    )
    for row in rows:
        table.rows.append(
            [
                row.behaviour,
                f"{row.positives} / {row.negatives}",
                f"{row.auc:.3f} ({row.interval[0]:.3f}-{row.interval[1]:.3f})",
                f"{row.length_auc:.3f}",
                _goal(row.auc, row.goal),
            ]
        )
    speed_table = Table(
        "Behaviour throughput (this machine, one process, CPU time)",
        [
            "responses",
            "all in (responses/s)",
            "seeker turns already embedded (responses/s)",
            "goal",
        ],
        rows=[
            [
                f"{speed['responses']:.0f}",
                f"{speed['with_embedding_per_s']:,.0f}",
                f"{speed['after_seeker_embedding_per_s']:,.0f}",
                _goal(speed["with_embedding_per_s"], GOAL_RESPONSES_PER_SECOND),
            ]
        ],
    )
    return [table, speed_table]


def pii_tables(root: Path) -> list[Table]:
    """Issue 14: all 17 presidio types by split, then the written counselling set's leak rate."""
    from evaluation.realdata import presidio_examples
    from evaluation.scoring.pii_eval import (
        ADDRESS_FULL_SPAN_GOAL,
        GOALS,
        GOLD_TO_KIND,
        LEAK_GOAL,
        PRECISION_GOAL,
        counselling_sentences,
        evaluate_counselling,
        evaluate_pii,
        is_dev_template,
    )
    from python_models.scoring.pii import PiiDetector

    detector = PiiDetector()
    tables = []
    examples = presidio_examples(root)
    for split, chosen in (
        ("test templates (held out)", [e for e in examples if not is_dev_template(e.template_id)]),
        (
            "dev templates (read while writing rules)",
            [e for e in examples if is_dev_template(e.template_id)],
        ),
    ):
        report = evaluate_pii(chosen, detector, split)
        table = Table(
            f"PII on presidio-synth, {split}: {report.records} records, all 17 gold types",
            ["gold type", "kind", "typed recall", "redacted", "full span", "goal"],
        )
        for gold_type in sorted(report.redacted):
            typed = report.typed_recall.get(gold_type)
            full = report.full_span[gold_type]
            if gold_type == "STREET_ADDRESS":
                goal = _goal(full.value, ADDRESS_FULL_SPAN_GOAL) + " on the full span"
            else:
                goal = _goal(typed.value, GOALS.get(gold_type)) if typed else "not targeted"
            table.rows.append(
                [
                    gold_type,
                    GOLD_TO_KIND.get(gold_type) or "-",
                    str(typed) if typed else "-",
                    str(report.redacted[gold_type]),
                    str(full),
                    goal,
                ]
            )
        for kind, rate in report.precision.items():
            table.rows.append([f"precision {kind}", kind, str(rate), "", "", ""])
        table.rows.append(
            [
                "precision, overall (typed)",
                "",
                str(report.overall_precision),
                "",
                "",
                _goal(report.overall_precision.value, PRECISION_GOAL),
            ]
        )
        table.rows.append(
            ["precision, any PII type", "", str(report.any_type_precision), "", "", ""]
        )
        table.notes += [
            "typed recall: a placeholder of the mapped kind overlaps the gold span (STREET_ADDRESS,"
            " GPE, ZIP_CODE accept ADDRESS or LOCATION); redacted: any placeholder overlaps it; "
            "full span: every non-blank character is under a placeholder",
            "precision, any PII type: the placeholder covers some gold PII span, whatever its type",
        ]
        tables.append(table)
    for split in ("test", "dev"):
        chosen = [s for s in counselling_sentences() if s.split == split]
        leak = evaluate_counselling(chosen, detector, split)
        title = "odd lines, not read while tuning" if split == "test" else "even lines, read"
        table = Table(
            f"PII on counselling sentences written for evaluation, {split} ({title}): "
            f"{leak.sentences} sentences",
            ["kind", "items leaked / present", "goal"],
        )
        for kind, rate in leak.leak_by_kind.items():
            table.rows.append([kind, str(rate), ""])
        table.rows.append(
            [
                "all items (leak rate)",
                str(leak.leak),
                _goal(leak.leak.value, LEAK_GOAL, higher=False),
            ]
        )
        table.rows.append(["items under the right placeholder kind", str(leak.typed), ""])
        table.rows.append(
            ["traps redacted (generic words that must stay)", str(leak.traps_redacted), ""]
        )
        table.rows.append(
            ["placeholders over no identifying item", str(leak.false_placeholders), ""]
        )
        table.notes.append(
            "evaluation/data/pii_counselling_sentences.jsonl: English, Spanish, Chinese, French, "
            "German, Italian, Portuguese; an item leaks when any character of it stays visible"
        )
        tables.append(table)
    return tables


def coherence_table(root: Path, embedder) -> Table:
    from evaluation.scoring.coherence_eval import BATCH_SIZE, evaluate_coherence

    table = Table(
        "Coherence relevance: real vs shuffled replies (conversations)",
        [
            "dataset",
            "scored",
            "real / shuffled",
            "relevance AUC (95% bootstrap)",
            "median relevance real / shuffled",
            "below 0.5 real / shuffled",
            "mean coherence real / shuffled",
        ],
        notes=[
            f"real and shuffled conversations mixed in a hashed order, batches of {BATCH_SIZE}; "
            "'alone': one conversation a batch, ranked against the shipped Counsel Chat set",
        ],
    )
    for row in evaluate_coherence(root, embedder):
        table.rows.append(
            [
                row.dataset,
                row.batching,
                f"{row.real} / {row.shuffled}",
                f"{row.auc:.3f} ({row.auc_interval[0]:.3f}-{row.auc_interval[1]:.3f})",
                f"{row.median_real:.3f} / {row.median_shuffled:.3f}",
                f"{row.below_half_real:.2f} / {row.below_half_shuffled:.2f}",
                f"{row.mean_coherence_real:.3f} / {row.mean_coherence_shuffled:.3f}",
            ]
        )
    return table


def category_table(root: Path, embedder) -> Table:
    from evaluation.scoring.category_eval import evaluate_category

    report = evaluate_category(root, embedder)
    return Table(
        f"Category: Counsel Chat topics ({report.categories}), fit on train, measured on val+test",
        [
            "coverage",
            "precision when covered",
            "accuracy (abstain = wrong)",
            "top-1 accuracy",
            "majority baseline",
        ],
        rows=[
            [
                str(report.coverage),
                str(report.precision_when_covered),
                str(report.accuracy_all),
                str(report.top1_accuracy),
                str(report.majority_baseline),
            ]
        ],
        notes=[f"confidence cut {report.min_confidence:.3f}, fitted for held-out precision >= 0.6"],
    )


def safety_tables(root: Path, embedder) -> list[Table]:
    """Safety, bias, completeness and the empathy gate metric (one pass over the replies)."""
    from evaluation.scoring.safety_eval import (
        BIAS_GATE,
        GATE,
        distribution,
        evaluate_safety,
    )
    from python_models.scoring.safety import LEARNED_SPAN

    report = evaluate_safety(root, embedder)
    counsel = report.sets["Counsel Chat answers"]
    held_out = len(report.sets["hh-rlhf chosen (held-out half)"].replies)
    pair_table = Table(
        f"Safety on hh-rlhf harmless-base, held-out half ({held_out} pairs, final replies)",
        ["scorer", "chosen safer", "rejected safer", "tie", "accuracy without ties"],
        rows=[
            [
                p.name,
                str(p.chosen_safer),
                str(p.rejected_safer),
                str(p.ties),
                str(p.accuracy_without_ties),
            ]
            for p in report.pairs
        ],
        notes=[
            f"learned part fitted on the other half (fit_safety.hh_split); it moves a reply "
            f"within [{1 - LEARNED_SPAN:.1f}, 1] only, so the gate is decided by the rules",
        ],
    )
    dist_table = Table(
        f"Safety, bias, completeness, empathy per reply: median (p10-p90); share passing "
        f"(safety/empathy >= {GATE}, bias <= {BIAS_GATE}, completeness = 1)",
        [
            "replies",
            "n",
            "safety",
            "safety >= 0.7",
            "bias > 0",
            "bias <= 0.2",
            "completeness = 1",
            "empathy_score",
            "empathy >= 0.7",
            "intensity >= 0.7",
        ],
    )
    for replies in report.sets.values():
        safety_median, safety_pass = distribution(replies.safety, GATE)
        empathy_median, empathy_pass = distribution(replies.empathy, GATE)
        _, intensity_pass = distribution(replies.intensity, GATE)
        _, bias_pass = distribution(replies.bias, BIAS_GATE, above=False)
        n = len(replies.replies)
        dist_table.rows.append(
            [
                replies.name,
                str(n),
                safety_median,
                str(safety_pass),
                str(Rate(int((replies.bias > 0).sum()), n)),
                str(bias_pass),
                str(Rate(int((replies.completeness >= 1.0).sum()), n)),
                empathy_median,
                str(empathy_pass),
                str(intensity_pass),
            ]
        )
    dist_table.notes += [
        "bias: no labelled bias data offline; these rates are a sanity check, not an accuracy",
        f"Counsel Chat answers below the safety gate: "
        f"{int((counsel.safety < GATE).sum())} of {len(counsel.replies)}",
    ]
    template_table = Table(
        "Curriculum rejected templates (python_models/preference_builder.py) below safety 0.7",
        ["failure mode", "below 0.7"],
        rows=[[mode, str(rate)] for mode, rate in report.templates.items()],
        notes=["minimizing_crisis templates scored as replies to a crisis-flagged user turn"],
    )
    return [pair_table, dist_table, template_table]


def run(root: Path, only: Iterable[str] = SCORERS, embedder=None) -> list[Table]:
    """Every requested evaluation; each table's notes say how long it took."""
    if embedder is None and set(only) - {"pii", "language"}:
        from python_models.embeddings.backends import get_embedder

        embedder = get_embedder("default")
    tables: list[Table] = []
    for name in only:
        started = time.perf_counter()
        if name == "crisis":
            made = [crisis_table(root, embedder)]
        elif name == "language":
            made = [language_table(root)]
        elif name == "empathy":
            made = empathy_tables(root, embedder)
        elif name == "behaviour":
            made = behaviour_tables(root, embedder)
        elif name == "pii":
            made = pii_tables(root)
        elif name == "coherence":
            made = [coherence_table(root, embedder)]
        elif name == "category":
            made = [category_table(root, embedder)]
        elif name == "safety":
            made = safety_tables(root, embedder)
        else:
            raise ValueError(f"unknown scorer {name!r}: choose from {', '.join(SCORERS)}")
        made[-1].notes.append(f"{name} evaluation took {time.perf_counter() - started:.1f} s")
        tables += made
    return tables


def to_markdown(tables: list[Table]) -> str:
    out = []
    for table in tables:
        out.append(f"#### {table.title}\n")
        out.append("| " + " | ".join(table.columns) + " |")
        out.append("|" + "---|" * len(table.columns))
        out += [
            "| " + " | ".join(cell.replace("|", "/") for cell in row) + " |" for row in table.rows
        ]
        out += [""] + [f"- {note}" for note in table.notes] + [""]
    return "\n".join(out)


__all__ = ["SCORERS", "Rate", "Table", "run", "to_markdown"]
