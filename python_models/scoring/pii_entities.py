"""Names, organisations and places: candidates found by compiled regexes, judged by gazetteers.

No per-token loop: one regex pass finds runs of capitalised words (and a few cue patterns find
lowercase names after "my husband", "dr.", "my name is"); only those candidates, a handful per
message, are judged in Python against the gazetteers (`lexicons`: census and international
given names, census surnames, GeoNames places, an English dictionary) and the words around
them ("works at", "moved to", "said"). Chinese names and places are found by cue patterns and
the GeoNames Chinese city names. Used by `pii.PiiDetector`; evaluated with it.
"""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import lru_cache, reduce
from operator import itemgetter, or_

from python_models.scoring import lexicons
from python_models.scoring.caseless import AnyPrefilter
from python_models.scoring.pii_referee import NerReferee
from python_models.scoring.pii_span_model import SpanModel

UPPER = "".join(chr(code) for code in range(0x41, 0x250) if chr(code).isupper())
UP = f"[{re.escape(UPPER)}]"
WORD_TAIL = r"(?:[^\W\d_]|['\u2019-])*"
PARTICLES = "de|del|della|di|da|do|dos|das|van|von|der|den|la|le|du|bin|ibn|al|el|of"
ABBREVIATIONS = "St|Mt|Ft|Dr|Mr|Mrs|Ms|Jr|Sr|Prof|Rev|Fr"
_CAP_WORD = rf"(?:(?:{ABBREVIATIONS})\.|{UP}\.(?=[ \t]{UP})|{UP}{WORD_TAIL})"
CAP_RUN_RE = re.compile(
    # starts with the capital itself (the boundary check after it) so the scan runs in C
    rf"{UP}(?<![\w@#/.\u2019'-].)(?:[a-z]{{0,3}}\.(?=[ \t]{UP})|{WORD_TAIL})"
    rf"(?:(?:[ \t]+(?:(?:{PARTICLES})[ \t]+){{0,2}}|-){_CAP_WORD}){{0,5}}"
)
"""Runs of capitalised words, joined by blanks, hyphens and name particles ("Colle Di Tora")."""


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


