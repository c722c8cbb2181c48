"""Deterministic sample lake: synthetic counselling data in every registered format.

``generate_lake(out_dir, records, seed)`` writes a lake laid out like
``dbt_project/seeds/source_registry.csv`` expects, plants a fixed, small set of faults and exact
duplicates, and returns a ``LakeSummary`` that says what the warehouse must find: per dataset the
input records, the faults by reason code and the exact duplicates that lose. The same ``seed``
and ``records`` give byte-identical files.

Every good record carries a unique detail tuple (a person's name, a place, a duration in weeks
and an age) drawn from a bijective shuffle of a counter, so accidental exact duplicates cannot
happen and the planted ones are the only ones.

The text is synthetic but it is training data about people in distress: the CLI prints counts
only, never record text.

Layout: ``content/`` holds the text as data, ``records`` fills it in, ``writers`` serialises
files, ``lake`` keeps the books, ``families/`` writes one dataset family each; this module only
composes them, in registry order (the curated family plants the near-duplicates others copy).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sample_lake.families.community import (
    write_community_sharegpt,
    write_empathy_context_response,
)
from sample_lake.families.counsel_chat import write_counsel_qa
from sample_lake.families.curated import write_priority_curated
from sample_lake.families.edge_roleplay import write_crisis_edge_roleplay
from sample_lake.families.heldout import write_heldout_family_dialogues
from sample_lake.families.persona import write_voice_persona_dialogues
from sample_lake.families.preferences import (
    write_harmless_hh_preferences,
    write_reddit_safety_preferences,
)
from sample_lake.families.professional import write_professional_sessions
from sample_lake.families.real_world import write_real_world_datasets
from sample_lake.families.synthetic import write_clinical_reasoning_cot, write_psych_instructions
from sample_lake.families.transcripts import write_voice_datasets
from sample_lake.families.unregistered import write_unregistered_files
from sample_lake.lake import MAX_RECORDS_PER_FILE, PLANTED_SLACK, Lake
from sample_lake.summary import LakeSummary

# Dataset -> its writer, in registry order: the order fixes every RNG draw, so it fixes the bytes.
WRITERS: dict[str, Callable[[Lake, int], None]] = {
    "priority_curated_dialogues": write_priority_curated,
    "professional_sessions": write_professional_sessions,
    "community_sharegpt": write_community_sharegpt,
    "empathy_context_response": write_empathy_context_response,
    "psych_instructions": write_psych_instructions,
    "counsel_qa": write_counsel_qa,
    "clinical_reasoning_cot": write_clinical_reasoning_cot,
    "voice_persona_dialogues": write_voice_persona_dialogues,
    "crisis_edge_roleplay": write_crisis_edge_roleplay,
    "reddit_safety_preferences": write_reddit_safety_preferences,
    "harmless_hh_preferences": write_harmless_hh_preferences,
    "heldout_family_dialogues": write_heldout_family_dialogues,
}


def generate_lake(
    out_dir: Path,
    records: int = 3000,
    seed: int = 7,
    *,
    max_records_per_file: int = MAX_RECORDS_PER_FILE,
) -> LakeSummary:
    """Write the sample lake under ``out_dir`` (which must be empty or absent) and summarise it.

    ``records`` is the approximate number of good records across all datasets; faults and
    planted duplicates are a fixed, small set on top, independent of scale.
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and any(out_dir.iterdir()):
        raise FileExistsError(f"{out_dir} is not empty; the sample lake needs a fresh folder")
    if max_records_per_file <= 4 * PLANTED_SLACK:
        raise ValueError(f"max_records_per_file must be above {4 * PLANTED_SLACK}")
    out_dir.mkdir(parents=True, exist_ok=True)
    lake = Lake(out_dir, seed, records, max_records_per_file)
    for dataset, write in WRITERS.items():
        write(lake, lake.target(dataset))
    write_voice_datasets(lake)  # stage 4: markdown talks and utterance sessions
    write_real_world_datasets(lake)  # one conversation per file, turn pairs, books, videos
    write_unregistered_files(lake)
    return lake.summary()
