"""PII detection and redaction: typed placeholders, counts per type, offline and rule-based.

Structured kinds (email, phone, SSN, Luhn-valid card, IP, personal-handle URL) are regular
expressions with validity checks, phone numbers also libphonenumber's matcher (`phonenumbers`)
with region hints; street addresses are number + street-word patterns; person
names are capitalized runs checked against name lexicons (see `lexicons`) plus context cues
("my name is", "Dr.", "Dear"). Evaluated on presidio-synth: `pixel-data eval scorers --only pii`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import phonenumbers
from phonenumbers import Leniency

from python_models.scoring import lexicons

VALID = Leniency.VALID

KINDS = ("EMAIL", "URL", "IP_ADDRESS", "SSN", "CREDIT_CARD", "ADDRESS", "PHONE", "PERSON")
"""Placeholder types in priority order: an earlier kind wins an overlap."""

STRUCTURED_KINDS = ("EMAIL", "PHONE", "SSN", "CREDIT_CARD")
"""Kinds that must never reach a non-edge-case export unredacted (a dbt gate checks them)."""


def placeholder(kind: str) -> str:
    return f"[{kind}]"


@dataclass(frozen=True, order=True)
class PiiSpan:
    start: int
    end: int
    kind: str


PHONE_REGIONS = ("US", "GB", "IN", "AU", "DE", "FR")
"""Region hints for national-format numbers ("+" numbers are found whatever the hint): the
English-speaking countries most counselling text comes from (US also covers Canada and the rest
of the North American plan), then the two largest European plans whose layouts the regex misses
("0221/123456", "+49(0)5555/12345")."""


@dataclass(frozen=True)
class PiiConfig:
    """What to look for; names and addresses are the fuzzy (and slowest) kinds."""

    detect_names: bool = True
    detect_addresses: bool = True
    kinds: tuple[str, ...] = KINDS
    phone_regions: tuple[str, ...] = PHONE_REGIONS


EMAIL_RE = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b"
)
SOCIAL_URL_RE = re.compile(
    r"(?i)\b(?:https?://)?(?:www\.|m\.)?"
    r"(?:twitter\.com|x\.com|facebook\.com|fb\.com|instagram\.com|linkedin\.com/in|github\.com|"
    r"reddit\.com/(?:u|user)|tiktok\.com|youtube\.com|medium\.com|t\.me|snapchat\.com/add|"
    r"pinterest\.com|tumblr\.com|twitch\.tv|onlyfans\.com|vk\.com)"
    r"/@?[A-Za-z0-9_.-]{2,}[^\s)\]>\"']*"
)
HANDLE_RE = re.compile(r"(?<![\w/])(?:/?u/[A-Za-z0-9_-]{3,20})\b")
IPV4_RE = re.compile(
    r"(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\w.]\d)"
)
IPV6_RE = re.compile(
    r"(?<![\w:])(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}(?![\w:])"
    r"|(?<![\w:])(?:[0-9A-Fa-f]{1,4}:){1,6}:(?:[0-9A-Fa-f]{1,4}:){0,5}[0-9A-Fa-f]{1,4}(?![\w:])"
)
SSN_RE = re.compile(r"(?<![\w-])(\d{3})([- ])(\d{2})\2(\d{4})(?![\w-])")
SSN_CONTEXT_RE = re.compile(r"(?i)\b(?:ssn|social security(?: number| no\.?)?)\D{0,20}(\d{9})\b")
CARD_RE = re.compile(r"(?<![\w-])\d(?:[ -]?\d){11,18}(?![\w-])")
PHONE_RE = re.compile(
    r"(?<![\w+.-])"
    r"(?:\+\d{1,3}[\s.-]?|\d\s(?=\())?"  # country code, or a trunk digit: "8 (495) ..."
    r"(?:\(0\)\s?)?"  # the "(0)" of European numbers
    r"(?:\(\d{1,5}\)[\s.-]?)?"  # area code in parentheses
    r"\d{1,12}(?:[\s.-]\d{2,8}){0,5}"  # a one-digit area code: "+33 (0)1 23 ..", "+81 3-1234-"
    r"(?:\s?(?:x|ext\.?|extension)\s?\d{1,6})?"
    r"(?![\w-]|\.\d)"
)
PHONE_CONTEXT_RE = re.compile(
    r"(?i)\b(?:phone|call|calls|mobile|cell|tel|telephone|fax|desk|text|sms|whatsapp|dial|"
    r"ring|reach|contact|number|no\.?|#)\b"
)
TOLL_FREE_PREFIXES = ("800", "833", "844", "855", "866", "877", "888")
"""North American toll-free codes: helplines and businesses, never a person's line."""