FUNCTION_WORDS = _words(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself yourselves
    also always another anyone anything back even ever every everyone everything first get
    got going good great hi hello hey however i'm i've i'll i'd it's let like maybe much must
    never new next nothing oh ok okay one people please really right since still sure thank
    thanks that's there's today tomorrow us well yes yesterday yet sorry dear love best
    regards sincerely cheers unlike meet call ask tell said says mine last honestly sometimes
    can't don't won't didn't i'd dm pastor coach uncle aunt mom dad mum sister brother
    je tu il elle nous vous ils elles mon ma mes ton ta tes son sa ses le la les un une des et
    ou mais donc car ni que qui quoi est suis j'ai j'habite c'est ce cette moi toi lui
    yo tú él ella nosotros ellos mi mis su sus el los las una uno y o pero que porque estoy
    soy es me te se nos le lo vivo trabajo estudio nací
    ich du er sie es wir ihr mein meine dein deine sein seine und oder aber nicht bin ist
    io lui lei noi voi loro il gli mio mia suo sua e ma non sono
    eu ele ela nós eles minha meu seu sua não sou moro"""
)
NAME_STOPWORDS = _words(
    """god jesus christ lord allah buddha january february march april may june july august
    september october november december monday tuesday wednesday thursday friday saturday
    sunday christmas easter thanksgiving halloween ramadan reddit facebook google twitter
    instagram youtube tiktok snapchat discord telegram whatsapp english american british
    user bot assistant therapist counselor counsellor client patient seeker ptsd adhd ocd bpd
    covid mobile desk fax phone email address street road avenue suite apt zip ssn iban nhs dob
    uk us usa eu uae un nato kik skype wechat xbox psn steam twitch tumblr signal
    id ok gp er icu dui va hr ceo ai lol omg tbh idk bot ptsd cbt dbt emdr hiv aids lgbt
    lgbtq samaritans childline lifeline shout"""
)
GENERIC_INSTITUTIONS = _words(
    """army navy marines marine corps air force military national guard coast guard police
    school schools church university college hospital clinic government congress senate fbi
    cia nhs va court state county city council department reserve reserves guard border force
    forces armed"""
)
"""Institutions named generically ("the army", "the Marines"): not a findable organisation."""
DEMONYMS = _words(
    """american british english scottish welsh irish canadian mexican australian french german
    spanish italian portuguese dutch belgian swiss austrian polish czech slovak hungarian
    romanian bulgarian greek turkish russian ukrainian swedish norwegian danish finnish
    icelandic japanese chinese korean vietnamese thai filipino indonesian malaysian indian
    pakistani bangladeshi iranian iraqi syrian lebanese israeli palestinian saudi egyptian
    moroccan nigerian kenyan ethiopian african european asian latino latina hispanic brazilian
    argentine argentinian chilean colombian peruvian venezuelan cuban puerto jamaican haitian
    muslim christian catholic jewish hindu sikh buddhist protestant mormon democrat democratic
    republican"""
)
"""Nationality, religion and party words: presidio's NRP, not a person, firm or place; with
a generic institution ("the Japanese Border Force", "the British Army") still generic."""


def _demonym(word: str) -> bool:
    """ "american", "mexicans", "catholics"."""
    return word in DEMONYMS or (word[-1:] == "s" and word[:-1] in DEMONYMS)


TITLES = _words(
    """mr mrs ms miss mx dr prof sir madam dame rev fr pastor father coach officer grandma
    grandpa granny nana aunt auntie uncle"""
)
"""Words before a name that make it a person's ("Dr. Nguyen", "Grandma Jean", "Uncle Ray")."""
HOLIDAY_WORDS = _words(
    """day eve christmas xmas easter thanksgiving halloween hanukkah chanukah ramadan eid diwali
    passover kwanzaa pentecost lent"""
)
"""A run ending in one of these is a holiday ("Labor Day", "Christmas Eve"), not an entity."""
ORG_WORDS = _words(
    """inc llc llp ltd plc corp corporation company co group gmbh ag sa bv investments
    consulting solutions technologies technology bank partners associates holdings systems labs
    media foundation university college school academy institute hospital clinic centre
    center church cathedral chapel mosque synagogue temple fellowship ministries parish
    elementary high agency services international industries enterprises capital ventures
    networks software airlines motors insurance trust council committee department ministry
    society club association union federation league wolves tigers lions eagles bears hawks
    warriors kings giants united fc seminary prep preparatory kindergarten nursery daycare
    pharmacy restaurant cafe store stores market supermarket factory plant base station
    sachs stanley permanente incorporated force lutheran baptist methodist catholic
    presbyterian episcopal pentecostal evangelical adventist schools lines markets transit global
    logistics financial
    analytics energy health healthcare pharmaceuticals studios records publishing press
    communications telecom airways railways brewing foods partners labs
    universidad universitario colegio escuela instituto iglesia clínica clinica empresa
    hôpital hopital école ecole lycée lycee collège université universite église eglise
    schule gymnasium klinik krankenhaus universität universitat kirche
    ospedale scuola università chiesa liceo escola faculdade igreja"""
)
"""A word that makes a capitalised run an organisation ("Lincoln Middle School", "Deloitte LLC")."""
ORG_FIRST_WORDS = _words(
    """university college bank fort camp institute academy hospital church school naval joint
    universidad colegio hospital escuela instituto iglesia clínica hôpital école lycée collège
    université klinik krankenhaus universität ospedale scuola università escola"""
)
"""First words that open an organisation's name ("University of Manitoba", "Fort Campbell")."""
LOCATION_WORDS = _words(
    """county city town township village borough parish beach heights springs falls harbor
    harbour bay island islands valley hills lake mount port district province region
    neighborhood neighbourhood cliff creek ridge park republic kingdom state states"""
)
STREET_END_WORDS = _words(
    """street st avenue ave road rd drive lane ln boulevard blvd close court ct place terrace
    crescent way highway hwy parkway square gardens mews row strasse straße"""
)
STREET_END_ONLY_WORDS = STREET_END_WORDS - _words("way place square gardens court row")
"""Street words that on their own make a run a street ("Magnolia Drive"); "Way"/"Place" don't."""
ORG_CUE_RE = re.compile(
    r"(?i)(?:\bwork(?:s|ed|ing)?\s+(?:at|for|in)(?:\s+the)?|\bemployed\s+(?:at|by)|\bjob\s+at|"
    r"\bintern(?:ing|ed)?\s+at|\bstud(?:y|ying|ied|ies)(?:\s+\w+)?\s+at(?:\s+the)?|"
    r"\bstudent\s+at|\battend(?:s|ed|ing)?|\benrolled\s+(?:at|in)|\bjoined|\bquit|\bfired\s+from|"
    r"\bhired\s+(?:at|by)|\bnurse\s+at|\bteacher\s+at|\bshift\s+at|\bmanager\s+at|"
    r"\bplay(?:s|ed|ing)?\s+for(?:\s+the)?|\b(?:year|years|months?|summer|semester)\s+at|\blater\s+became|"
    r"\baccording\s+to\s+the|\bacquired\s+by|\bfounded|\bco-?founded|"
    r"\bpatient\s+at|\badmitted\s+(?:to|at)|\btreated\s+at|\bvolunteer(?:s|ed|ing)?\s+at|"
    r"\bat\s+the|\btrabajo\s+en(?:\s+el|\s+la)?|\bestudio\s+en(?:\s+el|\s+la)?|"
    r"\btravaille\s+(?:à|chez|pour)|\barbeite\s+(?:bei|für))\s*$"
)
LOCATION_CUE_RE = re.compile(
    r"(?i)(?:\b(?:in|from|near|around|outside|across)|\b(?:live|lived|living|moved|move|moving|"
    r"went|go|going|drove|drive|flew|fly|travel(?:l?ed)?|back|came|come|coming|return(?:ed)?|"
    r"relocated|born|raised|grew\s+up|stationed|home)\s+(?:(?:up|down|over|out)\s+)?"
    r"(?:in|to|at|from|near|back\s+to)|"
    r"\bvisit(?:ed|ing)?|\b(?:town|city|village|place|neighbou?rhood|area|suburb)\s+called|\bvivo\s+en|\bvive\s+en|\ben|\bà|\bin\s+der|\bem|\bna|\bno|"
    r"\bde)\s*,?\s*$"
)
RELATIONS = (
    r"(?:husband|wife|hubby|wifey|bf|gf|bff|partner|boyfriend|girlfriend|fianc[ée]e?|spouse|son|daughter|kid|child|"
    r"baby|mom|mother|mum|dad|father|parent|brother|sister|sibling|twin|cousin|uncle|aunt|"
    r"nephew|niece|grandma|grandmother|grandpa|grandfather|granddaughter|grandson|"
    r"(?:brother|sister|mother|father|son|daughter)-in-law|friend|bestie|roommate|flatmate|"
    r"housemate|neighbou?r|boss|manager|supervisor|coworker|co-worker|colleague|classmate|"
    r"teacher|coach|therapist|counsell?or|psychiatrist|doctor|nurse|landlord|abuser|ex|"
    r"stepfather|stepmother|stepdad|stepmom|marido|esposo|esposa|mujer|novio|novia|hijo|hija|"
    r"madre|padre|hermano|hermana|jefe|jefa|amigo|amiga|primo|prima|t[ií]o|t[ií]a|abuela|abuelo|"
    r"mari|femme|fils|fille|m[èe]re|p[èe]re|fr[èe]re|s(?:œ|oe)ur|copain|copine|ami|amie|"
    r"mann|frau|sohn|tochter|mutter|vater|bruder|schwester|freund|freundin|chef|"
    r"marito|moglie|figlio|figlia|padre|fratello|sorella|amico|amica|"
    r"irm[ãa]o?|irm[ãa]|filho|filha|m[ãa]e|pai|namorad[oa]|amig[oa])"
)
"""Relationship words a name follows: "my husband Mike", "mi hija Lucía"."""
PERSON_CUE_RE = re.compile(
    r"(?i)(?:\b(?:my|our|his|her|their|your|mi|mis|mon|ma|mein|meine|mio|mia|minha|meu)\s+"
    r"(?:(?:ex|step|best|older|younger|little|big|late|former|new|current)[- ]?)*"
    + RELATIONS
    + r"(?:'s)?|\b(?:mr|mrs|ms|miss|mx|dr|prof|pastor|father|coach|officer|sister|brother|uncle|"
    r"aunt|auntie)\.?|\b(?:name\s+is|name's|named|call(?:s|ed)?\s+me|i\s+am\s+called|"
    r"goes\s+by|me\s+llamo|je\s+m'appelle|ich\s+hei(?:ß|ss)e|mi\s+chiamo|meu\s+nome\s+[ée]|"
    r"dear|hi|hello|hey|thanks|thank\s+you|said|told|asked|met|with|and|to|by|"
    r"i'm|i\s+am|it's|this\s+is|soy)\s*[:,]?)\s*$"
)
"""Words before a name: kinship and relationship words, titles, "my name is", greetings."""
STRONG_PERSON_CUE_RE = re.compile(
    r"(?i)(?:\b(?:my|our|his|her|their|your|mi|mis|mon|ma|mein|meine|mio|mia|minha|meu)\s+"
    r"(?:(?:ex|step|best|older|younger|little|big|late|former|new|current)[- ]?)*"
    + RELATIONS
    + r"|\b(?:mr|mrs|ms|miss|mx|dr|prof)\b\.?|\bname\s+is|\bname's|\bnamed(?:\s+(?:him|her|me))?"
    r"|\bcall(?:s|ed)?\s+me|\b(?:last|first|sur|given|full)\s?name\s*\??"
    r"|\bme\s+llamo|\bje\s+m'appelle|\bgoes\s+by)\s*[:,]?\s*$"
)
SIGN_OFF_RE = re.compile(
    r"(?i)\b(?:(?:signed|sincerely|regards|cheers|best\s+wishes|yours\s+truly|respectfully|"
    r"warmly)\s*[:,]|(?:e-?mails?|messages?|texts?|voicemails?|dms?|whatsapps?)\s+from)\s*$"
)
"""A sign-off before the writer's name ("Signed, Temperance Blackwood"), a message a person
sent ("an email from Zsofia Kertesz"): as strong as "my sister" (`sign_off_before`)."""
SPEECH_AFTER_RE = re.compile(
    r"(?i)^(?:'s\b|\u2019s\b|\s*,?\s*(?:said|says|told|tells|asked|replied|wrote|explained|"
    r"shouted|spent|began|went|came|called|thinks|thought|keeps|kept|wants|will|would|has|had|"
    r"is|was|and\s+I|who|took|made|says|left|stopped|started|knows|doesn't|didn't|can't|"
    r"\d{1,2}\b))"
)


_SENTENCE_BREAKS = frozenset('.!?:;"\u201c\u201d(>\n*-\u2022\u3002')
"""What ends a sentence before a capitalised run (`EntityFinder._sentence_start`)."""
LEGAL_DOTTED = frozenset({"inc.", "corp.", "ltd.", "bros.", "assn."})
"""Abbreviations whose dot belongs to the name ("Acme Inc."), even at the end of a sentence."""
LOWER_NAME_STOP = frozenset({"will", "may", "can", "sue", "rob", "bill", "guy", "art", "pat"})
"""Given names that are mostly verbs after "my son ..." ("my son will", "my mom can")."""


def strong_cue_before(before: str) -> bool:
    """A relationship word, title or "my name is" right before a name."""
    return _found_before(STRONG_PERSON_CUE_RE, before)


def sign_off_before(before: str) -> bool:
    """`SIGN_OFF_RE` behind a cheap test: the window ends in a comma, a colon or "from"."""
    tail = before[-6:].rstrip(" \t")
    if tail[-1:] not in (",", ":") and tail[-4:].lower() != "from":
        return False
    return _found_before(SIGN_OFF_RE, before)


@lru_cache(maxsize=1 << 16)
def _found_before(regex: re.Pattern[str], before: str) -> bool:
    """`regex.search(before) is not None`, remembered: the rules (`EntityFinder._rule`) and
    the span model's features ask the same cue patterns about the same 48 characters before a
    run, and short windows ("my name is ", "I work at ") recur across messages. The longest
    cue patterns have an RE2 gate in front (`CUE_GATES`)."""
    gate = CUE_GATES.get(regex)
    if gate is not None and not gate(before):
        return False
    return regex.search(before) is not None


LOWER_NAME_CUE_RE = re.compile(
    # run over the lowercased message (case-sensitive matching scans faster)
    STRONG_PERSON_CUE_RE.pattern.removeprefix("(?i)").removesuffix(r"\s*$")
    + r"\s*([a-z\u00e0-\u00ff][a-z\u00e0-\u00ff'-]+)\b(?!')"
)
"""A lowercase word after a relationship word or title: "my wife rachel", "dr. ramos"."""
LOWER_NAME_CUE_GATE = AnyPrefilter([LOWER_NAME_CUE_RE])
"""False when `LOWER_NAME_CUE_RE` cannot match a lowercased message (one RE2 scan; see
`caseless.AnyPrefilter`): most messages hold a relationship word but no lowercase word after it
that the pattern takes, and CPython's engine tries its alternation at every position."""
FIRM_AFTER_RE = re.compile(
    r"^(?:[ \t]*(?:,|,?[ \t]*and|&)[ \t]+[A-Z][\w'\u2019-]*)?"
    r",?[ \t]*(?:(?=[A-Z])(?i:inc|llc|llp|lp|pllc|ltd|plc|corp|corporation|co|company|group|"
    r"partners|associates|holdings|gmbh|ag|sa)|(?:&|and) Sons)(?![\w-])"
)
"""A legal form right after a list of names: "Glover, Ruiz and Armstrong LLC" is a firm."""
OF_TAIL_RE = re.compile(
    rf"^[ \t]+(?:of|de|del|di)[ \t]+(?:(?:the|la|el)[ \t]+)?{_CAP_WORD}(?:[ \t]+{_CAP_WORD}){{0,2}}"
)
ORG_LOWER_RE = re.compile(
    rf"(?i:\b(?:h[ôo]pital|clinique|[ée]cole|lyc[ée]e|coll[èe]ge|universit[ée]))[ \t]+"
    rf"(?:(?:de|du|des|la|le)[ \t]+)?{UP}{WORD_TAIL}(?:[ \t]+{UP}{WORD_TAIL}){{0,2}}"
)
"""French institutions written lowercase before their name: "l'hôpital Necker"."""
SURNAME_SUFFIX_RE = re.compile(
    r"(?:ov|ova|ev|eva|ovich|evich|ovna|evna|sson|ssen|sen|dóttir|dottir|ić|ič|vić|ski|ska|"
    r"sky|cki|cka|wicz|escu|enko|chuk|yan|ian|idis|poulos|akis|oglu|oğlu|ez|es|inen|nen|"
    r"berg|mann|stein|baum|feld|ardt|etti|elli|ini|ucci|ato|ero|illo|agi|shvili|dze)$"
)
BEFORE_LIST_PERSON_RE = re.compile(
    r"(?i)(?:founders?|members?|children|kids|friends|roommates|cousins|siblings|had \d+|with|:)"
    r"\s*$"
)
"""Before a list of people: "our 3 founders: Kónya, Becker and Vasquez"."""
KIN_AFTER_RE = re.compile(
    r"(?i)^(?:'s|\u2019s)[ \t]+(?:(?:ex|step|late|little|big|older|younger|new|baby)[- ]?)*"
    + RELATIONS
    + r"s?\b"
)
"""A possessive and a relationship word after a run: "Carter's mom", "Harper's dad"."""
AND_I_AFTER_RE = re.compile(r"^[ \t]+and[ \t]+(?:I|me)\b(?!')")
"""A given name in "Mason and I fought": a person, even when the name is also a word."""
VIRTUE_WORDS = _words(
    """hope faith grace joy love peace charity patience mercy harmony destiny trinity honor
    honour honesty prudence verity liberty serenity felicity constance"""
)
"""Given names that are also ideals, capitalised as concepts ("Faith and Hope")."""
DETERMINER_BEFORE_RE = re.compile(
    r"(?i)\b(?:the|a|an|this|that|these|those|some|any|every|no|each|such|his|her|its|their)"
    r"\s+$"
)
FAMILY_AFTER_RE = re.compile(
    r"(?i)^[ \t]+(?:family|families|household|house|home|kids|children|boys|girls|twins|"
    r"residence|place)\b"
)
"""After a surname with "the": the family's name ("the Kowalski family")."""
LIST_JOINERS = frozenset({",", "and", ", and", "&", "or", "y", "et", "und", "e"})
PUNCTUATION_TO_BLANK = str.maketrans(
    dict.fromkeys(".,;:!?\"()[]{}<>/\\|*_~`'\u2019\u201c\u201d", " ")
)
"""Split a message into words in C: punctuation becomes a blank."""
_ASCII_PUNCTUATION = "".join(c for c in map(chr, PUNCTUATION_TO_BLANK) if c.isascii()).encode()
ASCII_PUNCTUATION_TO_BLANK = bytes.maketrans(_ASCII_PUNCTUATION, b" " * len(_ASCII_PUNCTUATION))
"""`PUNCTUATION_TO_BLANK` for ASCII bytes (its other characters cannot occur in ASCII text)."""


def _blank_punctuation(text: str) -> str:
    """`text.translate(PUNCTUATION_TO_BLANK)`; ASCII text through the byte table (a table
    lookup per byte instead of a dict lookup per character)."""
    if text.isascii():
        return text.encode("ascii").translate(ASCII_PUNCTUATION_TO_BLANK).decode("ascii")
    return text.translate(PUNCTUATION_TO_BLANK)


LOWER_PLACE_RE = re.compile(
    r"\b(?:in|from|to|near|around|outside|visit|visited)[ \t]+"
    r"([a-z\u00e0-\u017f][a-z\u00e0-\u017f'-]+(?:[ \t][a-z\u00e0-\u017f'-]+)?)"
)
_OPENERS = _words(
    """I I'm I've I'll I'd My The It It's This That We You He She They And But So If When What How
    Why Yes No Oh Ok Okay Hi Hey Thanks Thank Sorry Please Maybe Sometimes Je Yo Ich Io Eu
    Signed Sincerely Regards Cheers Respectfully Warmly"""
)
SKIP_RUNS = _OPENERS | {word.replace("'", "\u2019") for word in _OPENERS}
"""Capitalised runs that are always sentence openers or pronouns: skipped before judging."""
THE_BEFORE_RE = re.compile(r"(?i)\bthe\s+$")
CORNER_RE = re.compile(r"(?i)\bcorner\s+of\b[^.!?\n]*$")
ORG_AFTER_RE = re.compile(
    r"(?i)[ \t]+(?:is|was)[ \t]+(?:a|an|the|our)[ \t]+(?:[\w-]+[ \t]+){0,2}?(?:agency|company|"
    r"firm|start-?up|business|brand|charity|non-?profit|organi[sz]ation|corporation|brainchild|"
    r"employer|school|hospital|clinic|church|store|shop|restaurant|bank|website|app)\b"
    r"|[ \t]+(?:(?:hockey|football|soccer|basketball|baseball|softball|volleyball|rugby|"
    r"cricket|swim|track|debate)[ \t]+)?(?:team|club|squad|choir|band)\b"
)
"""After an organisation's name: "Coden is a design agency", "Bloomberg is the brainchild"."""
BUSINESS_AFTER_RE = re.compile(
    r"(?i)^(?:'s|\u2019s)?[ \t]*,?[ \t]*(?:(?:has|have|had|will|just|recently|also)[ \t]+)?"
    r"(?:announc|acquir|invest|launch|report|rais|releas|partner|merg|sells|sold|"
    r"develop|build|built|manufactur|provid|offer|operat|employ|headquarter|specializ|"
    r"specialis|expand|shipp|produc|publish|earn|hir|laid[ \t]+off|sued|bought|buys|compet|"
    r"ceo|cfo|cto|founder|board|shares?\b|stock|customers|clients|employees|staff|products?\b|"
    r"platform|app\b|website|revenue|headquarters|offices?\b|subsidiar|is[ \t]+based|"
    r"based[ \t]+in|is[ \t]+hiring|is[ \t]+headquartered|a[ \t]+(?:company|startup|firm))"
)
"""Business verbs and nouns after a run: "Persint announced", "Evidera's CEO", "Coden, based in"."""
BUSINESS_BEFORE_RE = re.compile(
    r"(?i)(?:\b(?:shares|stock|ceo|cfo|cto|founder|founders|employees|customers|clients|"
    r"subsidiary|division|offices|headquarters|products?|competitor|rival|vendor|supplier|"
    r"partner|spokesperson|spokesman|spokeswoman|contract|partnership|deal|acquisition|"
    r"board)[ \t]+(?:of|at|with|from|for)|\b(?:invest(?:ed|s|ing)?[ \t]+in|acquired|"
    r"bought|sued|signed[ \t]+with|applied[ \t]+(?:to|at)|interview(?:ed)?[ \t]+(?:at|with)|"
    r"offer[ \t]+from|laid[ \t]+off[ \t]+(?:by|from)|client[ \t]+of|customer[ \t]+of|"
    r"contractor[ \t]+for|consultant[ \t]+(?:at|for)|engineer[ \t]+at|analyst[ \t]+at|"
    r"developer[ \t]+at|director[ \t]+at|ceo[ \t]+at|startup|company|firm|agency|brand|"
    r"vendor|provider))[ \t]+(?:the[ \t]+)?$"
)
"""Business words before a run: "shares of", "invested in", "an offer from", "the startup"."""
CONSUMER_AFTER_RE = re.compile(
    r"(?i)^(?:'s|\u2019s)?[ \t]+(?:(?:online|mobile|checking|savings|credit|debit|gift|rewards|"
    r"loyalty|business|customer)[ \t]+)?(?:account|accounts|subscription|membership|app|website|"
    r"customer[ \t]+(?:service|support|care)|support[ \t]+team|helpdesk|store|stores|branch|"
    r"warehouse|headquarters|employees|shareholders|stock|card|rewards|loyalty|receipt|invoice|"
    r"refund|order|orders|delivery|driver|drivers|uniform|badge|login|password|portal)\b"
    r"|^[ \t]+(?:(?:is|was|are)[ \t]+)?(?:open|closed)[ \t]+(?:on|today|tonight|tomorrow|late|"
    r"until|till|now|24|all)\b"
)
"""What a customer says after a firm's name: "my Brightwell account", "Quillfield customer
service", "the Norcross app", "Is Fennimore open on Sundays": a business, not a person."""
CONSUMER_BEFORE_RE = re.compile(
    r"(?i)(?:\b(?:refund|reimbursement|package|parcel|delivery|bill|invoice|charge)[ \t]+from|"
    r"\b(?:order(?:ed|ing)?|bought|buy(?:ing)?|purchased?|purchasing)"
    r"(?:[ \t]+[\w'-]+){0,3}?[ \t]+(?:at|from)|\bshop(?:s|ped|ping)?[ \t]+at|"
    r"\bbank(?:s|ed|ing)?[ \t]+(?:with|at)|\binsured[ \t]+(?:by|with|through)|"
    r"\binsurance[ \t]+(?:with|from|through)|\baccount[ \t]+(?:at|with)|"
    r"\bsubscri(?:be|bed|bing|ption)[ \t]+to|\bstocks?[ \t]+(?:of|in)|"
    r"\bcharged[ \t]+by|\bbilled[ \t]+by|"
    r"\bcancel(?:l?ed|l?ing)?[ \t]+(?:my[ \t]+)?(?:order|account|subscription|membership)"
    r"[ \t]+(?:at|with|from))[ \t]+(?:the[ \t]+)?$"
)
"""What a customer says before a firm's name: "a refund from Tallisker", "I bank with
Ostrander", "bought it at Castellan", "stocks of Dravenna"."""
CONSUMER_BEFORE_ENDS = ("from", "at", "with", "by", "through", "to", "of", "in", "the")
"""The last word of every `CONSUMER_BEFORE_RE` match: a cheap test before the search."""
MASS_PLATFORMS = _words(
    """amazon apple netflix spotify hulu disney gmail outlook hotmail yahoo paypal venmo cashapp
    uber lyft doordash tinder hinge bumble grindr linkedin pinterest roblox minecraft fortnite
    playstation nintendo zoom slack walmart target costco ebay etsy"""
)
"""Services that hundreds of millions use: "my Netflix account", "ordered it from Amazon"
say nothing that makes a person findable (the platforms in `NAME_STOPWORDS` neither)."""
FROM_PLACE_TO_RE = re.compile(
    rf"\b(?:from|between)[ \t]+({UP}{WORD_TAIL}(?:[ \t]+{UP}{WORD_TAIL}){{0,2}}),?"
    r"[ \t]+(?:to|and)[ \t]+$"
)
"""A run after "from <place> to" or "between <place> and" is the other end of the trip."""
FIRM_TAIL_RE = re.compile(
    r"[ \t]*(?:&|and)[ \t]+(?:Sons|Daughters|Co\.|Company|Partners|Associates)\b"
)
"""The rest of a firm's name after the run the rules typed: "Whitcombe & Sons", "Pryce and Co."."""
ORDINALS = _words("first second third fourth fifth sixth seventh eighth ninth tenth")
"""Ordinals that open a congregation's or firm's name ("First Baptist", "Second Presbyterian")."""
ADDRESSEE_BEFORE_RE = re.compile(r",[ \t]*\d{1,5}[ \t]+[A-Z][a-z]")
"""After an addressee or firm written on the line of its street address: "Ifeoma Nwosu, 12
Ashby Road" (the street starts after the comma with its house number)."""
CALENDAR_WORDS = _words(
    """january february march april may june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday"""
)
"""Months and weekdays: never a place, whatever town shares the name ("in March")."""
MOVED_TO_THE_RE = re.compile(
    r"(?i)\b(?:live[sd]?|living|moved|move|moving|went|go|going|flew|fly|back|came|come|"
    r"coming|return(?:ed)?|relocated|born|raised|grew\s+up|stationed|home)\s+"
    r"(?:in|to|at|from|near|back\s+to)(?:\s+the)?\s*$"
)
COUNTRY_CODES = 10**9
"""The population `_rule` gives "UK", "USA", "UAE" (and "the US"): a country's, as `places`."""
GREEK_CYRILLIC_PLACE_RE = re.compile(
    # a Greek or Cyrillic name after a place word: "I am in ΛΕΥΚΩΣΙΑ", "живу в Москве"; the
    # ohm and increment signs stand in for omega and delta in some Greek data
    r"(?:\b(?:in|from|to|near|visit(?:ed|ing)?)|(?<!\w)(?:в|во|из|στην|στη|στο|από))[ \t]+"
    r"([\u0386-\u038f\u0391-\u03ab\u0400-\u042f\u2126](?:[^\W\d_]|\u2206)+"
    r"(?:[ \t]+[\u0386-\u038f\u0391-\u03ab\u0400-\u042f\u2126](?:[^\W\d_]|\u2206)+){0,2})"
)
US_AU_STATES = (
    "AL|AK|AZ|AR|CA|CO|CT|DE|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|"
    "NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|DC|NSW|VIC|QLD|SA|TAS|ACT|NT"
)
POSTCODE_AFTER_RE = re.compile(
    # what follows a town when a postcode closes it: "Berlin 10115", "Springfield, IL 62704-1234",
    # "Warszawa 00-950", "Leeds LS6 2QT", "Brno 602 00"; group 1: a state code, group 2: the code
    rf",?[ \t]+(?:({US_AU_STATES})[ \t]+)?"
    r"(\d{5}(?:-\d{4})?|\d{4}|\d{6}|\d{3}[ ]\d{2}|\d{4}[ ]?[A-Z]{2}|\d{2}-\d{3}|\d{4,5}-\d{3}"
    r"|[A-Z]{1,2}\d[A-Z\d]?[ ]?\d[ABD-HJLNP-UW-Z]{2}|[ABCEGHJ-NPRSTVXY]\d[A-Z][ ]?\d[A-Z]\d)"
    r"(?![\w-]|[.,/:]\d|[ \t]*\d)"
)
YEAR_RE = re.compile(r"(?:19|20)\d\d")
DIGIT_NEAR_RE = re.compile(r"\d")
GREEK_CYRILLIC_CAPITAL_RE = re.compile(r"[\u0386-\u038f\u0391-\u03ab\u0400-\u042f\u2126]")


def postcode_after(text: str, end: int) -> re.Match[str] | None:
    """The postcode (and state code) right after a town at `end`, if one closes it; a year is
    no postcode ("Paris 2024") unless a state code stands before it ("NSW 2000")."""
    if DIGIT_NEAR_RE.search(text, end, end + 9) is None:
        return None  # the cheap test first: most runs have no digit after them
    match = POSTCODE_AFTER_RE.match(text, end)
    if match is None or (match.group(1) is None and YEAR_RE.fullmatch(match.group(2))):
        return None
    return match


CUE_GATES = {
    regex: AnyPrefilter([regex]) for regex in (ORG_CUE_RE, LOCATION_CUE_RE, BUSINESS_BEFORE_RE)
}
"""RE2 gates (`caseless.AnyPrefilter`) before the cue searches that most windows fail: the
long end-anchored alternations CPython's engine tries at every position. Measured on the
sample lake's windows: 0.032 -> 0.023, 0.038 -> 0.028 and 0.025 -> 0.014 CPU-s; the shorter
cue patterns gained nothing or lost (the gate's call costs about what their search does)."""


NOT_PERSON_AFTER_RE = re.compile(
    r"^[ \t]*(?:street|st|avenue|ave|road|rd|drive|lane|ln|boulevard|blvd|court|ct|place|"
    r"terrace|square|sq|crescent|plaza|highway|hwy|inc|llc|ltd|corp|co)\b\.?"
    r"|^[ \t]*,?[ \t]*\d"
)

# -- Chinese -------------------------------------------------------------------------------
CHINESE_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
    "龚邵万钱严覃武戴莫孔向汤"
)
CJK = r"[\u4e00-\u9fff]"
CHINESE_NAME_CUE_RE = re.compile(
    rf"(?:我叫|名字是|名字叫|叫做|我是|老板叫|老师叫|"
    rf"(?:我|他|她)的?(?:丈夫|老公|妻子|老婆|儿子|女儿|男朋友|女朋友|男友|女友|朋友|同事|老板|"
    rf"妈妈|母亲|爸爸|父亲|哥哥|姐姐|弟弟|妹妹|室友|同学|老师|前夫|前妻)(?:叫|是|名叫)?)"
    rf"[\uff0c,\uff1a:\s]*([{CHINESE_SURNAMES}]{CJK}{{1,2}})"
)
CHINESE_TITLE_NAME_RE = re.compile(
    rf"([{CHINESE_SURNAMES}]{CJK}{{1,2}})(?=先生|女士|小姐|老师|医生|同学|经理)"
)
CHINESE_ADDRESS_RE = re.compile(
    rf"(?:{CJK}{{2,3}}(?:省|自治区))?(?:{CJK}{{2,3}}市)?(?:{CJK}{{1,4}}(?:区|县|旗))?"
    rf"{CJK}{{1,8}}?(?:路|街|大道|巷|胡同|弄)(?:\d{{1,5}}号)?(?:{CJK}{{1,8}}(?:小区|大厦|花园|公寓))?"
    rf"(?:\d{{1,4}}(?:栋|号楼|单元|室|楼))*"
)
CHINESE_REGION_RE = re.compile(
    rf"(?:{CJK}{{2,3}}(?:省|自治区))?{CJK}{{2,3}}市(?:{CJK}{{1,4}}(?:区|县))?"
    rf"|{CJK}{{2,3}}省|{CJK}{{2,4}}(?:区|县)(?={CJK}{{0,3}}(?:路|街|镇|村))"
)
CHINESE_ORG_RE = re.compile(
    rf"{CJK}{{2,8}}?(?:大学|学院|中学|小学|医院|公司|银行|集团|教会|幼儿园)"
)
CJK_SEARCH_RE = re.compile(CJK)
CHINESE_NAME_STOP_CHARS = frozenset("的在是每说和今也又一都就还很不没已从给跟对把被")
"""Characters that end a sentence fragment, not a given name: a third one is cut off."""
CHINESE_STOP_CHARS = frozenset("我你他她在住是的了和从到去来于叫个一这那有也都就还想说")


