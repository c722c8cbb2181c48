"""Crisis rules for Chinese text: explicit statements only, the same evidence kinds as English.

Written by hand (issue 12) for plainly stated risk in Simplified or Traditional Chinese: wish to
die and suicidal intent (`ideation`), plans, methods and preparations (`plan`), past attempts
(`attempt`), self-harm (`self_harm`) and intent to harm someone else (`harm_to_others`). Three
guards keep ordinary talk out, each within the clause of the match (a clause ends at ，。！？；
or a line break):

- exaggeration idioms are blanked out before matching: 累死了, 笑死我了, 想死你了 (miss you),
  热得要死 (a degree complement), 死定了, 死机, 死党, 死心, 要命 and the like (`IDIOMS`);
- a negation just before the match cancels it: 我不想死, 我不会自杀, 从没想过自杀 (`NEGATION`);
- a hypothetical thought or a reported clause cancels it: 如果我有自杀的念头…, 医生问我有没有…,
  我朋友说她… (`HYPOTHETICAL`, `REPORTED`).

There is no Chinese classifier: what the rules do not state explicitly is not flagged, and the
evaluation (docs/evaluation.md) measures the rules on sets written for it
(evaluation/scoring/written_zh.py), kept apart from the examples here and in the tests.
"""

from __future__ import annotations

import re

RULES_ZH: dict[str, list[str]] = {
    "attempt": [
        r"(?:试过|尝试过|企图|曾经|以前|上次|之前)(?:想)?(?:要)?(?:自杀|輕生|轻生|割腕|上吊|跳楼|跳樓)",
        r"自杀未遂|自殺未遂|自杀过|自殺過|(?:被|给)(?:救|抢救)(?:回来|过来)",
        r"(?:吞|吃|喝)(?:了|下了|过)(?:一整瓶|整瓶|一瓶|很多|一把|好多|大量)(?:的)?(?:安眠药|安眠藥|药|藥|农药|農藥)",
        r"(?:喝|吃)(?:了|过)(?:农药|農藥|老鼠药|百草枯)",
        r"洗(?:了)?胃",
    ],
    "plan": [
        r"(?:写好|寫好|写了|寫了|留了|准备了)(?:一封)?(?:遗书|遺書|告别信|告別信)|遗书|遺書",
        r"(?:攒|存|囤|藏)(?:了|够了|夠了)?(?:很多|好多|一些|一堆)?(?:的)?(?:安眠药|安眠藥|药片|藥片|药|藥)",
        r"(?:准备|準備|打算|计划|計劃|决定|決定|想好了?)[^，,。！？!?；;\n]{0,6}?"
        r"(?:去)?(?:自杀|自殺|轻生|輕生|去死|跳楼|跳樓|跳河|跳桥|上吊|割腕|烧炭|燒炭|结束(?:自己的)?生命|"
        r"結束(?:自己的)?生命|吞下|吃掉|了结|了結)",
        r"(?:想好了?|查过|查過|在查|查了)(?:怎么|怎麼|怎样|怎樣|哪种|哪種)?(?:自杀|自殺|死|吃多少)",
        r"(?:买|買)(?:了|好了)?(?:绳子|繩子|炭|木炭|刀片|安眠药|安眠藥)",
        r"烧炭|燒炭",
        r"(?:药|藥)\S{0,4}(?:存够|攒够|存夠|攢夠)",
        r"(?:从|從)(?:楼顶|樓頂|楼上|樓上|桥上|橋上|天台|阳台|陽台|\S{1,3}楼|\S{1,3}樓)(?:上)?跳下去",
        r"(?:站在|爬上)(?:了)?(?:楼顶|樓頂|天台|桥上|橋上|阳台|陽台)",
        r"(?:今晚|明天|周末|下周|生日那天)(?:就)?(?:去死|自杀|自殺|结束|結束)",
        r"东西都送人|東西都送人",
        r"(?:准备|準備)(?:了)?(?:一把)?刀",
    ],
    "ideation": [
        r"不想活(?:了|下去|下去了)?|活不下去|不想再活",
        r"(?:想|要|很想|真想|好想|总想|總想)(?:早点|早點|快点|快點|赶紧|趕緊|怎么|怎麼|怎样|怎樣|着|著)?(?:去)?(?:死|自杀|自殺|轻生|輕生|一死了之|自我了断|自我了斷)",
        r"自杀|自殺|轻生|輕生|寻死|尋死",
        r"(?:结束|結束|了结|了結)(?:自己的?)?(?:生命|这一切|這一切)",
        r"活着(?:没有?|沒有?)(?:什么|任何)?(?:意思|意义|意義)|没有活下去的(?:理由|必要)",
        r"(?:死了|死掉)(?:就|才)?(?:算了|好了|解脱|解脫|一了百了|比较好|比較好|对所有人都好|不用再)",
        r"我死了[，,]?\S{0,6}(?:轻松|輕鬆|解脱|解脫|好过|好過|更好)",
        r"(?:不如|还不如|還不如|宁愿|寧願)(?:去)?(?:死|死掉|死了)",
        r"一了百了|一睡不醒|再也不要醒来|再也不要醒來|再也不想醒来|再也不想醒來",
        r"(?:没有我|沒有我)(?:会|會)?更好",
        r"没有资格活|沒有資格活",
        r"(?:想|就想)跳下去",
        r"(?:想|要)(?:解脱|解脫)",
    ],
    "self_harm": [
        r"自残|自殘|自伤|自傷",
        r"(?:割|划|劃|烫|燙|掐|打|伤害|傷害|惩罚|懲罰)(?:伤)?(?:了)?自己",
        r"(?:用|拿)(?:刀|小刀|刀片|烟头|煙頭)(?:\S{0,2})(?:割|划|劃|烫|燙)",
        r"割腕|割手|划手|劃手",
        r"自己(?:划|劃|割|烫|燙)的",
        r"(?:拿|用)头撞墙|(?:拿|用)頭撞牆",
    ],
    "harm_to_others": [
        r"(?:想|要|打算|准备|準備|恨不得|总想|總想)(?:把)?(?:他|她|他们|她们|他們|她們|我\S{1,3}|"
        r"那些\S{0,8})?(?:拿刀|用刀|拿枪|用枪)?(?:杀了|殺了|杀掉|殺掉|弄死|捅死|砍死|掐死|打死|毒死|杀|殺)",
        r"同归于尽|同歸於盡",
        r"(?:报复|報復)(?:他|她|他们|他們|她们|她們)",
        r"(?:想|要)(?:伤害|傷害)(?:那些|别人|別人|他|她)",
    ],
}
WEIGHTS_ZH = {
    "attempt": 0.95,
    "plan": 0.95,
    "ideation": 0.9,
    "self_harm": 0.85,
    "harm_to_others": 0.85,
}

