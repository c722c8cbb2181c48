"""Crisis / suicide-risk detection: C-SSRS-informed rules plus a linear classifier.

Per text (a user turn, a post) the score is max(rule score, classifier probability); a
conversation's score is the max over its user turns. The flag threshold is fitted (see
`fit_crisis.py`) for sensitivity >= 0.95 on calibration users of C-SSRS Reddit that the
evaluation never sees, and stored with the weights. Evidence kinds follow the C-SSRS ladder:
`attempt`, `plan` (behaviour/preparation), `ideation`, `self_harm`, `harm_to_others`, or
`classifier` when only the model fired.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from python_models.scoring.linear import LinearTextModel

WEIGHTS = Path(__file__).parent / "weights" / "crisis.npz"

EVIDENCE_KINDS = ("attempt", "plan", "ideation", "self_harm", "harm_to_others", "classifier")

_SELF = r"(?:myself|my self|my life|me)"
_KILL = r"(?:kill|killing|killed|end|ending|ended|take|taking|took)"
RULES: dict[str, tuple[float, list[str]]] = {
    # C-SSRS "actual attempt" / "interrupted attempt"
    "attempt": (
        0.95,
        [
            rf"\b(?:tried|try|trying|attempted|attempt) (?:to )?{_KILL} {_SELF}",
            r"\b(?:tried|attempted) to (?:hang|overdose|drown|shoot|poison|suffocate)"
            r"(?: myself)?\b",
            r"\b(?:swallowed|took|taken) (?:a |the )?(?:whole |entire )?(?:bottle|packet|box) of\b",
            r"\b(?:suicide attempt|attempted suicide|my (?:last |first |second )?attempt)\b",
            r"\b(?:overdosed|i od'?d|took (?:a bunch|all|a handful|the whole bottle) of (?:my )?"
            r"(?:pills|meds|tablets))\b",
            r"\b(?:survived|after) (?:my |a )?(?:suicide|overdose|attempt)\b",
            r"\bwoke up in (?:the )?(?:hospital|icu|er)\b",
        ],
    ),
    # C-SSRS "preparatory behaviour" and ideation "with plan / method / intent"
    "plan": (
        0.95,
        [
            r"\b(?:wrote|writing|write|left) (?:a |my |the )?(?:suicide |goodbye )?notes?\b",
            r"\b(?:saving|saved|stockpil\w*|hoard\w*) (?:up )?(?:my |the )?(?:pills|meds|tablets|"
            r"medication|sleeping pills)\b",
            r"\b(?:going|decided|plan|planning) to (?:take|swallow) (?:all|every one|the whole"
            r" bottle) of (?:them|my (?:pills|meds|tablets))\b",
            r"\b(?:looked|look|looking|searched) up how (?:tall|high|far down|deep) "
            r"(?:the |a |that )?(?:bridge|building|roof|cliff|drop|fall|tower|car park|"
            r"parking garage)\b",
            r"\b(?:looked|look|looking|searched) up how (?:many|much) (?:\w+ ){0,3}(?:it )?"
            r"(?:takes? )?to (?:die|overdose|kill (?:me|myself)|be fatal|be lethal)\b",
            r"\bsuicide note\b",
            r"\b(?:plan|planned|planning|method|going) to (?:kill|end|hang|shoot|overdose) ",
            r"\bmy (?:suicide )?(?:plan|method)\b",
            r"\b(?:bought|buying|got|have|saving|stockpil\w*|hoard\w*) (?:a |the |some |enough )?"
            r"(?:rope|gun|pills|noose|razor blades|sleeping pills) (?:to|for|so)\b",
            r"\b(?:tie|tied|tying) (?:a |the )?noose\b",
            r"\b(?:jump|jumping) (?:off|from) (?:a |the )?(?:bridge|building|roof|cliff)\b",
            r"\bgiving away my (?:stuff|things|belongings)\b",
            r"\b(?:tonight|tomorrow|this weekend) (?:is|will be) (?:the night|my last)\b",
            r"\b(?:when|how) i (?:will |am going to |'m going to )?(?:kill myself|do it)\b",
        ],
    ),
    # C-SSRS ideation: wish to be dead, non-specific active thoughts, active ideation
    "ideation": (
        0.9,
        [
            rf"\b(?:want|wanna|wanted|going|need|deserve|ready|thinking about|think about|"
            rf"thought about|thoughts of|urge to|might|will|could just|should) (?:to )?"
            rf"{_KILL} {_SELF}\b",
            r"\b(?:kill|killing) myself\b",
            r"\bsuicid(?:e|al)\b",
            r"\b(?:want|wanna|wish|wishing|need) (?:to |i was |i were |i could )?(?:be )?"
            r"(?:die|dead|disappear forever|not exist|not wake up|never wake up)\b",
            r"\b(?:don'?t|do not|no longer|can'?t|cannot) (?:want to |wanna )?(?:live|go on|"
            r"be alive|keep living|continue living|exist) (?:anymore|any more|any longer)\b",
            r"\b(?:don'?t|do not) want to (?:live|be alive|exist|wake up)\b",
            r"\bbetter off (?:dead|without me|if i (?:was|were) gone)\b",
            r"\b(?:no|any) (?:reason|point) (?:to|in) (?:live|living|go on|going on)\b",
            r"\bend (?:it all|everything|the pain for good)\b",
            r"\b(?:take|end) my (?:own )?life\b",
            r"\b(?:life|living) (?:is|isn'?t) (?:not )?worth (?:living|it)\b",
            r"\bhang myself\b|\bshoot myself\b|\bslit my (?:wrists|throat)\b",
            r"\bwhy (?:should|do) i (?:even )?(?:live|stay alive|keep going)\b",
            r"\bwhen (?:they|someone|people|you|my \w+) finds? (?:me|my body)\b",
        ],
    ),
    # non-suicidal self-injury
    "self_harm": (
        0.85,
        [
            r"\b(?:cut|cutting|burn|burning|hurt|hurting|harm|harming|hit|hitting|starve|"
            r"starving) myself\b",
            r"\bself[- ]?(?:harm|harming|injury|injure|mutilat\w*)\b",
            r"\b(?:relapsed?|relapsing) (?:on|into|with) (?:cutting|self[- ]harm)\b",
            r"\b(?:cuts|scars) on my (?:arms?|wrists?|thighs?|legs?)\b",
            r"\b(?:cut|cutting|burned|burnt|burning|scratch\w*) (?:into )?my (?:arms?|wrists?|"
            r"thighs?|legs?|skin|stomach|hips?)\b",
            r"\b(?:have|had|need|going) to (?:burn|cut|hurt|punish) myself\b",
        ],
    ),
    "harm_to_others": (
        0.85,
        [
            r"\b(?:want|going|gonna|plan|planning|thinking about|urge) (?:to )?(?:kill|hurt|"
            r"shoot|stab|murder|strangle) (?:him|her|them|my (?:wife|husband|mom|dad|mother|"
            r"father|boss|kids?|baby|child|family|roommate|partner|girlfriend|boyfriend)|"
            r"someone|somebody|people|everyone)\b",
            r"\b(?:shoot|blow) up (?:the |my )?(?:school|office|workplace|church|mall)\b",
            r"\b(?:homicidal|murderous) (?:thoughts|urges|feelings)\b",
            r"\b(?:picturing|imagining|fantasi[sz]ing about|thoughts of|keep thinking about) "
            r"(?:killing|hurting|stabbing|shooting|strangling|smothering|drowning) (?:him|her|them|"
            r"my \w+|someone|somebody|people)\b",
        ],
    ),
}
NEGATION = re.compile(
    r"\b(?:not|never|no longer|don'?t|didn'?t|wasn'?t|isn'?t)\b(?:\s+\w+){0,2}\s*$", re.I
)
_COMPILED = {
    # one alternation per kind: a handful of regex scans per text instead of one per pattern
    kind: (weight, re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE))
    for kind, (weight, patterns) in RULES.items()
}


@dataclass(frozen=True)
class RuleMatch:
    kind: str
    score: float


def match_rules(text: str) -> RuleMatch | None:
    """The most severe rule kind that matches (in `RULES` order), or None.

    A match right after a negation ("I'm not suicidal", "never wanted to kill myself") is
    ignored for ideation only: denial of an attempt or plan is still worth a look.
    """
    for kind, (weight, pattern) in _COMPILED.items():
        for match in pattern.finditer(text):
            before = text[max(0, match.start() - 30) : match.start()]
            if kind == "ideation" and NEGATION.search(before):
                continue
            return RuleMatch(kind, weight)
    return None


@dataclass(frozen=True)
class CrisisResult:
    score: float
    flag: bool
    evidence: str | None  # one of EVIDENCE_KINDS, or None when nothing fired


class CrisisScorer:
    """Scores texts (user turns or posts); `threshold` comes from the fitted weights."""

    def __init__(self, model: LinearTextModel | None = None) -> None:
        self.model = model if model is not None else load_crisis_model()
        self.threshold = float(self.model.metadata["threshold"])

    @property
    def embedding_model(self) -> str | None:
        return self.model.metadata.get("embedding_model")

    def classifier_scores(
        self, texts: Sequence[str], embeddings: np.ndarray | None = None
    ) -> np.ndarray:
        if not texts:
            return np.zeros(0, dtype=np.float32)
        return self.model.predict_proba(texts, embeddings)[:, 1].astype(np.float32)

    def score(
        self, texts: Sequence[str], embeddings: np.ndarray | None = None
    ) -> list[CrisisResult]:
        probabilities = self.classifier_scores(texts, embeddings)
        results = []
        for text, probability in zip(texts, probabilities, strict=True):
            rule = match_rules(text)
            rule_score = rule.score if rule else 0.0
            score = max(float(probability), rule_score)
            flag = score >= self.threshold
            if rule is not None:
                evidence: str | None = rule.kind
            elif flag:
                evidence = "classifier"
            else:
                evidence = None
            results.append(CrisisResult(round(score, 4), flag, evidence))
        return results


def combine(results: Sequence[CrisisResult]) -> CrisisResult:
    """A conversation (or a user) from its turns (posts): the riskiest one speaks for it."""
    if not results:
        return CrisisResult(0.0, False, None)
    worst = max(results, key=lambda r: (r.flag, r.score))
    kinds = [r.evidence for r in results if r.evidence]
    evidence = min(kinds, key=EVIDENCE_KINDS.index) if kinds else None
    return CrisisResult(worst.score, any(r.flag for r in results), evidence)


@cache
def load_crisis_model(path: Path = WEIGHTS) -> LinearTextModel:
    if not path.exists():
        raise FileNotFoundError(f"crisis weights missing at {path}: run pixel-data eval fit crisis")
    return LinearTextModel.load(path)