class Triggers:
    """Which rule groups a message can fire, from one Aho-Corasick pass over its lowercase text.

    Each context regex (messenger IDs, ages, licence numbers, foreign streets, ...) runs only
    when one of its trigger words occurs: most messages trigger none, so the hot path is one C
    pass plus a few regexes, never a Python loop over tokens.
    """

    def __init__(self, groups: dict[str, tuple[str, ...]]) -> None:
        import ahocorasick

        self._automaton = ahocorasick.Automaton()
        owners: dict[str, set[str]] = {}
        for group, words in groups.items():
            for word in words:
                owners.setdefault(word, set()).add(group)
        # each word's value is a bit mask of its groups: the masks of all occurrences are
        # or-ed together in C (`map`, `reduce`), with no Python frame per occurrence
        self._groups = sorted(groups)
        bits = {group: 1 << index for index, group in enumerate(self._groups)}
        for word, names in owners.items():
            self._automaton.add_word(word, sum(bits[name] for name in names))
        self._automaton.make_automaton()
        self._fired: dict[int, frozenset[str]] = {}

    def __call__(self, lower: str) -> frozenset[str]:
        """The groups any of whose words occurs in `lower` (a shared set: do not change it)."""
        mask = reduce(or_, map(itemgetter(1), self._automaton.iter(lower)), 0)
        fired = self._fired.get(mask)
        if fired is None:
            fired = self._fired[mask] = frozenset(
                group for index, group in enumerate(self._groups) if mask >> index & 1
            )
        return fired