IDIOMS = re.compile(
    r"(?:累|笑|热|熱|冷|饿|餓|困|烦|煩|气|氣|忙|吓|嚇|无聊|無聊|尴尬|尷尬|丑|醜|帅|帥|美|萌|难|難|愁|"
    r"紧张|緊張|开心|開心|疼|痛|哭|急|懒|懶|闷|悶|渴|挤|擠|吵|臭|酸|晒|曬)死(?:了|我了|人了|人|我)?"
    r"|想死(?:你|您|他|她|你们|妳)了?|死定了|死机|死機|死党|死黨|死心|死活|拼死|死磕|作死|要死要活"
    r"|得要死|得要命|要命|杀时间|殺時間|[逼]疯|去死吧"
)
NEGATION = re.compile(
    r"(?:不|没|沒|没有|沒有|从没|從沒|从来没有|從來沒有|从不|從不|绝不|絕不|不会|不會|并不|並不|"
    r"别|別|不要|不是|不再)(?:想过|想過|会|會|要|想|打算|曾|曾经|曾經)?[^，。！？；\n]{0,2}$"
)
HYPOTHETICAL = re.compile(
    r"(?:如果|假如|要是|万一|萬一|假设|假設|一旦)(?:我|你|有人)?(?:有|出现|出現|产生|產生|冒出)"
)
REPORTED = re.compile(
    r"(?:他|她|他们|她们|他們|她們|朋友|同学|同學|医生|醫生|老师|老師|妈妈|媽媽|爸爸|别人|別人|新闻|新聞|"
    r"电影|電影|纪录片|紀錄片)(?:\S{0,4})(?:说|說|问|問|讲|講|告诉|告訴|看到|报道|報道|关于|關於|自杀过|自殺過)"
    r"|关于|關於|预防|預防|开玩笑|開玩笑|哈哈"
)
_CLAUSE = re.compile(r"[，,。！？!?；;\n]")
_COMPILED_ZH = {kind: re.compile("|".join(f"(?:{p})" for p in ps)) for kind, ps in RULES_ZH.items()}


def _clause(text: str, start: int, end: int) -> tuple[str, str]:
    """The part of the match's clause before it, and the whole clause."""
    begin = max((m.end() for m in _CLAUSE.finditer(text, 0, start)), default=0)
    stop = _CLAUSE.search(text, end)
    return text[begin:start], text[begin : stop.start() if stop else len(text)]


def match_rules_zh(text: str) -> tuple[str | None, bool]:
    """(the most severe kind that matches, whether a guarded match was seen).

    Idioms are blanked first; a match after a negation, or in a hypothetical or reported
    clause, is not evidence but is remembered as `guarded` (the classifier's bar rises)."""
    masked = IDIOMS.sub(lambda m: "□" * len(m.group()), text)
    guarded = masked != text and bool(re.search("死|杀|殺", text))
    for kind, pattern in _COMPILED_ZH.items():
        for match in pattern.finditer(masked):
            before, clause = _clause(masked, match.start(), match.end())
            if NEGATION.search(before) or HYPOTHETICAL.search(before) or REPORTED.search(clause):
                guarded = True
                continue
            return kind, guarded
    return None, guarded
