"""Crisis / suicide-risk detection: C-SSRS-informed rules plus a linear classifier.

Per text (a user turn, a post): rules in English (`RULES`) and Chinese (`crisis_zh.py`) name
the evidence kind, following the C-SSRS ladder: `attempt`, `plan` (behaviour/preparation),
`ideation`, `self_harm`, `harm_to_others`; a rule match flags. A match counts only when it is
evidence: exaggeration idioms ("this homework is killing me", "dead on my feet", "bored to
death") are blanked before matching, and a match after a negation ("I'm not going to hurt
myself"), in a hypothetical ("if I ever felt like killing myself I would call"), or in reported
speech ("my therapist asked if I want to kill myself") is not evidence but marks the text as
`guarded`. The classifier (English only; Chinese text is judged by the rules alone) flags on
its own only above a bar that depends on the unit it is applied to, all fitted by
`fit_crisis.py` and stored with the weights:

- `threshold_short` for turns of fewer than `short_words` words and for guarded texts: the
  higher bar, chosen for a per-turn false-alarm rate near 0.1% on everyday counselling turns;
- `threshold_turn` for turns of fewer than `long_words` words: per-turn false alarms <= 0.5%;
- `threshold` for longer texts (posts): sensitivity on C-SSRS calibration users.

A text's score is max(rule weight, classifier probability); the flag is the decision above.
`confident` marks a classifier-only flag above the short bar (what `minimizing_crisis` needs).
A conversation's score is the max over its user turns; it is flagged when any turn is.

An author's post history (many posts by one person: the unit of the C-SSRS labels; no
warehouse record is one) is judged by `CrisisScorer.combine_history`: flagged when any post is,
or when the mean score of its posts reaches `threshold_history`, the bar that at most 10% of
histories of non-crisis posts reach (fitted on pseudo-histories of Dreaddit train posts). The
mean is what separates risky histories best (it does not grow with the number of posts, as a
noisy-OR would: over the turns of a session a noisy-OR flags nearly every ESConv dialogue), so
conversations keep the any-turn rule and their calibrated per-turn bars.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from python_models.language import han_share
from python_models.scoring.caseless import AutomatonPrefilter
from python_models.scoring.crisis_zh import WEIGHTS_ZH, match_rules_zh
from python_models.scoring.linear import LinearTextModel

WEIGHTS = Path(__file__).parent / "weights" / "crisis.npz"

EVIDENCE_KINDS = ("attempt", "plan", "ideation", "self_harm", "harm_to_others", "classifier")

_SELF = r"(?:myself|my self|my life)"
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
# exaggeration idioms: blanked out before the rules look (the span is no evidence)
IDIOMS = re.compile(
    r"|".join(
        [
            r"\b(?:is|are|was|were|'s|'re|been|keeps?|kept)\s+(?:\w+\s+){0,2}killing me\b",
            r"\b(?:will|would|'ll|'d|gonna|going to)\s+(?:literally\s+)?kill me\b",
            r"\b(?:just\s+)?kill me now\b",
            r"\b(?:could|would|'d)\s+(?:kill|die)\s+for\b|\bdying (?:to|for)\b|\bto die for\b",
            r"\b(?:dead|dog) (?:tired|beat)\b|\bdead on my feet\b",
            r"\bdead (?:serious|silent|end|wrong|right|set|last|weight)\b",
            r"\b(?:bored|scared|worried|frightened|tickled|sick|freezing|starving|loved?) "
            r"to death\b",
            r"\b(?:die|died|dying|dead) (?:of|from|with) (?:laughter|laughing|embarrassment|"
            r"boredom|"
            r"cringe|shame|curiosity|jealousy)\b",
            r"\b(?:kill(?:ed|ing)?|die|died|dying)(?: myself)? laughing\b",
            r"\bkill(?:ed|ing|s)? (?:it|time|the (?:mood|vibe|battery|lights?|engine|music))\b",
            r"\b(?:i'?d|i would) rather die than\b",
            r"\b(?:career|social|political|financial|commercial) suicide\b",
            r"\bsuicide (?:squad|mission|doors?|run|drills?|sprints?|king)\b",
            # a topic, not a statement: the classifier still reads the rest of the text
            r"\bsuicide (?:prevention|awareness|statistics|rates?|research)\b",
            r"\bdrop[- ]dead\b|\bover my dead body\b",
            r"\b(?:burn(?:ing|ed|t)?|wear(?:ing)?|work(?:ing|ed)?|run(?:ning)?) myself "
            r"(?:out|down)\b",
            r"\b(?:hurt|injured|cut|burn(?:ed|t)|pulled a muscle) myself (?:while|when|playing|"
            r"at the|"
            r"lifting|cooking|shaving|falling|skiing|running|by accident|on the)\b",
            r"\baccidentally (?:cut|burn(?:ed|t)|hurt|harmed) myself\b",
        ]
    ),
)
# a negation in the same clause, at most three words before the match
NEGATION = re.compile(
    r"\b(?:not|never|no|nor|don'?t|doesn'?t|didn'?t|won'?t|wouldn'?t|isn'?t|wasn'?t|aren'?t|"
    r"deny|denies|denied|without|no longer|neither)\b(?:\s+[\w']+){0,3}\s*$",
)
# a hypothetical in the same clause ("if I ever", "what should someone do if", a story)
HYPOTHETICAL = re.compile(
    r"\b(?:if (?:i|you|someone|anyone|somebody|they|a person|people|one) ever|in case|"
    r"hypothetically|suppose|supposing|imagine|what (?:would|should|do|does|can) (?:i|you|one|"
    r"someone|somebody|a person|people) do (?:if|when)|what to do (?:if|when)|(?:in|for) (?:a|my|"
    r"the|this) (?:story|novel|essay|class|book|movie|film|game|paper|project|script|song|poem))\b",
)
# someone else's words in the same sentence ("my mom says I should kill myself", "they asked")
REPORTED = re.compile(
    r"\b(?:he|she|they|someone|somebody|people|everyone|(?:my|the|a|his|her|their) \w+)\s+"
    r"(?:\w+\s+)?(?:said|says|told|tells|asked|asks|wrote|writes|texted|posted|yelled|"
    r"screamed|thinks|thought|keeps? saying|joked|jokes)\b",
)
_CLAUSE_END = re.compile(r"[.;:!?\n,]|\b(?:but|because|though|although|yet)\b")
_SENTENCE_END = re.compile(r"[.;!?\n]")
_COMPILED = {
    # one alternation per kind: a handful of regex scans per text instead of one per pattern;
    # every pattern is lowercase and reads the lowercased text (2.4x faster than IGNORECASE)
    kind: (weight, re.compile("|".join(f"(?:{p})" for p in patterns)))
    for kind, (weight, patterns) in RULES.items()
}
# every kind at once, by an automaton: a text it finds nothing in skips the rule scans
_ANY_RULE = AutomatonPrefilter(re.compile("|".join(p.pattern for _, p in _COMPILED.values())))
# every idiom holds one of these words: texts without them skip the idiom scan
_IDIOM_WORDS = ("kill", "die", "dying", "dead", "death", "suicid", "myself")


@dataclass(frozen=True)
class RuleMatch:
    kind: str | None  # None: nothing counted as evidence
    score: float
    guarded: bool = False  # a risk phrase was seen but negated, hypothetical, reported or idiom
    lexical_text: str | None = None  # the text with its guarded phrases blanked (classifier)


def _last_break(pattern: re.Pattern[str], text: str, end: int) -> int:
    """Start of the clause (sentence) holding `end`; guards look at most 120 chars back."""
    start = max(0, end - 120)
    return max((m.end() for m in pattern.finditer(text, start, end)), default=start)


def _english(text: str) -> RuleMatch:
    text = text.lower()  # the patterns are lowercase; so is the classifier's vocabulary
    if any(word in text for word in _IDIOM_WORDS):
        masked = IDIOMS.sub(lambda m: " " * len(m.group()), text)
    else:
        masked = text
    guarded_spans: list[tuple[int, int]] = []
    for kind, (weight, pattern) in _COMPILED.items() if _ANY_RULE(masked) else ():
        for match in pattern.finditer(masked):
            clause = masked[_last_break(_CLAUSE_END, masked, match.start()) : match.start()]
            sentence = masked[_last_break(_SENTENCE_END, masked, match.start()) : match.start()]
            if NEGATION.search(clause) or HYPOTHETICAL.search(clause) or REPORTED.search(sentence):
                guarded_spans.append(match.span())
                continue
            return RuleMatch(kind, weight, masked != text or bool(guarded_spans))
    if masked == text and not guarded_spans:
        return RuleMatch(None, 0.0)
    for start, end in guarded_spans:
        masked = masked[:start] + " " * (end - start) + masked[end:]
    # the classifier's n-grams must not read the words the rules ruled out ("not suicidal")
    return RuleMatch(None, 0.0, True, masked)


def match_rules(text: str) -> RuleMatch | None:
    """The most severe rule kind that counts as evidence (in `RULES` order), or None.

    English rules for every text, the Chinese rules (`crisis_zh`) for text with Han
    characters. `RuleMatch.kind` is None when only guarded matches were seen."""
    found = _english(text)
    if found.kind is None and _HAN_CHAR.search(text):
        kind, guarded = match_rules_zh(text)
        weight = WEIGHTS_ZH[kind] if kind else 0.0
        found = RuleMatch(kind, weight, guarded or found.guarded, found.lexical_text)
    if found.kind is None and not found.guarded:
        return None
    return found


def word_count(text: str) -> int:
    """Words of `text`; a Han character counts as half a word (Chinese has no spaces)."""
    han = len(_HAN_CHAR.findall(text))
    rest = _HAN_CHAR.sub(" ", text) if han else text
    return len(rest.split()) + han // 2


_HAN_CHAR = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class CrisisResult:
    score: float
    flag: bool
    evidence: str | None  # one of EVIDENCE_KINDS, or None when nothing fired
    confident: bool = False  # rule evidence, or the classifier above the short-turn bar


class CrisisScorer:
    """Scores texts (user turns or posts); the bars come from the fitted weights."""

    def __init__(self, model: LinearTextModel | None = None) -> None:
        self.model = model if model is not None else load_crisis_model()
        meta = self.model.metadata
        self.threshold = float(meta["threshold"])
        self.threshold_turn = max(self.threshold, float(meta.get("threshold_turn", 0.0)))
        self.threshold_short = max(self.threshold_turn, float(meta.get("threshold_short", 0.0)))
        self.short_words = int(meta.get("short_words", 0))
        self.long_words = int(meta.get("long_words", 0))
        history = meta.get("threshold_history")
        self.threshold_history = float(history) if history is not None else None

    @property
    def embedding_model(self) -> str | None:
        return self.model.metadata.get("embedding_model")

    def bar(self, text: str, guarded: bool = False) -> float:
        """The classifier probability a text needs to be flagged without rule evidence."""
        words = word_count(text)
        if guarded or words < self.short_words:
            return self.threshold_short
        if words < self.long_words:
            return self.threshold_turn
        return self.threshold

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
        rules = [match_rules(text) for text in texts]
        # a text with guarded phrases: n-grams from the text without them, same embedding
        redo = [i for i, r in enumerate(rules) if r is not None and r.lexical_text is not None]
        if redo:
            lexical = [rules[i].lexical_text or "" for i in redo]
            vectors = embeddings[redo] if embeddings is not None else None
            probabilities[redo] = self.classifier_scores(lexical, vectors)
        results = []
        for text, probability, rule in zip(texts, probabilities, rules, strict=True):
            kind = rule.kind if rule else None
            guarded = bool(rule and rule.guarded)
            # the classifier reads English only: Chinese text is judged by its rules
            p = 0.0 if _HAN_CHAR.search(text) and han_share(text) >= 0.5 else float(probability)
            score = max(p, rule.score if rule else 0.0)
            if kind is not None:
                results.append(CrisisResult(round(score, 4), True, kind, True))
            elif p >= self.bar(text, guarded):
                confident = p >= self.threshold_short
                results.append(CrisisResult(round(score, 4), True, "classifier", confident))
            else:
                results.append(CrisisResult(round(score, 4), False, None))
        return results

    def combine_history(self, results: Sequence[CrisisResult]) -> CrisisResult:
        """One author's posts: any post flagged, or their mean score at the history bar."""
        combined = combine(results)
        if combined.flag or self.threshold_history is None or not results:
            return combined
        mean = float(np.mean([r.score for r in results]))
        if mean < self.threshold_history:
            return combined
        return CrisisResult(combined.score, True, "classifier", False)


def combine(results: Sequence[CrisisResult]) -> CrisisResult:
    """A conversation (or a user) from its turns (posts): the riskiest one speaks for it."""
    if not results:
        return CrisisResult(0.0, False, None)
    worst = max(results, key=lambda r: (r.flag, r.score))
    kinds = [r.evidence for r in results if r.evidence]
    evidence = min(kinds, key=EVIDENCE_KINDS.index) if kinds else None
    return CrisisResult(
        worst.score, any(r.flag for r in results), evidence, any(r.confident for r in results)
    )


@cache
def load_crisis_model(path: Path = WEIGHTS) -> LinearTextModel:
    if not path.exists():
        raise FileNotFoundError(f"crisis weights missing at {path}: run pixel-data eval fit crisis")
    return LinearTextModel.load(path)