def _triggers(words: str) -> tuple[str, ...]:
    """Trigger words written "a|b|c" (a leading blank is part of a word: " son" is not "person")."""
    return tuple(words.split("|"))


ENTITY_TRIGGERS: dict[str, tuple[str, ...]] = {
    "lower_name": _triggers(
        "name|call|goes by|dr.|dr |mr.|mr |mrs|ms.|ms |prof|llamo|appelle|heiße|heisse|chiamo|"
        " bf | gf |bff|hubby|wifey| husband| wife| partner|friend|boyfriend|girlfriend|fianc|"
        "spouse| son|daughter| kid|child|baby| mom|mother| mum| dad|father|parent|brother|sister|"
        "sibling|twin|cousin|uncle|aunt|nephew|niece|grand|in-law|bestie|roommate|flatmate|"
        "housemate|neighbo|boss|manager|supervisor|worker|colleague|classmate|teacher|coach|"
        "therapist|counsel|psychiatrist|doctor|nurse|landlord|abuser| ex |ex-|marido|espos|mujer|"
        "novio|novia|hijo|hija|madre|padre|herman|jefe|jefa|amig|primo|prima| tío| tía| tio | tia |"
        "abuel| mari |femme|fils|fille|mère|père|frère|frere|sœur|soeur|copain|copine| ami | amie|"
        " mann|frau|sohn|tochter|mutter|vater|bruder|schwester|freund| chef|marito|moglie|figli|"
        "fratello|sorella|irmã|irmão|irma |filho|filha|mãe| pai |namorad"
    ),
    "org_lower": _triggers(
        "hôpital|hopital|clinique|école|ecole|lycée|lycee|collège|college|universit"
    ),
    # the words of `CONSUMER_AFTER_RE` and `CONSUMER_BEFORE_RE`
    "customer": _triggers(
        "account|subscri|membership| app|website|customer|support|helpdesk|store|branch|"
        "warehouse|headquarters|employees|shareholders|stock|card|reward|loyalty|receipt|"
        "invoice|refund|order|deliver|driver|uniform|badge|login|password|portal|open|closed|"
        "reimburse|package|parcel|bill|charge|bought|buy|purchas|shop|bank|insur"
    ),
    # the words of `SIGN_OFF_RE`
    "sign_off": _triggers(
        "signed|sincerely|regards|cheers|best wishes|yours truly|respectfully|warmly|mail|"
        "message|text|voicemail|dm|whatsapp"
    ),
}
"""Trigger words of the name finder's cue patterns (lowercase substrings)."""


DIGIT_RE = re.compile(r"\d+")
PLACE_SUFFIX_RE = re.compile(
    r"(?:ville|burg|bourg|borough|bury|berg|dorf|stadt|heim|hausen|kirchen|ingen|grad|polis|"
    r"chester|cester|mouth|haven|holm|fjord|strand|thorpe|sund|vik|by)$"
)
"""Endings that make a word a place name more often than a person's ("Feysville", "Åby")."""
CUE_FEATURES = (
    ("strong_cue", STRONG_PERSON_CUE_RE),
    ("cue", PERSON_CUE_RE),
    ("org_cue", ORG_CUE_RE),
    ("place_cue", LOCATION_CUE_RE),
    ("the", THE_BEFORE_RE),
    ("corner", CORNER_RE),
)


@lru_cache(maxsize=1 << 16)
def _shape(word: str) -> str:
    """Xx, X., XX, X-X, Xx'x: the word's case pattern, runs collapsed."""
    return re.sub(
        r"(.)\1+", r"\1", re.sub(r"[^\W\d_]", lambda m: "X" if m[0].isupper() else "x", word)
    )[:6]


@lru_cache(maxsize=1 << 16)
def _previous_word_feature(same_line: str) -> str:
    """The span model's "p1=" feature: the last word or mark before a run on its line."""
    prev = re.findall(r"[\w'\u2019-]+|[^\w\s]", DIGIT_RE.sub("0", same_line.lower()))
    return f"p1={_closed(prev[-1]) if prev else '^'}"


@lru_cache(maxsize=1 << 16)
def _next_word_feature(after: str) -> str:
    """The span model's "n1=" feature: the first word or mark after a run."""
    nxt = re.match(r"[ \t]*([\w'\u2019-]+|[^\w\s])?", DIGIT_RE.sub("0", after))
    return f"n1={_closed((nxt.group(1) or '$').lower()) if nxt else '$'}"


def _line_shape(line: str) -> str:
    """A line's first character class: digit (an address line), capital, lowercase, none."""
    if not line.strip():
        return "none"
    first = line.lstrip()[0]
    return "digit" if first.isdigit() else "cap" if first.isupper() else "low"


def _closed(word: str) -> str:
    """A context word as the span model sees it: function words, digits (folded to 0) and
    punctuation as themselves, any other word as "W"."""
    if word in FUNCTION_WORDS or not word[:1].isalpha():
        return word
    return "W"


def _bucket(population: int) -> str:
    """A place's population as a coarse bucket."""
    for bound, name in ((1_000_000, "1m"), (100_000, "100k"), (10_000, "10k"), (1, "1")):
        if population >= bound:
            return name
    return "0"


def _list_mate_res(lowercase: bool) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """A list mate after a name (", Aaliyah") and before one ("Kevin, "), for `_extend_lists`."""
    word = r"[^\W\d_]" + WORD_TAIL if lowercase else UP + WORD_TAIL
    joiner = r"(?:[ \t]*,[ \t]*(?:and[ \t]+)?|[ \t]+(?:and|&|or|y|et|und)[ \t]+)"
    return re.compile(rf"{joiner}({word})"), re.compile(rf"(?<![\w'-])({word}){joiner}$")


