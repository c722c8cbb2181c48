"""Refit the crisis classifier and its flag bars, deterministically.

    pixel-data eval fit crisis

Data (read in place from ../shared/realdata, never copied); every set is cut into parts by a
fixed rule, and what a part is used for is written here and in the weights' metadata:

- classifier fit: SDCNL `training-set.csv` (r/SuicideWatch = 1, r/depression = 0; no license
  stated), Dreaddit `dreaddit-train.csv` (0: stress is not a crisis; no license stated), Counsel
  Chat questions of its `train` split on non-crisis topics (0; MIT), hh-rlhf harmless-base human
  turns of the `fit` half (`fit_safety.hh_split`; 0 unless a crisis rule fires; MIT). Dataset
  artefacts are removed from every text first (`strip_artefacts`: the `emptypost` marker of an
  empty body, "title says it all" and any mention of the post's title, `url`/`x200b`/`&amp;`
  placeholders, [removed]/[deleted]).
- per-turn bars: everyday counselling turns never fitted on: the seeker turns of the ESConv
  dialogues in the `calibration` bucket (`esconv_split`, about half, by hashed dialogue id; the
  dialogues in `ESCONV_RISK_DIALOGUES`, read and judged to hold risk, left out) and the Counsel
  Chat `val` question titles on non-crisis topics. `threshold_turn` keeps the per-turn false-
  alarm rate (turns under `LONG_WORDS` words) at or below `TURN_FALSE_ALARMS`,
  `threshold_short` (turns under `SHORT_WORDS` words, and texts with a negated, idiomatic,
  hypothetical or reported risk phrase) at or below `SHORT_FALSE_ALARMS`.
- post bar (`threshold`, texts of `LONG_WORDS` words or more): the highest value that keeps
  sensitivity >= `target` on the Ideation/Behavior/Attempt users of the C-SSRS calibration bucket
  (`cssrs_split`, about 30% of users; upstream CC BY), with the turn bars in force.
- history bar (`threshold_history`, an author's posts judged together, `combine_history`): the
  mean post score that at most `HISTORY_FALSE_ALARMS` of histories of non-crisis posts reach:
  Dreaddit `dreaddit-train.csv` posts (fit side) grouped into pseudo-histories
  (`pseudo_histories`: posts ordered by hash, cut to the post counts of the C-SSRS calibration
  users in turn). The same 10% as the session goal; no C-SSRS label is read for it.
- never used here: SDCNL test, Dreaddit test, the other half of hh-rlhf, the ESConv `evaluation`
  bucket, Counsel Chat `test`, the C-SSRS evaluation users: `pixel-data eval scorers` reports on
  those.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np

from evaluation.fitting.fit_safety import hh_harmless_pairs, hh_split
from evaluation.realdata import (
    counsel_chat_questions,
    cssrs_users,
    dreaddit_posts,
    esconv_dialogues,
    realdata_root,
    sdcnl_posts,
)
from python_models.scoring.crisis import WEIGHTS, CrisisScorer, combine, match_rules, word_count
from python_models.scoring.linear import LinearTextConfig, LinearTextModel

# counsel-chat questions on these topics may speak of suicide: not used as negatives
COUNSEL_CRISIS_TOPICS = frozenset(
    {
        "depression",
        "self-harm",
        "trauma",
        "grief-and-loss",
        "substance-abuse",
        "eating-disorders",
        "addiction",
        "domestic-violence",
    }
)
CSSRS_POSITIVE = frozenset({"Ideation", "Behavior", "Attempt"})
CALIBRATION_PERCENT = 30
# ESConv dialogues whose seeker states risk (read by hand, issue 12): "feeling like killing
# myself", "hated being alive", "I would be better off dead". Not everyday negatives.
ESCONV_RISK_DIALOGUES = frozenset({"esconv-40", "esconv-92", "esconv-181"})
SHORT_WORDS = 8
LONG_WORDS = 40
TURN_FALSE_ALARMS = 0.005
SHORT_FALSE_ALARMS = 0.001
HISTORY_FALSE_ALARMS = 0.10
CONFIG = LinearTextConfig(
    ngram_range=(1, 2), min_df=2, max_features=20_000, embedding_weight=1.0, c=2.0
)
_ARTEFACTS = re.compile(
    r"\bemptypost\b|\b(?:the |as the |my )?title (?:says|said|states|suggests)(?: it all)?\b|"
    r"\btitles?\b|"
    r"\burl\b|x200b|&amp;|&nbsp;|\bnbsp\b|\bamp\b|\[(?:removed|deleted)\]",
    re.IGNORECASE,
)


def strip_artefacts(text: str) -> str:
    """`text` without the markers its source file added (they would become features)."""
    return re.sub(r"[ \t]{2,}", " ", _ARTEFACTS.sub(" ", text)).strip()


def cssrs_split(user: str) -> str:
    """`calibration` (about 30%, used to set the threshold) or `evaluation` (the rest)."""
    bucket = int(hashlib.sha256(f"cssrs:{user}".encode()).hexdigest()[:8], 16) % 100
    return "calibration" if bucket < CALIBRATION_PERCENT else "evaluation"


def esconv_split(key: str) -> str:
    """`calibration` (about half of the dialogues, by hashed id) or `evaluation`."""
    bucket = int(hashlib.sha256(f"esconv-crisis:{key}".encode()).hexdigest()[:8], 16) % 2
    return "calibration" if bucket == 0 else "evaluation"


def everyday_turns(root: Path, part: str) -> list[str]:
    """Seeker turns of the ESConv dialogues of `part` without risk content."""
    return [
        text
        for dialogue in esconv_dialogues(root)
        if esconv_split(dialogue.key) == part and dialogue.key not in ESCONV_RISK_DIALOGUES
        for role, text in dialogue.turns
        if role == "user" and text.strip()
    ]


def counsel_titles(root: Path, splits: tuple[str, ...]) -> list[str]:
    """Counsel Chat question titles on non-crisis topics, from the given splits."""
    return [
        q.title
        for q in counsel_chat_questions(root)
        if q.split in splits and q.topic not in COUNSEL_CRISIS_TOPICS and q.title.strip()
    ]


def hh_turns(root: Path, part: str) -> list[str]:
    """hh-rlhf harmless-base human turns of one half (`fit` or `test`), each once."""
    seen: dict[str, None] = {}
    for pair in hh_harmless_pairs(root):
        if hh_split(pair.prompt) != part:
            continue
        for chunk in pair.prompt.split("\n\nHuman:")[1:]:
            turn = chunk.split("\n\nAssistant:")[0].strip()
            if turn:
                seen.setdefault(turn)
    return list(seen)


def embed(texts: list[str], embedder_name: str) -> tuple[np.ndarray, str]:
    from python_models.embeddings.backends import get_embedder

    embedder = get_embedder(embedder_name)
    return embedder.encode(texts), embedder.model_id


def upper_quantile(scores: list[float], rate: float) -> float:
    """The lowest bar (3 decimals) that at most `rate` of `scores` reach."""
    ordered = sorted(scores, reverse=True)
    allowed = int(np.floor(rate * len(ordered)))
    return float(np.floor(ordered[allowed] * 1000) / 1000 + 0.001) if ordered else 0.5


def choose_post_threshold(scorer: CrisisScorer, users, vectors, target: float) -> float:
    """The highest post bar whose sensitivity on `users` (any post flagged) is >= `target`."""
    posts = [post for user in users for post in user.texts]
    best = 0.05
    for candidate in np.arange(scorer.threshold_turn, 0.049, -0.005):
        scorer.threshold = float(candidate)
        results = scorer.score(posts, vectors)
        flagged, cursor = 0, 0
        for user in users:
            flagged += combine(results[cursor : cursor + len(user.texts)]).flag
            cursor += len(user.texts)
        if flagged >= target * len(users):
            best = float(round(candidate, 3))
            break
    scorer.threshold = best
    return best


def pseudo_histories(texts: list[str], sizes: list[int]) -> list[list[str]]:
    """`texts` ordered by hash, cut into histories of `sizes[0]`, `sizes[1]`, ... posts."""
    ordered = sorted(texts, key=lambda t: hashlib.sha256(t.encode()).hexdigest())
    histories, cursor, turn = [], 0, 0
    while cursor < len(ordered) and sizes:
        size = sizes[turn % len(sizes)]
        histories.append(ordered[cursor : cursor + size])
        cursor += size
        turn += 1
    return histories


def history_sizes(root: Path) -> list[int]:
    """Post counts of the C-SSRS calibration users (every label), ordered by hashed user id."""
    users = [u for u in cssrs_users(root) if cssrs_split(u.key) == "calibration"]
    users.sort(key=lambda u: hashlib.sha256(u.key.encode()).hexdigest())
    return [len(u.texts) for u in users]


def choose_history_threshold(scorer: CrisisScorer, histories: list[list[str]], vectors) -> float:
    """The mean post score that at most `HISTORY_FALSE_ALARMS` of `histories` reach."""
    results = scorer.score([post for history in histories for post in history], vectors)
    means, cursor = [], 0
    for history in histories:
        means.append(float(np.mean([r.score for r in results[cursor : cursor + len(history)]])))
        cursor += len(history)
    return upper_quantile(means, HISTORY_FALSE_ALARMS)


def refit(out: Path = WEIGHTS, embedder_name: str = "static", target: float = 0.96) -> None:
    """Refit and write the weights (`pixel-data eval fit crisis`)."""
    root = realdata_root()
    fit = sdcnl_posts(root, "training") + dreaddit_posts(root, "train")
    texts = [strip_artefacts(item.texts[0]) for item in fit]
    labels = [1 if (item.key.startswith("sdcnl") and item.label == "1") else 0 for item in fit]
    # short, conversational negatives: the Reddit posts above are long, user turns often are not
    for question in counsel_chat_questions(root):
        if question.split == "train" and question.topic not in COUNSEL_CRISIS_TOPICS:
            texts += [question.title, f"{question.title}\n{question.text}"]
            labels += [0, 0]
    # short adversarial requests that are not self-directed risk; without them the turn bar
    # had to rise to 0.954 and the post bar found no value keeping the target (docs)
    hh = [t for t in hh_turns(root, "fit") if not getattr(match_rules(t), "kind", None)]
    texts += hh
    labels += [0] * len(hh)
    vectors, model_id = embed(texts, embedder_name)
    model = LinearTextModel.fit(
        texts,
        vectors,
        labels,
        CONFIG,
        metadata={
            "scorer": "crisis",
            "embedding_model": model_id,
            "fitted_on": "SDCNL training-set.csv (suicide=1, depression=0) + Dreaddit "
            "dreaddit-train.csv (0), no license stated by either; Counsel Chat train-split "
            "questions (MIT) on non-crisis topics (0); hh-rlhf harmless-base fit-half human "
            "turns without a crisis rule match (MIT, 0); dataset artefacts stripped",
            "threshold_from": f"post bar: C-SSRS Reddit 500 calibration users "
            f"({CALIBRATION_PERCENT}% by hashed user id; upstream CC BY); turn bars: ESConv "
            "calibration-bucket seeker turns (CC BY-NC 4.0, a scalar chosen on them) and "
            "Counsel Chat val titles (MIT); history bar: pseudo-histories of Dreaddit train "
            "posts (no license stated)",
            "fit_rows": len(texts),
        },
    )
    model.metadata.update(threshold=0.5, short_words=SHORT_WORDS, long_words=LONG_WORDS)
    scorer = CrisisScorer(model)
    negatives = everyday_turns(root, "calibration") + counsel_titles(root, ("val",))
    negative_vectors, _ = embed(negatives, embedder_name)
    probabilities = scorer.classifier_scores(negatives, negative_vectors).tolist()
    unruled = [
        (text, p)
        for text, p in zip(negatives, probabilities, strict=True)
        if not getattr(match_rules(text), "kind", None) and word_count(text) < LONG_WORDS
    ]
    threshold_turn = upper_quantile([p for _, p in unruled], TURN_FALSE_ALARMS)
    short = [p for t, p in unruled if word_count(t) < SHORT_WORDS]
    threshold_short = max(threshold_turn, upper_quantile(short, SHORT_FALSE_ALARMS))
    model.metadata.update(
        threshold=threshold_turn, threshold_turn=threshold_turn, threshold_short=threshold_short
    )
    scorer = CrisisScorer(model)
    calibration = [u for u in cssrs_users(root) if cssrs_split(u.key) == "calibration"]
    positives = [u for u in calibration if u.label in CSSRS_POSITIVE]
    post_vectors, _ = embed([p for u in positives for p in u.texts], embedder_name)
    threshold = choose_post_threshold(scorer, positives, post_vectors, target)
    stress = [post.texts[0] for post in dreaddit_posts(root, "train")]
    histories = pseudo_histories(stress, history_sizes(root))
    history_vectors, _ = embed([p for h in histories for p in h], embedder_name)
    threshold_history = choose_history_threshold(scorer, histories, history_vectors)
    model.metadata.update(
        threshold=threshold,
        threshold_history=threshold_history,
        history_false_alarm_target=HISTORY_FALSE_ALARMS,
        calibration_histories=len(histories),
        threshold_target_sensitivity=target,
        calibration_positive_users=len(positives),
        calibration_everyday_turns=len(unruled),
        turn_false_alarm_target=TURN_FALSE_ALARMS,
        short_false_alarm_target=SHORT_FALSE_ALARMS,
    )
    model.save(out)
    print(
        f"crisis model: {len(texts)} fit rows, {len(model.vocabulary)} n-grams; bars: posts "
        f"{threshold:.3f} (sensitivity >= {target} on {len(positives)} calibration users), "
        f"turns {threshold_turn:.3f}, short turns {threshold_short:.3f} (from {len(unruled)} "
        f"everyday calibration turns), histories {threshold_history:.3f} (from {len(histories)} "
        f"pseudo-histories); written to {out} ({out.stat().st_size:,} bytes)"
    )