def public_service_number(digits: str) -> bool:
    """A toll-free or public helpline number (1-800-273-8255, 0800 1111, 116 123): not PII.

    Crisis resources in counsellor replies must survive redaction.
    """
    national = digits[1:] if len(digits) == 11 and digits.startswith("1") else digits
    if len(national) == 10 and national.startswith(TOLL_FREE_PREFIXES):
        return True
    # UK freephone, and 0300: reserved to public bodies and charities (Mind: 0300 123 3393)
    uk = ("0800", "0808", "0300", "44800", "44808", "44300")
    return digits.startswith(uk) or digits in ("116123", "116111")


DATE_LIKE_RE = re.compile(
    r"^(?:\d{1,4}[./-]\d{1,2}[./-]\d{1,4}|\d{1,2}\s\d{1,2}\s(?:19|20)\d\d"
    r"|(?:19|20)\d\d(?:\s*[\s/\u2013-]\s*(?:19|20)\d\d)*)$"
)
DATE_INSIDE_RE = re.compile(r"\d{4}-\d\d-\d\d|\d\d[./-]\d\d[./-]\d{4}\s")
PHONE_RUN_RE = re.compile(r"\d(?:[\s().\-/]{0,3}\d){6,}")
"""Digits with short separators between: a run of 7-15 is worth libphonenumber's matcher."""


def _has_phone_run(text: str) -> bool:
    """The cheap prefilter before the matcher: card numbers (16 digits) and shorter runs fail."""
    return any(7 <= len(_digits(m.group())) <= 15 for m in PHONE_RUN_RE.finditer(text))


def _phone_digits(candidate: str) -> str:
    """The digits of a phone number, its extension ("x459", "ext. 12") left out."""
    return _digits(re.split(r"(?i)x|ext", candidate)[0])


def _plausible_phone(candidate: str, digits: str) -> bool:
    """7-15 digits (E.164), not a date or a run of years, not a toll-free or public helpline."""
    if not 7 <= len(digits) <= 15 or DATE_LIKE_RE.match(candidate):
        return False
    if DATE_INSIDE_RE.search(candidate):
        return False  # a date, maybe with a time after it
    # a helpline, not a person's number: crisis resources stay
    return not public_service_number(digits)


STREET_WORDS = (
    "street|st|avenue|ave|road|rd|drive|dr|lane|ln|boulevard|blvd|way|court|ct|place|pl|"
    "terrace|ter|circle|cir|highway|hwy|parkway|pkwy|square|sq|trail|trl|crescent|close|"
    "alley|row|plaza|point|points|park|ridge|hill|hills|heights|view|walk|grove|gardens|mews|"
    "loop|pike|run|crossing|junction|station|island|islands|port|mount|mountain|valley|"
    "springs|spring|fork|forks|ville|burg|falls|ford|fort|harbor|haven|meadow|meadows|"
    "mill|mills|creek|river|shore|shores|stream|summit|track|turnpike|union|vista|village"
)
ADDRESS_RE = re.compile(
    r"(?<![\w#.-])\d{1,6}[A-Za-z]?(?:\s+\d{1,5})?\s+"
    r"(?:(?:[NSEW]|North|South|East|West)\.?\s+)?"
    r"(?:[A-Z][\w'\u2019.-]*\s+){0,3}"
    rf"(?i:{STREET_WORDS})\b\.?"
    r"(?:\s*,?\s*(?:(?i:apt|apartment|suite|ste|unit|#)\.?\s*#?\s*\w{1,6}))?"
)
ADDRESS_FOREIGN_RE = re.compile(
    # "6750 Koskikatu 25 Apt. 864", "29 Rue de Tanger": number, capitalized name, number or unit
    r"(?<![\w#.-])\d{1,6}\s+(?:[A-Z][\w'\u2019.-]+\s+){1,3}(?:\d{1,5}\b\s*)?"
    r"(?i:apt|suite|unit)\.?\s*\d{1,6}"
    r"|(?<![\w#.-])\d{1,5}\s+(?i:rue|calle|via|avenida|rua|chemin|strasse|straße|ulica|ul\.)\s+"
    r"(?:[\w'\u2019-]+\s+){0,2}[A-Z][\w'\u2019-]+"
)
UNIT_RE = re.compile(r"(?<![\w])(?i:apt|apartment|suite|ste|unit)\.?\s*#?\s*\d{1,6}[A-Za-z]?\b")
PO_BOX_RE = re.compile(
    r"(?i)\bp\.?\s?o\.?\s?box\s+\d{1,7}\b"
    r"|\b(?:PSC|Unit|CMR)\s+\d{1,5},?\s+Box\s+\d{1,5}\b"
    r"|\b(?:APO|FPO|DPO)\s+(?:AA|AE|AP)\s+\d{5}\b"
    r"|\b(?:USNS|USNV|USS|USCGC)\s+[A-Z][\w'-]+"
)