LIST_MATE_RES = {False: _list_mate_res(False), True: _list_mate_res(True)}
LIST_ENDS = (",", "and", "&", "or", "y", "et", "und")
"""How the text before a list mate's joiner ends (blanks stripped): `_list_mate_res`'s joiners."""


@dataclass(frozen=True)
class EntitySpan:
    start: int
    end: int
    kind: str


MEMO_LIMIT = 1 << 16
"""Entries a per-word memo of `EntityFinder` holds before it starts again (bounded memory)."""


class EntityFinder:
    """PERSON, ORGANIZATION, LOCATION (and street names without a number) in one message."""

    def __init__(
        self,
        span_model: SpanModel | bool | None = True,
        referee: NerReferee | None = None,
    ) -> None:
        """`span_model`: True loads the shipped one, False or None leaves the rules alone.
        `referee`: a pretrained tagger's second opinion on person vs organisation (see
        `pii_referee`); off unless given, consulted only with a span model. Measured and not
        enabled: docs/evaluation.md, "PII, session 8"."""
        self.span_model = SpanModel.load() if span_model is True else span_model or None
        self.referee = referee
        self.fill_only = False
        # whether the message being judged holds a customer's or a sign-off's words (set by
        # `find` and `candidates` from the trigger pass; the cue searches run only then)
        self._customer = self._sign_off = True
        self.triggers = Triggers(ENTITY_TRIGGERS)
        self.first = lexicons.first_names()
        self.last = lexicons.surnames()
        self.common = lexicons.common_words()
        self.places = lexicons.places()
        self.towns = lexicons.towns()
        self.chinese_places = lexicons.chinese_places()
        self._chinese_place_re = re.compile(
            "|".join(sorted(map(re.escape, self.chinese_places), key=len, reverse=True))
        )
        self._uncommon_first = frozenset(
            name
            for name in self.first
            if name not in self.common and name not in FUNCTION_WORDS and name not in NAME_STOPWORDS
        )
        # pure functions of one word (the lexicons do not change), remembered: see `_plain`
        self._evidence_memo: dict[str, tuple[bool, bool, bool]] = {}
        self._plain_memo: dict[str, bool] = {}
        self._word_features_memo: dict[tuple[str, ...], list[str]] = {}
        self.reference = False
        """True turns the fast paths and memos off: `find` then runs the reference code (the
        tests hold the two equal)."""

    # -- evidence for one word ---------------------------------------------------------------
    def _evidence(self, lower: str) -> tuple[bool, bool, bool]:
        """(given name, surname, common English word), remembered per word."""
        if self.reference:
            return self._word_evidence(lower)
        memo = self._evidence_memo
        found = memo.get(lower)
        if found is None:
            if len(memo) >= MEMO_LIMIT:
                memo.clear()
            found = memo[lower] = self._word_evidence(lower)
        return found

    def _word_evidence(self, lower: str) -> tuple[bool, bool, bool]:
        """`_evidence` computed."""
        if lower in FUNCTION_WORDS or lower in NAME_STOPWORDS:
            return False, False, True
        first = lower in self.first
        last = lower in self.last or (
            len(lower) > 4 and lower not in self.common and bool(SURNAME_SUFFIX_RE.search(lower))
        )
        return first, last, lower in self.common

    def find(
        self, text: str, lower: str | None = None, fired: AbstractSet[str] | None = None
    ) -> list[EntitySpan]:
        """Entity spans in `text`; `lower` and `fired` (its `Triggers`) when the caller has them."""
        lower = text.lower() if lower is None else lower
        fired = self.triggers(lower) if fired is None else fired
        spans: list[EntitySpan] = []
        if not text.isascii() and CJK_SEARCH_RE.search(text):
            spans += self._chinese(text)
        if not text.isascii() and GREEK_CYRILLIC_CAPITAL_RE.search(text):
            spans += [
                EntitySpan(m.start(1), m.end(1), "LOCATION")
                for m in GREEK_CYRILLIC_PLACE_RE.finditer(text)
            ]
        lowercase_text = text == lower
        runs = [] if lowercase_text else list(CAP_RUN_RE.finditer(text))
        self._customer, self._sign_off = "customer" in fired, "sign_off" in fired
        people: list[tuple[int, int]] = []
        fast = not self.reference
        for match in runs:
            run = match.group()
            if run in SKIP_RUNS:
                continue
            if fast and self._surely_nothing(text, run, match.start(), match.end()):
                continue
            judged = self._judge(text, match.start(), match.end())
            if judged is None:
                continue
            start, end, kind = judged
            if kind == "PERSON":
                people.append((start, end))
            else:
                if kind == "ORGANIZATION" and (tail := FIRM_TAIL_RE.match(text, end)):
                    end = tail.end()
                spans.append(EntitySpan(start, end, kind))
        cued = ()
        if (
            "lower_name" in fired
            and len(lower) == len(text)
            and (self.reference or LOWER_NAME_CUE_GATE(lower))
        ):
            cued = LOWER_NAME_CUE_RE.finditer(lower)
        for match in cued:
            name = text[match.start(1) : match.end(1)]
            if not name[0].islower():
                continue
            lower = name.lower()
            first, last, common = self._evidence(lower)
            # after "my daughter" a given name counts even when it is also a word ("emma")
            first = first and lower not in LOWER_NAME_STOP
            common = common and not first
            titled = match.group(0)[:3].lower() in {"dr ", "dr.", "mr ", "mr.", "mrs", "ms ", "ms."}
            plural = lower.endswith("s") and lower[:-1] in self.common
            named = "name" in match.group(0).lower() or "call" in match.group(0).lower()
            if (first or (last and titled) or named) and not common and not plural:
                end = match.end(1)
                surname = re.match(r" ([a-z\u00e0-\u017f'-]{2,})\b", text[end:])
                if named and surname and surname.group(1) not in FUNCTION_WORDS:
                    following = self._evidence(surname.group(1))
                    if following[1] or not following[2]:
                        end += surname.end()  # "my name is borna jerković"
                people.append((match.start(1), end))
        if lowercase_text:
            people += self._lowercase_names(text)
            spans += self._lowercase_places(text)
        else:
            people += self._cued_lowercase_names(text)
        for match in ORG_LOWER_RE.finditer(text) if "org_lower" in fired else ():
            spans.append(EntitySpan(match.start(), match.end(), "ORGANIZATION"))
        people = self._extend_lists(text, sorted(set(people)), lowercase_text)
        people, firms = self._split_firms(text, people)
        spans += firms + [EntitySpan(start, end, "PERSON") for start, end in people]
        return spans

    def _lowercase_names(self, text: str) -> list[tuple[int, int]]:
        """All-lowercase messages: unambiguous given names only (set lookups, no token loop)."""
        words = set(re.findall(r"[a-z]{3,}", text)) & self._uncommon_first
        # a plural of a word is a word ("miles", "kids"), as after a relationship word
        words = {w for w in words if not (w.endswith("s") and w[:-1] in self.common)}
        if not words:
            return []
        pattern = re.compile(r"\b(?:" + "|".join(sorted(words)) + r")\b")
        return [(m.start(), m.end()) for m in pattern.finditer(text)]

    def _cued_lowercase_names(self, text: str) -> list[tuple[int, int]]:
        """Mixed-case messages: an unambiguous given name written lowercase after "told",
        "with", "and" ... ("I told jessica everything")."""
        words = self._uncommon_first.intersection(_blank_punctuation(text).split())
        found = []
        for word in words:
            for match in re.finditer(rf"\b{word}\b", text):
                before = text[max(0, match.start() - 24) : match.start()]
                if PERSON_CUE_RE.search(before):
                    found.append((match.start(), match.end()))
        return found

    def _lowercase_places(self, text: str) -> list[EntitySpan]:
        """All-lowercase messages: a known place after "in", "from", "to", "near"."""
        spans = []
        for match in LOWER_PLACE_RE.finditer(text):
            words = match.group(1).split()
            for size in (len(words), 1):  # "new york" before "new"
                name = " ".join(words[:size])
                if self.places.get(name, 0) and (
                    size > 1 or (name not in self.common and name not in self.first)
                ):
                    end = match.start(1) + len(name)
                    spans.append(EntitySpan(match.start(1), end, "LOCATION"))
                    break
        return spans

    # -- one capitalised run -----------------------------------------------------------------
    def _plain(self, lower: str) -> str | None:
        """ "plain": a dictionary word that is no given name or surname, no place (nor "the
        <word>"), no organisation word and no country code: on its own it can only be a word.
        "surname": the same, except that it is also a surname ("Part", "Small", "Keep").
        None: anything else (the judge decides)."""
        memo = self._plain_memo
        if lower in memo:
            return memo[lower]
        if len(memo) >= MEMO_LIMIT:
            memo.clear()
        plain = None
        if (
            lower in self.common
            and lower not in self.first
            and lower not in ORG_WORDS
            and lower not in ORG_FIRST_WORDS
            and not self.places.get(lower, 0)
            and not self.places.get(f"the {lower}", 0)
            and lower not in ("us", "uk", "usa", "uae")
        ):
            plain = "surname" if lower in self.last else "plain"
        memo[lower] = plain
        return plain

    def _surely_nothing(self, text: str, run: str, start: int, end: int) -> bool:
        """True when `_judge` would return None for this run, decided without it: a single
        word of letters that `_trim` strips (a title or function word), or a `_plain` word with
        nothing around it that `_rule` would read as a postcode, an organisation ("Music is a
        band", "works at Target"'s cue) or a street corner. Most capitalised runs are sentence
        openers like these ("Talking", "Sometimes", "Shame"). False means "judge it": the
        reference path decides (`self.reference` turns this off; the tests compare the two).

        Why the answer equals `_judge`'s, step by step for such a word: `_trim` keeps it whole
        (no dot, apostrophe or hyphen) or strips it to nothing; in `_rule` every branch that
        could type it needs a second word, an organisation or place word, a given name or
        surname (`_person_after`, the evidence), a digit within 9 characters (`postcode_after`),
        `ORG_AFTER_RE` after it, `CORNER_RE` or (mid-sentence) `ORG_CUE_RE` before it;
        `_customer_of` is False for a run of common words; so `_rule` returns None, and
        `_judge` returns None for a single common word whose rule verdict is None. A common
        word that is also a surname opening a sentence ("Part of it", "Keep going") is the
        same but for the branches a surname opens, each tested in `_sentence_surname`.
        """
        if not run.isalpha():
            return False
        lower = run.lower()
        if lower in TITLES or (lower in FUNCTION_WORDS and run != "US"):
            return True  # `_trim` strips the whole run
        plain = self._plain(lower)
        if plain is None:
            return False
        if DIGIT_NEAR_RE.search(text, end, end + 9) is not None or ORG_AFTER_RE.match(text, end):
            return False
        before = text[max(0, start - 48) : start]
        if _found_before(CORNER_RE, before):
            return False
        if plain == "surname":
            return self._sentence_surname(text, lower, start, end, before)
        return self._sentence_start(text, start) or not _found_before(ORG_CUE_RE, before)

    def _sentence_surname(self, text: str, lower: str, start: int, end: int, before: str) -> bool:
        """For a `_plain` "surname" word with no digit, `ORG_AFTER_RE` or corner around it:
        True when `_rule` returns None for it, which it does at a sentence start unless a
        possessive and relationship word follow ("Part's mom"), the customer rule types it, or
        "the", a person cue, a sign-off, an organisation or place cue comes before it (its
        evidence is a surname and a common word: the branches for given names, places and
        uncommon names stay shut, and at a sentence start a common word is no person)."""
        if not self._sentence_start(text, start):
            return False
        after = text[end : end + 32]
        if KIN_AFTER_RE.match(after):
            return False
        if self._customer and self._customer_of([lower], before, after, [self._evidence(lower)]):
            return False
        if _found_before(THE_BEFORE_RE, before) or _found_before(STRONG_PERSON_CUE_RE, before):
            return False
        if self._sign_off and sign_off_before(before):
            return False
        return not (_found_before(ORG_CUE_RE, before) or _found_before(LOCATION_CUE_RE, before))

    def _judge(self, text: str, start: int, end: int) -> tuple[int, int, str] | None:
        """The run's span and kind: the rules' verdict, revised by the span model if shipped."""
        words = text[start:end].split()
        if len(words) > 1 and self.places.get(text[start:end].lower(), 0) >= 100_000:
            ruled: tuple[int, int, str] | None = (start, end, "LOCATION")  # "Los Angeles"
            trimmed = (start, end, words, False)
        else:
            trimmed = self._trim(text, start, end, words)
            if trimmed is None:
                return None
            ruled = self._rule(text, *trimmed)
        if ruled is not None and ruled[2] is None:
            ruled = None
        if self.span_model is None or (ruled is not None and self.fill_only):
            return ruled
        start, end, words, _ = trimmed
        if text[end : end + 1].isdigit():
            return ruled  # "SW1A 1AA": part of a code the structured patterns own
        if ruled is None and len(words) == 1 and words[0].lower() in self.common:
            return None  # "Grace is something I struggle with", "Faith and Hope": words
        lowers = [w.lower().rstrip(".") for w in words]
        if ruled is None and lowers[-1] in HOLIDAY_WORDS:
            return None  # "Labor Day", "Christmas Eve"
        # an acronym used as a noun mid-sentence ("from an ATM near", "RR commenter") is no
        # place or address; a state code stands before a comma, a postcode or the line's end
        acronym = (
            len(words) == 1
            and words[0].isupper()
            and 2 <= len(words[0]) <= 4
            and bool(re.match(r"[ \t]+[a-z]", text[end : end + 3]))
        )
        if acronym and lowers[0] in ("uk", "usa", "uae", "us"):
            acronym = False  # "in the UK now": a country, not a noun like "an ATM near"
        if acronym and ruled is not None and ruled[2] in ("LOCATION", "ADDRESS"):
            ruled = None
        calendar = len(lowers) == 1 and lowers[0] in CALENDAR_WORDS
        if calendar and ruled is not None and ruled[2] == "LOCATION":
            ruled = None  # "we met in March": a month is no place
        if ruled is not None and ruled[2] == "LOCATION" and postcode_after(text, ruled[1]):
            return ruled  # a town a postcode closes: "Berlin 10115", "Springfield, IL 62704"
        if (
            ruled is not None
            and ruled[2] == "LOCATION"
            and self._from_place_to(text[max(0, start - 48) : start])
        ):
            return ruled  # "from Bakersfield to Tulsa": the other end of a trip is a place
        if (
            ruled is not None
            and ruled[2] == "PERSON"
            and (
                self._person_after(lowers, text[end : end + 32])
                or FAMILY_AFTER_RE.match(text[end : end + 32])
                or self._person_shape(words, lowers)
                or self._given_name_mid_sentence(text, end, words)
                or STRONG_PERSON_CUE_RE.search(text, max(0, start - 48), start)
                or (self._sign_off and sign_off_before(text[max(0, start - 48) : start]))
            )
        ):
            return ruled  # "my sister Rose", "Harper's dad", "Ella H. Snider": a person
        if ruled is None and (
            all(w in GENERIC_INSTITUTIONS or w in NAME_STOPWORDS or _demonym(w) for w in lowers)
            or (len(words) == 1 and lowers[0][-1] == "s" and THE_BEFORE_RE.search(text, 0, start))
        ):
            return None  # "the Marines", "the Samaritans": institutions named generically
        if (
            ruled is None
            and len(words) > 2
            and all(w.isupper() for w in words)
            and all(w in self.common or w in FUNCTION_WORDS for w in lowers)
        ):
            return None  # "CAN I SPEAK TO A REAL PERSON": a shouted sentence, not a name
        if (
            ruled is not None
            and ruled[2] == "ORGANIZATION"
            and (
                lowers[0] in ORG_FIRST_WORDS
                or any(w in ORG_WORDS for w in lowers)
                or ORG_AFTER_RE.match(text, end)
                or (
                    self._customer
                    and self._customer_of(
                        lowers, text[max(0, start - 48) : start], text[end : end + 32]
                    )
                )
            )
        ):
            # an institution or legal-form word decides ("University of Leicester"), and so does
            # the text saying what the name is ("the Eagan Wildcats hockey team", "X is a firm")
            return ruled
        features = self._features(text, start, end, words, ruled)
        kind = self._predict(features)
        if kind == "ADDRESS" and (
            self._above_address(text, end, lowers)
            or (ADDRESSEE_BEFORE_RE.match(text, end) and lowers[-1] not in STREET_END_WORDS)
        ):
            kind = self._predict(features, exclude=("ADDRESS",))
        if (acronym or calendar) and kind in ("LOCATION", "ADDRESS"):
            kind = None
        if (
            kind == "PERSON"
            and ruled is not None
            and ruled[2] == "ORGANIZATION"
            and THE_BEFORE_RE.search(text, 0, start)
        ):
            return ruled  # "volunteer at the Red Cross": people do not take "the"
        if kind is None:
            if ruled is None or self.referee is None:
                return ruled  # the model adds and re-types; it never takes a redaction away
            kind = ruled[2]
        if ruled is not None:
            start, end = ruled[0], ruled[1]
        if self.referee is not None and kind in ("PERSON", "ORGANIZATION"):
            # a person or organisation no cue vouched for: the referee may swap the two kinds
            # (the run keeps its placeholder); see `pii_referee`
            kind = self.referee(text, start, end, kind)
        return start, end, kind

    def _predict(self, features: list[str], exclude: tuple[str, ...] = ()) -> str | None:
        """The span model's class for a run (not remembered on the reference path)."""
        assert self.span_model is not None
        if self.reference:
            return self.span_model._predict(features, exclude)
        return self.span_model.predict(features, exclude)

    def candidates(self, text: str) -> list[tuple[int, int, str | None, list[str]]]:
        """Every capitalised run with its rule verdict and model features (for fitting)."""
        found = []
        fired = self.triggers(text.lower())
        self._customer, self._sign_off = "customer" in fired, "sign_off" in fired
        for match in CAP_RUN_RE.finditer(text):
            if match.group() in SKIP_RUNS:
                continue
            start, end = match.start(), match.end()
            trimmed = self._trim(text, start, end, text[start:end].split())
            if trimmed is None:
                continue
            ruled = self._rule(text, *trimmed)
            if ruled is not None and ruled[2] is None:
                ruled = None
            start, end, words, _ = trimmed
            kind = ruled[2] if ruled else None
            found.append((start, end, kind, self._features(text, start, end, words, ruled)))
        return found

    def _trim(
        self, text: str, start: int, end: int, words: list[str]
    ) -> tuple[int, int, list[str], bool] | None:
        """Leading titles and function words, trailing dots, particles and 's off the run."""
        # leading function words and titles ("The", "My", "Dr.") are context, not the name
        titled = False
        while words:
            lower = words[0].lower().rstrip(".")
            if lower in TITLES:
                titled = True
            elif (
                lower not in FUNCTION_WORDS
                or (words == ["US"] and THE_BEFORE_RE.search(text, 0, start))
                or (lower in ORDINALS and len(words) > 1 and words[1].lower() in ORG_WORDS)
            ):
                break  # "the US" is a country; "First Baptist" a church
            start = text.index(words[0], start) + len(words[0])
            start += len(text[start:end]) - len(text[start:end].lstrip())
            words = words[1:]
        if not words:
            return None
        # a trailing dot belongs to the sentence unless the word is an abbreviation or initial
        if text[end - 1] == "." and len(words[-1]) > 3 and words[-1].lower() not in LEGAL_DOTTED:
            end -= 1
            words[-1] = words[-1][:-1]
        while len(words) > 1 and words[-1] in SKIP_RUNS:  # "tell Dr. Nguyen I said"
            end = text.rindex(words[-1], start, end)
            end = len(text[:end].rstrip())
            words = words[:-1]
        # trailing particles ("Kevin, Aaliyah and") are not part of the name
        while len(words) > 1 and words[-1].lower() in {"and", "of", "y", "de", "la", "le", "el"}:
            end = text.rindex(words[-1], start, end)
            end = len(text[:end].rstrip())
            words = words[:-1]
        if words[-1].endswith(("'s", "\u2019s")):  # "Brandon's mom": the name, not the 's
            end -= 2
            words[-1] = words[-1][:-2]
        if not words[-1]:
            return None
        return start, end, words, titled

    def _rule(
        self, text: str, start: int, end: int, words: list[str], titled: bool
    ) -> tuple[int, int, str] | None:
        """The hand-written verdict on one trimmed run."""
        lowers = [w.lower().rstrip(".").replace("\u2019", "'").removesuffix("'s") for w in words]
        before = text[max(0, start - 48) : start]
        after = text[end : end + 32]
        sentence_start = self._sentence_start(text, start)

        whole = " ".join(lowers)
        if len(lowers) >= 2 and self.places.get(whole, 0) >= 10**8:
            return start, end, "LOCATION"  # a country or state: "(In) United States"
        # organisations: an organisation word, or "University of ..."
        if any(w in ORG_WORDS for w in lowers) or lowers[0] in ORG_FIRST_WORDS:
            if len(lowers) == 1 and (lowers[0] in GENERIC_INSTITUTIONS or lowers[0] in ORG_WORDS):
                if lowers[0] in ORG_FIRST_WORDS and OF_TAIL_RE.match(text[end:]):
                    tail = OF_TAIL_RE.match(text[end:])
                    return start, end + tail.end(), "ORGANIZATION"
                return None
            tail = OF_TAIL_RE.match(text[end:])
            if tail and lowers[-1] in ORG_FIRST_WORDS:
                end += tail.end()
            if all(w in GENERIC_INSTITUTIONS or w in FUNCTION_WORDS or _demonym(w) for w in lowers):
                return None
            return start, end, "ORGANIZATION"
        if all(w in GENERIC_INSTITUTIONS or _demonym(w) for w in lowers):
            return None  # "the army", "Japanese", "the British Army"
        # streets named without a number: "Magnolia Drive", "Fairmount Avenue"
        if len(lowers) >= 2 and lowers[-1] in STREET_END_ONLY_WORDS:
            return start, end, "ADDRESS"
        if (postcode := postcode_after(text, end)) is not None and (
            postcode.group(1) or self._place_name(whole)
        ):
            return start, end, "LOCATION"  # "Berlin 10115", "Mooresville, NC 28115"
        if NOT_PERSON_AFTER_RE.match(after):
            return None
        if self._person_after(lowers, after):
            return start, end, "PERSON"  # "Carter's mom", "Mason and I"
        if lowers[-1] in HOLIDAY_WORDS or (
            len(words) > 1
            and all(w.isupper() for w in words)
            and sum(len(w.rstrip(".")) > 1 for w in words) >= 2
        ):
            return None  # "Labor Day"; "CAN I SPEAK TO A REAL PERSON"
        population = self.places.get(whole, 0)
        if not population and _found_before(THE_BEFORE_RE, before):
            # "the Netherlands", "the Gambia", "the US": the article is part of the name
            population = self.places.get(f"the {whole}", 0) or (whole == "us") * COUNTRY_CODES
        if (whole in ("uk", "usa", "uae") or (population == COUNTRY_CODES and whole == "us")) and (
            MOVED_TO_THE_RE.search(before)
        ):
            # "moved to the UK", "lives in the USA": where someone lives, not "In the UK, call
            # Samaritans on 116 123" (a counsellor's resource line)
            return start, end, "LOCATION"
        if len(lowers) >= 2 and lowers[-1] in LOCATION_WORDS:
            return start, end, "LOCATION"
        evidence = [self._evidence(w) for w in lowers]
        first_any = any(f for f, _, _ in evidence)
        last_any = any(s for _, s, _ in evidence)
        uncommon_name = any((f or s) and not c for f, s, c in evidence)
        unknown_any = any(not (f or s or c) for f, s, c in evidence)
        all_common = all(c and not f and not s for f, s, c in evidence)
        if ORG_AFTER_RE.match(text, end) and lowers[0] not in FUNCTION_WORDS:
            return start, end, "ORGANIZATION"
        if len(words) >= 2 and words[-1].isupper() and 2 <= len(words[-1]) <= 4:
            return start, end, "ORGANIZATION"  # "Fuse TV", "Acme AG"
        if self._customer and self._customer_of(lowers, before, after, evidence):
            return start, end, "ORGANIZATION"  # "my Brightwell account", "a refund from Tallisker"
        if _found_before(CORNER_RE, before):
            return start, end, "ADDRESS"  # "the corner of Via Nuova 85 and Baranyay Mill"
        if len(words) == 1 and words[0].count("-") == 1 and not strong_cue_before(before):
            # "Weeks-Rivas", "Fritz-Armstrong": two joined surnames, no given name, are a firm
            parts = lowers[0].split("-")
            if all(p and self._evidence(p)[1] and not self._evidence(p)[0] for p in parts):
                return start, end, "ORGANIZATION"
        if all_common:
            # a capitalised word after "works at" is a name even when it is a word ("Micron")
            if sentence_start:
                return None
            if _found_before(ORG_CUE_RE, before):
                return start, end, "ORGANIZATION"
            if population and _found_before(LOCATION_CUE_RE, before):
                return start, end, "LOCATION"  # "moved to Oceanside"
            return None
        if _found_before(THE_BEFORE_RE, before) and not population:
            # "the Red Cross", "the Bronx": people do not take "the"
            if FAMILY_AFTER_RE.match(after) and (first_any or last_any):
                return start, end, "PERSON"  # "the Kowalski family", "at the Johnson house"
            if _found_before(ORG_CUE_RE, before):
                return start, end, "ORGANIZATION"
            if LOCATION_CUE_RE.search(before[: THE_BEFORE_RE.search(before).start()]):
                return start, end, "LOCATION"
            if lowers[-1].endswith("s"):
                return None  # "the Samaritans", "the Lakers": a group named generically
            modifier = re.match(r"[ \t]+([a-z]+)", after)  # "the Christiansen novel"
            if (
                len(lowers) == 1
                and not evidence[0][0]
                and not KIN_AFTER_RE.match(after)
                and (modifier is None or modifier.group(1) in FUNCTION_WORDS)
            ):
                return None  # "reads the Bible to me": a surname-like word heading "the" is a thing
        strong_cue = (
            titled
            or _found_before(STRONG_PERSON_CUE_RE, before)
            or (self._sign_off and sign_off_before(before))
        )
        cue_found: list[bool] = []

        def cue() -> bool:
            """A person cue before the run; searched once, and only where a branch asks."""
            if not cue_found:
                cue_found.append(strong_cue or _found_before(PERSON_CUE_RE, before))
            return cue_found[0]

        org_cue = _found_before(ORG_CUE_RE, before)
        place_cue = _found_before(LOCATION_CUE_RE, before) or bool(
            population and self._from_place_to(before)
        )
        speech = bool(SPEECH_AFTER_RE.match(after))
        given_first = evidence[0][0] and not evidence[0][2]

        if strong_cue and not (population >= 1_000_000 and place_cue):
            return start, end, "PERSON"
        big_place = population >= 500_000
        named_person = given_first and len(lowers) >= 2
        place_ok = place_cue or big_place or not (first_any or last_any)
        if population and place_ok and not (named_person and not big_place):
            return start, end, "LOCATION"
        if org_cue and not (given_first and cue()) and (not first_any or len(lowers) == 1):
            return start, end, "ORGANIZATION"
        if place_cue and not given_first and not (speech and first_any):
            return start, end, "LOCATION"
        if len(lowers) >= 2:
            if first_any and (uncommon_name or unknown_any or not evidence[0][2]):
                return start, end, "PERSON"
            if (last_any or unknown_any) and not sentence_start:
                return start, end, "PERSON"
            if cue() or speech:
                return start, end, "PERSON"
            return None
        first, last, common = evidence[0]
        if not common and cue():
            return start, end, "PERSON"
        if sentence_start:
            if (first and not common) or ((uncommon_name or not common) and speech):
                return start, end, "PERSON"
            return None
        if (first or last) and (not common or strong_cue or speech):
            return start, end, "PERSON"
        if (
            first
            and words[0][1:].islower()
            and lowers[0] not in VIRTUE_WORDS
            and not _found_before(DETERMINER_BEFORE_RE, before)
        ):
            # a given name capitalised mid-sentence is a name even when it is also a word
            # ("leave me Brad,", "given Angel his address"): the word would be lowercase
            return start, end, "PERSON"
        if not common and not (first or last):
            return start, end, "PERSON" if cue() or speech else "LOCATION" if place_cue else None
        return None

    def _customer_of(
        self,
        lowers: list[str],
        before: str,
        after: str,
        evidence: list[tuple[bool, bool, bool]] | None = None,
    ) -> bool:
        """A firm the text names as a customer would ("my Brightwell account", "I bank with
        Ostrander"): not a given name ("bought a car from Mike", "Sarah's store"), not a
        platform everyone uses, no person cue before it, not a capitalised everyday word ("a
        package from Mom", "Store hours")."""
        if not (
            CONSUMER_AFTER_RE.match(after)
            or (
                before.rstrip(" \t")[-8:].lower().endswith(CONSUMER_BEFORE_ENDS)
                and _found_before(CONSUMER_BEFORE_RE, before)
            )
        ):
            return False  # the common case, decided by two cheap tests
        if lowers[0] in FUNCTION_WORDS or all(
            w in MASS_PLATFORMS or w in NAME_STOPWORDS for w in lowers
        ):
            return False
        evidence = evidence or [self._evidence(w) for w in lowers]
        if evidence[0][0] or strong_cue_before(before):
            return False
        return not all(c and not f and not s for f, s, c in evidence)

    def _from_place_to(self, before: str) -> bool:
        """ "from Bakersfield to", "between Leeds and": a known place is the trip's other end."""
        if not before.endswith((" to ", " and ", "\tto ", "\tand ")):
            return False
        trip = FROM_PLACE_TO_RE.search(before)
        return trip is not None and self.places.get(trip.group(1).lower(), 0) > 0

    def _place_name(self, name: str) -> bool:
        """A place the lists know: GeoNames cities and countries, or the town list."""
        return self.places.get(name, 0) > 0 or name in self.towns

    def _person_after(self, lowers: list[str], after: str) -> bool:
        """What follows makes the run a person: a possessive and a relationship word after a
        given name or surname ("Carter's mom"), or "and I" after a single given name
        ("Mason and I fought"), whatever else the word may mean."""
        if KIN_AFTER_RE.match(after):
            return any(self._evidence(w)[0] or self._evidence(w)[1] for w in lowers)
        return len(lowers) == 1 and bool(AND_I_AFTER_RE.match(after)) and lowers[0] in self.first

    def _given_name_mid_sentence(self, text: str, end: int, words: list[str]) -> bool:
        """The rules' PERSON on one given name that is also a word, with no speech verb after
        it and no place of that name: only the mid-sentence rule ("I talked to Maria about
        it": the word would be lowercase) or a clear-person cue types such a run, so the model
        is not asked to retype it."""
        if len(words) != 1:
            return False
        lower = words[0].lower().rstrip(".").replace("\u2019", "'").removesuffix("'s")
        first, _, common = self._evidence(lower)
        return (
            first
            and common
            and not self.places.get(lower, 0)
            and not SPEECH_AFTER_RE.match(text[end : end + 32])
        )

    def _person_shape(self, words: list[str], lowers: list[str]) -> bool:
        """A given name that is no English word, then a surname ("Ella H. Snider", "Tom
        Kowalski"), 2-3 words, no organisation word: a person's full name."""
        if not 2 <= len(words) <= 3 or any(w in ORG_WORDS for w in lowers):
            return False
        if lowers[0] not in self._uncommon_first or all(w.isupper() for w in words):
            return False
        _, last, common = self._evidence(lowers[-1])
        return last and not common

    def _features(
        self, text: str, start: int, end: int, words: list[str], ruled: tuple[int, int, str] | None
    ) -> list[str]:
        """The span model's features of one trimmed run (see `pii_span_model`): the rule's
        verdict, the run's own words (`_word_features`), the text around it, the words' make."""
        head, tail = self._word_features(tuple(words))
        before = text[max(0, start - 48) : start]
        after = text[end : end + 32]
        features = [f"r={ruled[2] if ruled else '-'}", *head]
        # the words around it on its own line: a line above or below is the line features' job
        # only function words and punctuation by name: any other word is "W" (its meaning
        # reaches the model through the cue patterns), so the model cannot learn the
        # templates' own wording
        features.append(_previous_word_feature(before[-24:].rsplit("\n", 1)[-1]))
        features.append(_next_word_feature(after))
        if "\n" in after[:3]:
            features.append("nl_after")
        line_start = text.rfind("\n", 0, start) + 1
        if not text[line_start:start].strip():
            features.append("line_start")
        if self._sentence_start(text, start):
            features.append("ss")
        if text.isupper() or (len(words) > 1 and all(w.isupper() for w in words)):
            features.append("caps")
        for name, regex in CUE_FEATURES:
            if _found_before(regex, before):
                features.append(name)
        if SPEECH_AFTER_RE.match(after):
            features.append("speech")
        if ORG_AFTER_RE.match(text, end):
            features.append("org_after")
        if NOT_PERSON_AFTER_RE.match(after):
            features.append("not_person_after")
        if BUSINESS_AFTER_RE.match(after):
            features.append("biz_after")
        if _found_before(BUSINESS_BEFORE_RE, before):
            features.append("biz_before")
        # the lines around it: a name or firm line sits above an address, a town line below one
        line_end = text.find("\n", end)
        if not text[end : line_end if line_end >= 0 else len(text)].strip(" \t,.>"):
            next_line = text[line_end + 1 : line_end + 40].lstrip(" \t>") if line_end >= 0 else ""
            features.append(f"next_line={_line_shape(next_line)}")
            features.append(f"nline={self._line_kind(next_line)}")
            if line_end >= 0 and not next_line[:1].isdigit():
                after_next = text.find("\n", line_end + 1)
                if after_next >= 0:
                    line = text[after_next + 1 : after_next + 40].lstrip(" \t>")
                    features.append(f"n2line={self._line_kind(line)}")
            previous_end = text.rfind("\n", 0, start)
            if previous_end >= 0:
                previous = text[text.rfind("\n", 0, previous_end) + 1 : previous_end]
                features.append(f"prev_line={_line_shape(previous.lstrip(' >'))}")
                features.append(f"pline={self._line_kind(previous.lstrip(' >'))}")
        features += tail
        return features

    def _word_features(self, words: tuple[str, ...]) -> tuple[list[str], list[str]]:
        """The features of the run's words alone, in `_features`' order: those that follow
        the rule's verdict, and those that close the list (how unknown words are made).
        Remembered per run of words (a pure function of them and the lexicons); the lists
        are shared: read them, do not change them."""
        memo = self._word_features_memo
        found = memo.get(words)
        if found is not None and not self.reference:
            return found
        lowers = [w.lower().rstrip(".").replace("\u2019", "'").removesuffix("'s") for w in words]
        population = self.places.get(" ".join(lowers), 0)
        features = [
            f"n={min(len(words), 4)}",
            f"w0={lowers[0]}",
            f"wl={lowers[-1]}",
            f"suf={lowers[-1][-3:]}",
            f"sh={'_'.join(_shape(w) for w in words[:4])}",
            f"pop={_bucket(population)}",
        ]
        features += [f"w={w}" for w in lowers]
        # evidence from the span itself, not its template: a GeoNames town of 500+ people, a
        # place-name ending ("Feysville", "Kurzenkirchen")
        if population < 10_000:  # lexicons.towns() raises when the list is missing
            if " ".join(lowers) in self.towns:
                features.append("town=run")
            elif any(w in self.towns for w in lowers):
                features.append("town=word")
            if lowers[0] in self.first and any(w in self.towns for w in lowers):
                features.append("town_given")  # "Sandra", "Chester": towns named like people
        if PLACE_SUFFIX_RE.search(lowers[-1]):
            features.append("place_suffix")
        codes = []
        for lower in lowers:
            first, last, common = self._evidence(lower)
            pop = self.places.get(lower, 0)
            code = f"{'f' if first else '-'}{'l' if last else '-'}{'c' if common else '-'}"
            code += "p" if pop >= 10_000 else "-"
            codes.append(code)
            features.append(f"e={code}")
        features += [f"e0={codes[0]}", f"el={codes[-1]}"]
        made = [feature for lower in lowers[:2] for feature in self._word_make(lower)]
        if len(memo) >= MEMO_LIMIT:
            memo.clear()
        found = memo[words] = (features, made)
        return found

    @staticmethod
    def _above_address(text: str, end: int, lowers: list[str]) -> bool:
        """The run is a whole line of words with no street word, and the next line starts with
        a number: the addressee's or firm's line above a street address, not part of it."""
        line_start = text.rfind("\n", 0, end) + 1
        line_end = text.find("\n", end)
        if line_end < 0 or text[end:line_end].strip(" \t,.") or lowers[-1] in STREET_END_WORDS:
            return False
        if any(c.isdigit() for c in text[line_start:line_end]):
            return False
        return text[line_end + 1 : line_end + 8].lstrip(" \t>")[:1].isdigit()

    def _line_kind(self, line: str) -> str:
        """A neighbouring line in a letter or signature block: an address line (starts with a
        digit), a person's name (a given name first, 2-4 words), a firm (an organisation word),
        other capitalised or lowercase text, or nothing."""
        line = line.split("\n", 1)[0].strip()
        if not line:
            return "none"
        if line[0].isdigit():
            return "digit"
        words = [w.lower().rstrip(".,") for w in line.split()[:5]]
        if any(w in ORG_WORDS for w in words):
            return "firm"
        if 2 <= len(words) <= 4 and line[0].isupper() and words[0] in self._uncommon_first:
            return "name"
        return "cap" if line[0].isupper() else "low"

    def _word_make(self, lower: str) -> list[str]:
        """How an unknown word is made: two dictionary words run together ("Brightpath"),
        a product-like ending ("Listify"): what invented company names look like."""
        if len(lower) < 7 or lower in self.common or lower in self.first or lower in self.last:
            return []
        made = [f"end4={lower[-4:]}"]
        common = self.common
        for cut in range(4, len(lower) - 3):
            if lower[:cut] in common and lower[cut:] in common:
                made.append("compound")
                break
        else:
            # half a word: "Thinknum", "Telenav", "Costquest" start or end with one
            if any(lower[:cut] in common for cut in range(len(lower) - 3, 3, -1)) or any(
                lower[cut:] in common for cut in range(3, len(lower) - 3)
            ):
                made.append("half_word")
        return made

    @staticmethod
    def _sentence_start(text: str, start: int) -> bool:
        """Nothing but blanks before `start`, or a sentence break as the last character before
        them (found without copying the text before `start`: runs late in long texts)."""
        end = start
        while end > 0 and text[end - 1] in " \t":
            end -= 1
        return end == 0 or text[end - 1] in _SENTENCE_BREAKS

    def _extend_lists(
        self, text: str, people: list[tuple[int, int]], lowercase: bool
    ) -> list[tuple[int, int]]:
        """One name found in "Kevin, Aaliyah and Marcus" makes its list mates names, both ways."""
        if not people:
            return people
        after_re, before_re = LIST_MATE_RES[lowercase]
        found = set(people)
        todo = list(people)
        while todo:
            start, end = todo.pop()
            neighbours = []
            match = after_re.match(text, end)
            if match:
                neighbours.append((match.start(1), match.end(1)))
            chunk = text[max(0, start - 40) : start]
            # the joiner ends the chunk (or precedes its one final newline, as `$` allows): a
            # comma or a joining word, then blanks; a cheap test that spares the search where
            # no list can precede the name
            tail = chunk[:-1] if chunk.endswith("\n") else chunk
            match = before_re.search(chunk) if tail.rstrip(" \t").endswith(LIST_ENDS) else None
            if match:
                offset = max(0, start - 40)
                neighbours.append((offset + match.start(1), offset + match.end(1)))
            for span in neighbours:
                lower = text[span[0] : span[1]].lower()
                if span in found or lower in FUNCTION_WORDS or lower in NAME_STOPWORDS:
                    continue
                if text[span[0] : span[1]] in SKIP_RUNS:
                    continue  # "Thanks, Sarah", "Signed, Temperance Blackwood": an opener
                if lower in ORG_WORDS or (
                    self.places.get(lower, 0) >= 100_000 and lower not in self.first
                ):
                    continue
                if lowercase and lower in self.common and lower not in self.first:
                    continue
                found.add(span)
                todo.append(span)
        return sorted(found)

    def _split_firms(
        self, text: str, people: list[tuple[int, int]]
    ) -> tuple[list[tuple[int, int]], list[EntitySpan]]:
        """Surname lists that are firms: "Lopez, Santos & Coleman Group", "Jones, Mitchell and
        Williams" (three surnames, no given name), "Weber-Santana" (two joined surnames)."""
        kept: list[tuple[int, int]] = []
        firms: list[EntitySpan] = []
        group: list[tuple[int, int]] = []
        for index, span in enumerate(people):
            group.append(span)
            nxt = people[index + 1] if index + 1 < len(people) else None
            if nxt is not None:
                gap = text[span[1] : nxt[0]]
                if gap.strip() in LIST_JOINERS and "\n" not in gap:
                    continue  # the list goes on
            names = [text[s:e] for s, e in group]
            parts = [part.lower() for name in names for part in name.split("-")]
            evidence = [self._evidence(part) for part in parts]
            surnames_only = all(" " not in name for name in names) and not any(
                first and not last for first, last, _ in evidence
            )
            hyphen_pair = len(group) == 1 and names[0].count("-") == 1 and surnames_only
            tail = FIRM_AFTER_RE.match(text[group[-1][1] : group[-1][1] + 48])
            if tail:
                firms.append(EntitySpan(group[0][0], group[-1][1] + tail.end(), "ORGANIZATION"))
            elif ((len(group) >= 3 and surnames_only) or hyphen_pair) and (
                ORG_CUE_RE.search(text[max(0, group[0][0] - 40) : group[0][0]])
                or not BEFORE_LIST_PERSON_RE.search(text[max(0, group[0][0] - 40) : group[0][0]])
            ):
                firms.append(EntitySpan(group[0][0], group[-1][1], "ORGANIZATION"))
            else:
                kept += group
            group = []
        return kept, firms

    # -- Chinese -------------------------------------------------------------------------------
    def _chinese(self, text: str) -> list[EntitySpan]:
        spans = [
            EntitySpan(m.start(1), m.end(1), "PERSON") for m in CHINESE_TITLE_NAME_RE.finditer(text)
        ]
        for m in CHINESE_NAME_CUE_RE.finditer(text):
            end = m.end(1)
            if end - m.start(1) == 3 and text[end - 1] in CHINESE_NAME_STOP_CHARS:
                end -= 1  # "李强每天": a one-character given name, then 每天
            spans.append(EntitySpan(m.start(1), end, "PERSON"))
        for regex, kind in (
            (CHINESE_ADDRESS_RE, "ADDRESS"),
            (CHINESE_REGION_RE, "LOCATION"),
            (CHINESE_ORG_RE, "ORGANIZATION"),
        ):
            for m in regex.finditer(text):
                start = m.start()
                while start < m.end() and text[start] in CHINESE_STOP_CHARS:
                    start += 1
                if m.end() - start >= 2:
                    spans.append(EntitySpan(start, m.end(), kind))
        if self.chinese_places:
            spans += [
                EntitySpan(m.start(), m.end(), "LOCATION")
                for m in self._chinese_place_re.finditer(text)
            ]
        return spans