SENTENCE_BREAKS = frozenset('.!?:;"\u201c\u201d(>\n*-\u2022')
DIGIT_RE = re.compile(r"\d")
WORD_RE = re.compile(r"[^\W\d_](?:[^\W\d_]|['\u2019-](?=[^\W\d_]))*\.?")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


NAME_TITLES = _words("mr mrs ms miss mx dr prof sir madam dame rev fr")
FUNCTION_WORDS = _words(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself yourselves
    also always am another anyone anything back even ever every everyone everything first get
    got going good great hi hello hey however i'm i've i'll i'd it's let like maybe much must
    never new next nothing oh ok okay one people please really right since still sure thank
    thanks that's there's today tomorrow us well yes yesterday yet sorry dear love best
    regards sincerely cheers unlike during meet meet call ask tell said says mine"""
)
NAME_STOPWORDS = _words(
    """god jesus christ lord allah buddha january february march april may june july august
    september october november december monday tuesday wednesday thursday friday saturday
    sunday christmas easter reddit facebook google twitter instagram youtube tiktok english
    american british user bot assistant therapist counselor client patient seeker ptsd adhd
    ocd bpd covid mobile desk fax phone email address street road avenue suite apt"""
)
PLACES = _words(
    """afghanistan albania algeria andorra angola argentina armenia australia austria azerbaijan
    bahamas bahrain bangladesh barbados belarus belgium belize benin bhutan bolivia bosnia
    botswana brazil brunei bulgaria burundi cambodia cameroon canada chad chile china colombia
    comoros congo croatia cuba cyprus czech czechia denmark djibouti dominica ecuador egypt
    england eritrea estonia eswatini ethiopia fiji finland france gabon gambia georgia germany
    ghana greece greenland grenada guatemala guinea guyana haiti honduras hungary iceland india
    indonesia iran iraq ireland israel italy jamaica japan jordan kazakhstan kenya kiribati
    korea kosovo kuwait kyrgyzstan laos latvia lebanon lesotho liberia libya liechtenstein
    lithuania luxembourg madagascar malawi malaysia maldives mali malta mauritania mauritius
    mexico micronesia moldova monaco mongolia montenegro morocco mozambique myanmar namibia
    nauru nepal netherlands nicaragua niger nigeria norway oman pakistan palau palestine panama
    paraguay peru philippines poland portugal qatar romania russia rwanda samoa senegal serbia
    seychelles singapore slovakia slovenia somalia spain sudan suriname sweden switzerland
    syria taiwan tajikistan tanzania thailand togo tonga tunisia turkey turkmenistan tuvalu
    uganda ukraine uruguay uzbekistan vanuatu vatican venezuela vietnam wales yemen zambia
    zimbabwe scotland europe africa asia america states kingdom emirates zealand arabia
    london paris berlin madrid rome tokyo sydney toronto chicago houston dallas boston
    seattle denver atlanta miami phoenix austin detroit california texas florida york
    angeles francisco diego vegas jersey carolina dakota virginia washington los las
    alabama alaska arizona arkansas colorado connecticut delaware hawaii idaho illinois
    indiana iowa kansas kentucky louisiana maryland massachusetts michigan minnesota
    mississippi missouri nebraska nevada ohio oklahoma oregon pennsylvania tennessee utah
    vermont wisconsin wyoming alberta ontario quebec manitoba saskatchewan vancouver montreal
    calgary ottawa edmonton winnipeg queensland tasmania melbourne brisbane adelaide auckland
    dublin manchester birmingham liverpool glasgow edinburgh mumbai delhi bangalore chennai
    kolkata hyderabad"""
)
ORG_WORDS = _words(
    """inc inc. llc ltd corp corporation company co group investments lines consulting
    solutions technologies technology bank partners associates holdings systems labs media
    foundation university college school schools hospital clinic church agency services
    international industries enterprises capital ventures networks software airlines motors
    stanley hathaway insurance trust council committee department ministry police"""
)
FIRM_AFTER_RE = re.compile(
    # after the last name found, maybe one more list item that was not: "... and Armstrong LLC"
    r"^(?:[ \t]*(?:,|,?[ \t]*and|&)[ \t]+[A-Z][\w'\u2019-]*)?"
    r",?[ \t]*(?:(?=[A-Z])(?i:inc|llc|llp|lp|pllc|ltd|plc|corp|corporation|co|company|group|"
    r"partners|associates|holdings|gmbh|ag|sa)|(?:&|and) Sons)(?![\w-])"
)
"""A legal form or firm word right after a name list: "Glover, Ruiz and Armstrong LLC"."""
SURNAME_SUFFIX_RE = re.compile(
    r"(?:ov|ova|ev|eva|ovich|evich|ovna|evna|sson|ssen|sen|dóttir|dottir|ić|ič|vić|ski|ska|"
    r"sky|cki|cka|wicz|escu|enko|chuk|yan|ian|idis|poulos|akis|oglu|oğlu|ez|es|inen|nen|"
    r"berg|mann|stein|baum|feld|ardt|etti|elli|ini|ucci|ato|ero|illo|agi|shvili|dze)$"
)
LIST_JOINERS = frozenset({",", "and", ", and", "&", "or"})
CUE_BEFORE_RE = re.compile(
    r"(?i)(?:\bsaid|\btold|\basked|\bwith|\bto|\band|\bunder|\bby|\bmeet|\bmet)\s*[:,]?\s*$"
)
AFTER_NAME_NOT_PERSON_RE = re.compile(
    r"^[ \t]*(?:street|st|avenue|ave|road|rd|drive|lane|ln|boulevard|blvd|court|ct|place|"
    r"terrace|square|sq|crescent|plaza|highway|hwy|inc|llc|ltd|corp|co)\b\.?"
)
GREETING_CUE_RE = re.compile(
    r"(?i)(?:\bdear|\bhi|\bhello|\bhey|\bthanks|\bthank you|\bsincerely|\bregards|"
    r"\bcheers|\bsaid|\btold|\basked|\bchange it to)\s*[:,]?\s*$"
)
LOCATION_BEFORE_RE = re.compile(
    r"(?i)(?:\bin|\bfrom|\bat|\bnear|\bto|\bof|\bvisit|\bvisited|\d)\s*,?\s*$"
)
TITLE_CUE_RE = re.compile(r"(?i)\b(?:mr|mrs|ms|miss|mx|dr|prof)\.?\s*$")
STRONG_CUE_RE = re.compile(
    r"(?i)(?:\bmy name is|\bmy name's|\bname is|\bname was|\bnamed|\bcalls? me|\bcalled me|"
    r"\blast name\??|\bfirst name\??|\bi am called|\bgoes by)\s*[:,]?\s*$"
)
_MAY_CUE_RE = re.compile(r"(?i)name|call|goes by")  # cheap pre-check for STRONG_CUE_RE
SPEECH_AFTER_RE = re.compile(
    r"^\s*(?:said|says|told|asked|replied|wrote|explained|shouted|spent|began|went|came|"
    r"called|is a|was a|had|has|will be|'s)\b",
    re.IGNORECASE,
)


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _digits(text: str) -> str:
    return "".join(char for char in text if char.isdigit())


@dataclass
class _Token:
    text: str
    start: int
    end: int
    sentence_start: bool

    @property
    def bare(self) -> str:
        bare = self.text.rstrip(".").replace("\u2019", "'")
        return bare[:-2] if bare.endswith("'s") else bare

    @property
    def lower(self) -> str:
        return self.bare.lower()

    @property
    def is_capitalized(self) -> bool:
        bare = self.bare
        return bool(bare) and bare[0].isupper() and (len(bare) == 1 or not bare[1:].isupper())

    @property
    def is_initial(self) -> bool:
        return len(self.bare) == 1 and self.bare.isupper()


@dataclass
class PiiDetector:
    """Finds PII spans in text and replaces them with typed placeholders."""

    config: PiiConfig = field(default_factory=PiiConfig)

    def __post_init__(self) -> None:
        if self.config.detect_names:
            self._first = lexicons.first_names()
            self._last = lexicons.surnames()
            self._common = lexicons.common_words()

    # -- structured kinds -------------------------------------------------------------------
    def _structured(self, text: str) -> list[PiiSpan]:
        spans: list[PiiSpan] = []
        kinds = self.config.kinds
        if "EMAIL" in kinds and "@" in text:
            spans += [PiiSpan(m.start(), m.end(), "EMAIL") for m in EMAIL_RE.finditer(text)]
        if "URL" in kinds:
            spans += [
                PiiSpan(m.start(), m.end(), "URL")
                for regex in (SOCIAL_URL_RE, HANDLE_RE)
                for m in regex.finditer(text)
            ]
        if not DIGIT_RE.search(text):
            return spans
        if "IP_ADDRESS" in kinds:
            spans += [
                PiiSpan(m.start(), m.end(), "IP_ADDRESS")
                for regex in (IPV4_RE, IPV6_RE)
                for m in regex.finditer(text)
            ]
        if "SSN" in kinds:
            for m in SSN_RE.finditer(text):
                area, group, serial = m.group(1), m.group(3), m.group(4)
                if area not in {"000", "666"} and group != "00" and serial != "0000":
                    spans.append(PiiSpan(m.start(), m.end(), "SSN"))
            spans += [PiiSpan(m.start(1), m.end(1), "SSN") for m in SSN_CONTEXT_RE.finditer(text)]
        if "CREDIT_CARD" in kinds:
            for m in CARD_RE.finditer(text):
                digits = _digits(m.group())
                if 12 <= len(digits) <= 19 and luhn_valid(digits):
                    spans.append(PiiSpan(m.start(), m.end(), "CREDIT_CARD"))
        if "PHONE" in kinds:
            spans += self._phones(text)
        if "ADDRESS" in kinds and self.config.detect_addresses:
            spans += [
                PiiSpan(m.start(), m.end(), "ADDRESS")
                for regex in (ADDRESS_RE, ADDRESS_FOREIGN_RE, UNIT_RE, PO_BOX_RE)
                for m in regex.finditer(text)
            ]
        return spans

    def _phones(self, text: str) -> list[PiiSpan]:
        """The phone regex, plus libphonenumber's matcher on text with a long enough digit run.

        The two overlap on most numbers; `detect` keeps the longest of overlapping spans.
        """
        spans: list[PiiSpan] = []
        for m in PHONE_RE.finditer(text):
            candidate = m.group().strip()
            digits = _phone_digits(candidate)
            if not _plausible_phone(candidate, digits):
                continue
            groups = len(re.findall(r"\d+", candidate))
            strong = "+" in candidate or "(" in candidate or groups >= 3 or len(digits) >= 10
            if not strong:
                # "450 0840", "481195160": a phone only when the text says so
                context = text[max(0, m.start() - 40) : m.start()]
                if not PHONE_CONTEXT_RE.search(context):
                    continue
            spans.append(PiiSpan(m.start(), m.start() + len(candidate), "PHONE"))
        if self.config.phone_regions and _has_phone_run(text):
            # a number valid in a hinted region's numbering plan needs no phone word nearby
            found: set[tuple[int, int]] = set()
            for region in self.config.phone_regions:
                for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=VALID):
                    if _plausible_phone(match.raw_string, _phone_digits(match.raw_string)):
                        found.add((match.start, match.end))
            spans += [PiiSpan(start, end, "PHONE") for start, end in sorted(found)]
        return spans

    # -- person names -----------------------------------------------------------------------
    def _tokens(self, text: str) -> list[_Token]:
        tokens: list[_Token] = []
        previous_end = 0
        for m in WORD_RE.finditer(text):
            # the last non-blank character before the token (in the gap or ending the last token)
            gap = text[previous_end : m.start()].rstrip(" \t")
            if gap:
                last = gap[-1]
            elif tokens:
                last = tokens[-1].text[-1]
            else:
                last = ""
            sentence_start = not last or last in SENTENCE_BREAKS
            tokens.append(_Token(m.group(), m.start(), m.end(), sentence_start))
            previous_end = m.end()
        return tokens

    def _evidence(self, token: _Token) -> tuple[bool, bool, bool]:
        """(first name, surname, common English word) for one token."""
        lower = token.lower
        if lower in FUNCTION_WORDS or lower in NAME_STOPWORDS or lower in PLACES:
            return False, False, True
        first = lower in self._first
        last = lower in self._last or (
            len(lower) > 4 and bool(SURNAME_SUFFIX_RE.search(lower)) and lower not in self._common
        )
        return first, last, lower in self._common

    def _persons(self, text: str) -> list[PiiSpan]:
        tokens = self._tokens(text)
        lowercase_text = text == text.lower()
        found: list[tuple[int, int]] = []  # token index ranges judged to be a person
        index = 0
        while index < len(tokens):
            token = tokens[index]
            window = text[max(0, token.start - 24) : token.start]
            capitalized = token.is_capitalized
            if not (capitalized or lowercase_text) and not _MAY_CUE_RE.search(window):
                index += 1
                continue
            strong_cue = bool(STRONG_CUE_RE.search(window))
            candidate = capitalized or strong_cue or lowercase_text
            if not candidate or token.lower in FUNCTION_WORDS or token.lower in NAME_STOPWORDS:
                index += 1
                continue
            run = [index]
            while len(run) < 4 and run[-1] + 1 < len(tokens):
                nxt = tokens[run[-1] + 1]
                gap = text[tokens[run[-1]].end : nxt.start]
                joined = gap in {" ", "-"} or (tokens[run[-1]].text.endswith(".") and gap == "")
                name_like = nxt.is_capitalized or (
                    (strong_cue or lowercase_text) and any(self._evidence(nxt)[:2])
                )
                if not joined or not name_like or nxt.lower in FUNCTION_WORDS:
                    break
                run.append(run[-1] + 1)
            judged = self._judge_run(tokens, run, text, window, strong_cue, lowercase_text)
            if judged is not None:
                found.append(judged)
            index = run[-1] + 1
        found = self._drop_firms(tokens, self._extend_lists(tokens, found, text), text)
        spans = []
        for first_index, last_index in found:
            end_token = tokens[last_index]
            end = end_token.end
            if end_token.text.endswith(".") and not end_token.is_initial:
                end -= 1
            spans.append(PiiSpan(tokens[first_index].start, end, "PERSON"))
        return spans

    def _judge_run(
        self,
        tokens: list[_Token],
        run: list[int],
        text: str,
        window: str,
        strong_cue: bool,
        lowercase_text: bool,
    ) -> tuple[int, int] | None:
        titled = bool(TITLE_CUE_RE.search(window))
        while run and (tokens[run[0]].lower in NAME_TITLES or self._noise(tokens[run[0]])):
            titled = titled or tokens[run[0]].lower in NAME_TITLES
            run = run[1:]
        while run and self._noise(tokens[run[-1]]) and not tokens[run[-1]].is_initial:
            run = run[:-1]
        if not run or all(tokens[i].is_initial for i in run):
            return None
        if any(tokens[i].lower in ORG_WORDS for i in run):
            return None
        after = text[tokens[run[-1]].end : tokens[run[-1]].end + 12].lower()
        if AFTER_NAME_NOT_PERSON_RE.match(after):
            return None
        if re.match(r"^[ \t]*,?[ \t]*\d", text[tokens[run[-1]].end :][:6]):
            return None  # "Jana Nerudy 894", "Kuusiku 7": a street name and its number
        evidence = [self._evidence(tokens[i]) for i in run]
        first_any = any(f for f, _, _ in evidence)
        last_any = any(last for _, last, _ in evidence)
        strong_first = any(f and not c for f, _, c in evidence)
        uncommon_name = any((f or last) and not c for f, last, c in evidence)
        sentence_start = tokens[run[0]].sentence_start
        cue = bool(CUE_BEFORE_RE.search(window))
        greeting = bool(GREETING_CUE_RE.search(window))
        location = bool(LOCATION_BEFORE_RE.search(window))
        speech = bool(SPEECH_AFTER_RE.match(text[tokens[run[-1]].end :][:20]))
        if lowercase_text and not (strong_cue or titled):
            # no capitals to go by: only unambiguous given names
            is_person = strong_first and not evidence[0][2]
        elif strong_cue or titled or (greeting and tokens[run[0]].is_capitalized):
            is_person = True
        elif len(run) >= 2:
            # "Will Smith", "Valida M. Ibragimov"; not "Labor Day", "Border Force"
            unknown_any = any(not (f or last or c) for f, last, c in evidence)
            is_person = (first_any and (uncommon_name or unknown_any or not evidence[0][2])) or (
                last_any and uncommon_name and not sentence_start
            )
            if location and not (evidence[0][0] and not evidence[0][2]):
                is_person = False
        else:
            only = evidence[0]
            if location and not cue:
                is_person = only[0] and not only[2] and not only[1]
            elif sentence_start:
                unknown = not (only[0] or only[1] or only[2])
                is_person = (only[0] and not only[2]) or ((uncommon_name or unknown) and speech)
            else:
                is_person = (only[0] and (not only[2] or cue or speech)) or (
                    only[1] and not only[2]
                )
        return (run[0], run[-1]) if is_person else None

    def _noise(self, token: _Token) -> bool:
        first, last, common = self._evidence(token)
        return common and not first and not last

    def _extend_lists(
        self, tokens: list[_Token], found: list[tuple[int, int]], text: str
    ) -> list[tuple[int, int]]:
        """In "Kónya, Becker and Vasquez", one name found makes its capitalized list mates names."""
        if not found:
            return found
        taken = {i for first, last in found for i in range(first, last + 1)}
        extra: list[tuple[int, int]] = []
        for first, last in found:
            for step in (-1, 1):
                edge = first if step < 0 else last
                while 0 <= edge + step < len(tokens):
                    neighbour = tokens[edge + step]
                    left, right = (
                        (neighbour, tokens[edge]) if step < 0 else (tokens[edge], neighbour)
                    )
                    gap = text[left.end : right.start]
                    if gap.strip() not in LIST_JOINERS or "\n" in gap:
                        break
                    if edge + step in taken or not neighbour.is_capitalized:
                        break
                    lower = neighbour.lower
                    if lower in FUNCTION_WORDS or lower in PLACES or lower in ORG_WORDS:
                        break
                    extra.append((edge + step, edge + step))
                    taken.add(edge + step)
                    edge += step
        return sorted(found + extra)

    def _drop_firms(
        self, tokens: list[_Token], found: list[tuple[int, int]], text: str
    ) -> list[tuple[int, int]]:
        """Names in a list ("Lopez, Santos & Coleman") that a firm word follows are a firm."""
        kept: list[tuple[int, int]] = []
        group: list[tuple[int, int]] = []
        for index, span in enumerate(found):
            group.append(span)
            nxt = found[index + 1] if index + 1 < len(found) else None
            if nxt is not None:
                gap = text[tokens[span[1]].end : tokens[nxt[0]].start]
                if gap.strip() in LIST_JOINERS and "\n" not in gap:
                    continue  # the list goes on
            if not FIRM_AFTER_RE.match(text[tokens[span[1]].end :][:48]):
                kept += group
            group = []
        return kept

    # -- public API -------------------------------------------------------------------------
    def detect(self, text: str) -> list[PiiSpan]:
        """Non-overlapping PII spans, earlier kinds in `KINDS` winning overlaps."""
        candidates = self._structured(text)
        if self.config.detect_names and "PERSON" in self.config.kinds:
            candidates += self._persons(text)
        priority = {kind: rank for rank, kind in enumerate(KINDS)}
        chosen: list[PiiSpan] = []
        for span in sorted(candidates, key=lambda s: (priority[s.kind], s.start - s.end)):
            if all(span.end <= kept.start or span.start >= kept.end for kept in chosen):
                chosen.append(span)
        return sorted(chosen)

    def redact(self, text: str) -> tuple[str, Counter[str]]:
        """The text with every span replaced by its placeholder, and the count per kind."""
        spans = self.detect(text)
        counts: Counter[str] = Counter(span.kind for span in spans)
        if not spans:
            return text, counts
        pieces: list[str] = []
        cursor = 0
        for span in spans:
            pieces.append(text[cursor : span.start])
            pieces.append(placeholder(span.kind))
            cursor = span.end
        pieces.append(text[cursor:])
        return "".join(pieces), counts

    def redact_messages(
        self, messages: Sequence[Mapping[str, str]]
    ) -> tuple[list[dict[str, str]], Counter[str]]:
        """Every message's content redacted (roles kept), and the counts over all of them."""
        counts: Counter[str] = Counter()
        redacted = []
        for message in messages:
            content, found = self.redact(message.get("content") or "")
            counts.update(found)
            redacted.append({"role": message["role"], "content": content})
        return redacted, counts
