"""PII detection and redaction: typed placeholders, counts per type, offline.

Structured kinds are regular expressions with validity checks: email, URL, social handles and
messenger IDs, IP, IBAN (mod-97, `python-stdnum`), SSN, national and health IDs (Chinese
resident ID and NHS number, both with their check digit), Luhn-valid cards, driver's licences
after a licence cue, phone numbers (also libphonenumber's matcher with region hints, and Chinese
mobiles), full dates (a date of birth when a birth word comes before), ages said about a person,
street addresses (numbered, ordinal, unnumbered, Spanish/French/Italian/Portuguese/German and
Chinese layouts) and postcodes. Names, organisations and places are capitalised runs (and
lowercase names after a relationship word) judged against gazetteers: see `pii_entities`.
Evaluated on presidio-synth and a written counselling set: `pixel-data eval scorers --only pii`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

import phonenumbers
from phonenumbers import Leniency
from stdnum import iban as stdnum_iban
from stdnum.cn import ric as stdnum_cn_ric
from stdnum.gb import nhs as stdnum_nhs

from python_models.scoring import lexicons
from python_models.scoring.caseless import AnyPrefilter
from python_models.scoring.pii_entities import (
    ENTITY_TRIGGERS,
    FUNCTION_WORDS,
    UP,
    EntityFinder,
    Triggers,
    _triggers,
    postcode_after,
)

VALID = Leniency.VALID

KINDS = (
    "EMAIL",
    "URL",
    "HANDLE",
    "IP_ADDRESS",
    "IBAN",
    "NATIONAL_ID",
    "SSN",
    "CREDIT_CARD",
    "DRIVER_LICENSE",
    "DATE_OF_BIRTH",
    "DATE",
    "ADDRESS",
    "PHONE",
    "ORGANIZATION",
    "LOCATION",
    "AGE",
    "PERSON",
)
"""Placeholder types in priority order: an earlier kind wins an overlap."""

STRUCTURED_KINDS = ("EMAIL", "PHONE", "SSN", "CREDIT_CARD", "IBAN", "NATIONAL_ID", "IP_ADDRESS")
"""Kinds that must never reach a non-edge-case export unredacted (a dbt gate checks them)."""

ENTITY_KINDS = frozenset({"PERSON", "ORGANIZATION", "LOCATION"})
"""Kinds the name finder makes (it also finds unnumbered streets, ADDRESS)."""


def placeholder(kind: str) -> str:
    return f"[{kind}]"


@dataclass(frozen=True, order=True)
class PiiSpan:
    start: int
    end: int
    kind: str


PHONE_REGIONS = ("US", "GB", "IN", "AU", "DE", "FR", "ES")
"""Region hints for national-format numbers ("+" numbers are found whatever the hint): the
English-speaking countries most counselling text comes from (US also covers Canada and the rest
of the North American plan), then the two largest European plans whose layouts the regex misses
("0221/123456", "+49(0)5555/12345"), then Spain for the lake's Spanish ("612345678", no phone
word). French and Chinese numbers: FR above; Chinese mobiles have their own pattern."""


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
SSN_RE = re.compile(r"(?=\d)(?<![\w-])(\d{3})([- ])(\d{2})\2(\d{4})(?![\w-])")
SSN_CONTEXT_RE = re.compile(r"(?i)\b(?:ssn|social security(?: number| no\.?)?)\D{0,20}(\d{9})\b")
CARD_RE = re.compile(r"\d(?<![\w+-]\d)(?:[ -]?\d){11,18}(?![\w-])")
"""12-19 digits; never after "+" (that is a phone's country code)."""
PHONE_RE = re.compile(
    r"(?<![\w+.-])"
    r"(?:\+\d{1,3}[\s.-]?|\d\s(?=\())?"  # country code, or a trunk digit: "8 (495) ..."
    r"(?:\(0\)\s?)?"  # the "(0)" of European numbers
    r"(?:\(\d{1,5}\)[\s.-]?)?"  # area code in parentheses
    r"\d{1,12}(?:[\s.-]\d{2,8}){0,5}"  # a one-digit area code: "+33 (0)1 23 ..", "+81 3-1234-"
    r"(?:\s?(?:x|ext\.?|extension)\s?\d{1,6})?"
    r"(?!\w|-(?![A-Za-z]{2,}\b)|\.\d)"  # "555-0100-Desk" ends at the number; "-12", "-A1": an ID
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


def _has_uncovered_phone_run(text: str, spans: list[PiiSpan]) -> bool:
    """The cheap prefilter before the matcher: a run of 7+ digits that no span found so far
    (the phone regex, a date, a card) covers. No upper bound: the run glues neighbouring numbers
    ("Box 44085 0490 39 07 81" is one run of 15), and the matcher splits them again."""
    for m in PHONE_RUN_RE.finditer(text):
        if len(_digits(m.group())) >= 7 and not any(
            span.start <= m.start() and m.end() <= span.end for span in spans
        ):
            return True
    return False


GLUE_RE = re.compile(r"[\s,;:]*")
WHITESPACE_RE = re.compile(r"\s+")


def _phone_after(text: str, span: PiiSpan, chosen: list[PiiSpan]) -> PiiSpan | None:
    """A phone span that lost an overlap at its start ("AE 44085 0490 39 07 81": the postcode
    went to the address, the regex glued it to the number) cut to what follows the kept span,
    when that is still a plausible number and overlaps nothing else."""
    cut = max((kept.end for kept in chosen if kept.start <= span.start < kept.end), default=None)
    if cut is None:
        return None
    start = GLUE_RE.match(text, cut).end()  # type: ignore[union-attr]  # "*" always matches
    candidate = text[start : span.end]
    if not candidate[:1].isdigit() and not candidate.startswith(("(", "+")):
        return None
    if not _plausible_phone(candidate, _phone_digits(candidate)):
        return None
    rest = PiiSpan(start, span.end, "PHONE")
    if any(rest.start < kept.end and kept.start < rest.end for kept in chosen):
        return None
    return rest


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
    r"\d(?<![\w#.-]\d)\d{0,5}[A-Za-z]?(?:\s+\d{1,5})?\s+"
    # a name or a direction before the street word: "4 lane highway", "a 3 point turn" are none
    r"(?:(?:[NSEW]|North|South|East|West)\.?\s+(?:[A-Z][\w'\u2019.-]*\s+){0,3}"
    r"|(?:[A-Z][\w'\u2019.-]*\s+){1,3})"
    rf"(?i:{STREET_WORDS})\b\.?(?:[ \t]+(?:NW|NE|SW|SE)\b)?"
    r"(?:\s*,?\s*(?:(?i:apt|apartment|suite|ste|unit|#)\.?\s*#?\s*\w{1,6}))?"
)
ADDRESS_FOREIGN_RE = re.compile(
    # "6750 Koskikatu 25 Apt. 864", "29 Rue de Tanger": number, capitalized name, number or unit
    r"\d(?<![\w#.-]\d)\d{0,5}\s+(?:[A-Z][\w'\u2019.-]+\s+){1,3}(?:\d{1,5}\b\s*)?"
    r"(?i:apt|suite|unit)\.?\s*\d{1,6}"
    r"|\d(?<![\w#.-]\d)\d{0,4}\s+(?i:rue|calle|via|avenida|rua|chemin|strasse|straße|ulica|ul\.)\s+"
    r"(?:[\w'\u2019-]+\s+){0,2}[A-Z][\w'\u2019-]+(?:[ \t]+\d{1,5}[A-Za-z]?\b(?![.,:/-]\d))?"
)
ADDRESS_NUMBERED_RE = re.compile(
    # house number, one to three capitalised (or non-Latin) words, number: "5366 Pivovarská 276",
    # "17224 Þverbraut 66", "0605 πεντέλης 210"
    r"\d(?<![\w#.:/-]\d)\d{0,5}[ \t]+(?:(?=[^\Wa-z\d_])[\w'\u2019.-]+[ \t]+"
    r"(?:(?:z|ze|u|na|nad|pod|van|von|de|di|da|do|del|la|le)[ \t]+(?=[^\Wa-z\d_]))?){1,3}"
    r"\d{1,5}[A-Za-z]?\b(?![.,:/-]\d)"
)
_LOWER_WORD = r"[a-z\u00e0-\u017f][a-z\u00e0-\u017f'-]*"
_NOT_A_STREET_NAME = (
    r"(?!(?:the|a|an|my|his|her|our|their|your|this|that|these|those|down|up|on|off|across|"
    r"along|to|from|of|in|at|by|for|and|or|more|other|different|same|new|old|lane|lanes|way|"
    r"ways|blocks?|miles?|minutes?|hours?|houses?|doors?|streets?|roads?|kms?|yards?|feet|"
    r"meters?|metres?|times?|cars?|lights?|stops?|exits?)\b)"
)
LOWER_ADDRESS_RE = re.compile(
    # a street written in lowercase, as chat is: "i live at 12 oak street", "3911 fourth avenue"
    rf"\d(?<![\w#.:/-]\d)\d{{0,5}}[ \t]+(?:{_NOT_A_STREET_NAME}{_LOWER_WORD}[ \t]+){{1,2}}"
    r"(?:street|st|avenue|ave|road|rd|drive|dr|lane|ln|boulevard|blvd|court|ct|terrace|"
    r"crescent|highway|hwy|parkway|pkwy)\b\.?"
    r"(?:[ \t]*,?[ \t]*(?:apt|apartment|suite|ste|unit|#)\.?[ \t]*#?[ \t]*\w{1,6})?"
)
STREET_NAME_STOPWORDS = FUNCTION_WORDS | frozenset(
    ("am", "pm", "hrs", "hr", "mins", "min", "secs", "kg", "lbs", "mg", "ml", "km", "mph", "yrs")
)
"""Words that never name a street in `LOWER_NUMBERED_RE` even though no dictionary holds them."""
LOWER_NUMBERED_RE = re.compile(
    # all-lowercase text: house number, one or two words no dictionary knows, number:
    # "2407 tawastintie 6", "74678 midtvollen 130"; the words are checked in `_addresses`
    r"\d(?<![\w#.:/-]\d)\d{0,5}[ \t]+((?:[a-z\u00e0-\u017f'-]{3,}[ \t]+){1,2})"
    r"\d{1,5}[a-z]?\b(?![.,:/-]\d)"
)
HOUSE_NUMBER_BEFORE_RE = re.compile(r"(?<![\w.,:/-])\d{1,6}[ \t]+$")
UNIT_RE = re.compile(r"(?<![\w])(?i:apt|apartment|suite|ste|unit)\.?\s*#?\s*\d{1,6}[A-Za-z]?\b")
PO_BOX_RE = re.compile(
    r"(?i)\bp\.?\s?o\.?\s?box\s+\d{1,7}\b"
    r"|\b(?:PSC|Unit|CMR)\s+\d{1,5},?\s+Box\s+\d{1,5}\b"
    r"|\b(?:APO|FPO|DPO)\s+(?:AA|AE|AP)\s+\d{5}\b"
    r"|\b(?:USNS|USNV|USS|USCGC)\s+[A-Z][\w'-]+"
)

ORDINAL = r"\d{1,3}(?:st|nd|rd|th)"
ADDRESS_ORDINAL_RE = re.compile(
    # "on 6th Avenue", "West 38th Street": ordinal streets without a house number
    rf"(?<![\w#.-])(?:(?:[NSEW]|North|South|East|West)\.?\s+)?{ORDINAL}\s+"
    r"(?i:street|st|avenue|ave|road|rd|place|pl|terrace|drive|dr|lane|boulevard|blvd)\b\.?"
)
ADDRESS_EU_RE = re.compile(
    # "Calle de Alcalá 127, 3º B", "Rua Augusta 200", "Piazza Rezzonico 35", "rue des Lilas"
    r"(?<![\w])(?:(?i:calle|c/|avenida|avda\.?|av\.|ul\.|ulica|plaza|pza\.?|paseo|camino|carrera|"
    r"carretera|"
    r"ronda|traves[ií]a|rua|rue|via|viale|piazza|corso|strada|largo|travessa|praça|boulevard|"
    r"chemin|impasse|allée|place|quai|cours))\s+"
    r"(?:(?:de|del|la|las|los|el|do|da|dos|das|di|della|dei|des|du|le|l')\s*){0,2}"
    rf"{UP}[\w'\u2019-]+(?:\s+(?:(?:de|del|la|di|da|do)\s+)?{UP}[\w'\u2019-]+){{0,3}}"
    r"(?:,?\s*(?:n[º°o]\.?\s*)?\d{1,5}[A-Za-z]?\b(?:,?\s*\d{1,2}\s?[º°ª]\s*[A-Za-z]?\b)?)?"
    r"|\d(?<![\w#.-]\d)\d{0,4}[A-Za-z]?,?\s+(?i:rue|avenue|boulevard|chemin|allée|impasse|place|"
    r"via|viale|piazza|calle|rua)\s+(?:(?:de|del|la|des|du|le|l'|di|della|do|da)\s*){0,2}"
    rf"{UP}?[\w'\u2019-]+(?:\s+{UP}[\w'\u2019-]+){{0,2}}"
)
ADDRESS_DE_RE = re.compile(
    # "Goethestraße 12", "Villacher Strasse 89", "Hammarvägen 15", "Kuusiku 7" (with a unit)
    rf"(?<![\w-])(?:{UP}[\w'-]*\s+)?{UP}?[\w-]*(?i:stra(?:ß|ss)e|str\.|weg|gasse|platz|allee|"
    r"damm|ufer|vägen|gatan|gata|veien|vej|gade|straat|laan|katu|tie|utca|ulica|ul\.)"
    r"\s+\d{1,4}[a-zA-Z]?\b"
)
_POSTCODE = (
    r"(?:[A-Z]{1,2}\d[A-Z\d]?\s?\d[ABD-HJLNP-UW-Z]{2}|[ABCEGHJ-NPRSTVXY]\d[A-Z]\s?\d[A-Z]\d)\b"
)
"""UK and Canadian postcodes: unmistakable layouts."""
_EU_POSTCODE = r"(?:\d{3}[ ]\d{2}|\d{4}[ ]?[A-Z]{2}|\d{2}-\d{3}|\d{4,5}-\d{3}|[A-Z]{1,2}-\d{4,5})\b"
"""Postcode layouts that only read as one beside a town or a street: Czech, Slovak, Swedish
and Greek "394 13", Dutch "7412 SL", Polish "00-950", Portuguese "1000-001", Brazilian
"75534-030", a country letter "D-10115"."""
_MISSING = r"nan\b(?!['\u2019])"
"""A missing value written out by pandas ("Velenje nan", ", nan\n 65662"): files exported from
data frames put it where a state or region was empty; inside an address it is one more part."""
_NAME_WORD = rf"{UP}(?:[^\W\d_]|['\u2019.-])*(?!\w)"
_PLACE_WORDS = rf"{_NAME_WORD}(?:[ \t]+(?:(?:do|de|da|di|la|le|del|des)[ \t]+)*{_NAME_WORD}){{0,3}}"
_TAIL_SEGMENT = (
    r"(?:(?i:apt|apartment|suite|ste|unit)\.?[ \t]*#?[ \t]*\w{1,6}"
    rf"|{_PLACE_WORDS}(?:,?[ \t]+[A-Z]{{2,3}}\b)?"
    rf"(?:,?[ \t]+(?:{_EU_POSTCODE}|\d{{4,6}}(?:-\d{{4}})?\b|{_POSTCODE}))?"
    rf"|{_EU_POSTCODE}|\d{{4,6}}(?:-\d{{4}})?\b|{_POSTCODE})"
)
ADDRESS_TAIL_RE = re.compile(
    # after a street: ", Chicago, IL 60651", "\n Apt. 271\n St Felicien\n Canada 36523"
    rf"(?:(?:[ \t]*,[ \t]*|[ \t]*\n[ \t]*>?[ \t]*){_TAIL_SEGMENT}"
    rf"|[ \t]+{_PLACE_WORDS},?[ \t]+(?:[A-Z]{{2,3}}\b|\d{{4,6}}\b|{_POSTCODE})"
    rf"|(?<=\d)[ \t]+{_PLACE_WORDS}(?=[ \t]*(?:$|[.?!\n])|[ \t]+(?:last|this|next)\b)){{1,4}}"
)
"""What may follow a numbered street: units, then towns, states and postcodes, each after a
comma or a line break (or a blank when a state or postcode closes it)."""
POSTCODE_RE = re.compile(_POSTCODE.replace("(?:", r"\b(?:", 1))
STATE_ZIP_RE = re.compile(
    # a US or Australian state, then its postcode: "IL 60651", "NSW 2000"
    r"(?<![\w])(?:AL|AK|AZ|AR|CA|CO|CT|DE|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|"
    r"NE|NV|NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|DC|NSW|VIC|QLD|SA|"
    r"TAS|ACT|NT)[ \t]+(\d{5}(?:-\d{4})?|\d{4})\b"
)
POSTCODE_CUE_RE = re.compile(
    # anything after "ZIP", "postcode", "PLZ", "CP", "邮编"
    r"(?i:\bzip(?:\s?code)?|\bpost(?:al)?\s?code|\bplz|\bcp|邮编|邮政编码)"
    r"\s*(?:is)?\s*[:#]?\s*(\d{3,6}(?:[- ]\d{2,4})?|[A-Z0-9]{2,4}\s?[A-Z0-9]{3})\b"
)
_ANY_UP = "".join(chr(c) for c in range(0x41, 0x530) if chr(c).isupper())
"""Capitals of the Latin, Greek and Cyrillic blocks (town lines in any of them)."""
ADDRESS_GLUE_RE = re.compile(r"\.?[ \t]*,?[ \t]*(?:\n[ \t>]*,?[ \t]*)?")
"""What may sit between two parts of one address: blanks, a comma, one line break, a "> "."""
ADDRESS_PIECE_RE = re.compile(
    # a state or region code ("CO", "WHT"), a postcode, a country's note in brackets ("(Greek)")
    r"(?:[A-Z]{2,3}(?=[ \t]*(?:,|\n|$|\d))"
    rf"|(?:{_EU_POSTCODE}|\d{{4,6}}(?:-\d{{4}})?\b)(?![\w.,/-]\d|[ \t]*[\d(])"
    rf"|\([^\W\d_][^()\n\d]{{0,23}}\)|{_POSTCODE}|{_MISSING})"
)
LOWER_STREET_TAIL_RE = re.compile(
    r"[ \t]+(?!(?:in|on|at|and|of|since|by|from|to|until|for|the)\b)"
    r"(?:[a-z\u00e0-\u017f]{1,10}\.?[ \t]+){1,2}\d{1,5}[A-Za-z]?\b\.?"
    r"(?=[ \t]*(?:[,\n]|$)|[ \t]+(?i:apt|apartment|suite|ste|unit)\b)"
)
PLACE_PARTICLE_RE = re.compile(r"[ \t]+(?:de|do|da|di|del|la|le|nad|pod|u|an|am|im|sur|upon)[ \t]+")
"""A particle inside a place name: "Ústí nad Labem", "Frankfurt am Main"."""
_TOWN_LETTER = "(?:[^\\W\\d_]|\u2206)"
"""A letter of a town line; U+2206 (the increment sign) stands for a Greek capital delta in
some Greek and Cypriot address data."""
TOWN_LINE_RE = re.compile(
    # a line (or a comma-separated part) of capitalised words only: "Grand Rapids", "BAD ISCHL";
    # a bracketed note may close it: "ΑΓΛΑΝΤΖΙΑ (ΑΓΛΑΓΓΙΑ)"
    rf"[{re.escape(_ANY_UP)}]{_TOWN_LETTER}*"
    r"(?:[ \t]+(?:(?:de|do|da|di|la|le|del|nad|u|an|am|sur)[ \t]+)?"
    rf"[{re.escape(_ANY_UP)}]{_TOWN_LETTER}*\.?){{0,3}}(?:[ \t]+\([^\W\d_][^()\n\d]{{0,23}}\))?"
    rf"(?=[ \t]*(?:,|\n|$|\d{{4,6}}\b|{_MISSING}))"
)
CORNER_ADDRESS_RE = re.compile(
    # "the corner of Hauptstraße 5 and Elm Road": one place, both streets
    r"(?i:\bthe[ \t]+corner[ \t]+of)[ \t]+[^\n?!;]{2,60}?[ \t]+and[ \t]+"
    rf"[^\W\d_][\w'\u2019-]*(?:[ \t]+(?:{UP}[\w'\u2019-]*|(?:{STREET_WORDS}|courts?)\b)){{0,2}}"
)


LOWER_TOWN_RE = re.compile(
    r"[a-z\u00e0-\u017f][a-z\u00e0-\u017f'-]+(?:[ \t][a-z\u00e0-\u017f][a-z\u00e0-\u017f'-]+){0,2}"
    r"(?=[ \t]*(?:[,.\n]|$|\d))"
)
"""A town or country written in lowercase after an address part; `_known_place` decides."""


def _known_place(match: re.Match[str]) -> bool:
    """A lowercase address part that the place or town lists know ("mohács", "hungary")."""
    name = match.group()
    if lexicons.places().get(name, 0) > 0:
        return True
    return name in lexicons.towns() and name not in lexicons.common_words()  # not "best", "hope"


def join_addresses(text: str, spans: list[PiiSpan]) -> list[PiiSpan]:
    """One [ADDRESS] over a street and the parts after it that the finders typed apart.

    A street found by the address patterns is stretched over what follows it across blanks,
    commas and one line break at a time: another address or place span ("Suite 321", "LONDON",
    "United Kingdom"), a region code, a postcode, a bracketed note, or a line of capitalised
    words when another such part follows it. Spans only grow and join: nothing new is redacted
    except the glue between parts and those codes, postcodes and town lines.
    """
    parts = sorted({s for s in spans if s.kind in ("ADDRESS", "LOCATION")})
    if not any(s.kind == "ADDRESS" for s in parts):
        return spans
    starts: dict[int, PiiSpan] = {}
    for span in parts:
        if span.start not in starts or span.end > starts[span.start].end:
            starts[span.start] = span
    absorbed: set[PiiSpan] = set()
    joined: list[PiiSpan] = []
    others = [s for s in spans if s.kind not in ("ADDRESS", "LOCATION", *ENTITY_KINDS)]

    def step(position: int) -> int | None:
        """The end of the address part right after `position` (glue first), or None."""
        glue = PLACE_PARTICLE_RE.match(text, position) or ADDRESS_GLUE_RE.match(text, position)
        at = glue.end() if glue else position
        if at == position and at < len(text) and not text[at - 1 : at].isspace():
            return None
        following = starts.get(at)
        piece = ADDRESS_PIECE_RE.match(text, at) if following is None else None
        end = following.end if following is not None else piece.end() if piece else None
        if end is None or any(o.start < end and o.end > position for o in others):
            return None  # a phone, e-mail or date after the address is not part of it
        if following is not None:
            absorbed.add(following)
        return end

    for span in parts:
        if span.kind != "ADDRESS" or span in absorbed:
            continue
        start, end, grown = span.start, span.end, False
        number = HOUSE_NUMBER_BEFORE_RE.search(text, max(0, start - 8), start)
        if number and (number.start() == 0 or text[number.start() - 1] in " \t\n>"):
            start, grown = number.start(), True  # "12 Petőfi Sándor u. 3."
        if not DIGIT_RE.search(text, start, end):
            continue  # a street named without a number (or a name typed as one) starts nothing
        street = LOWER_STREET_TAIL_RE.match(text, end)
        if street and text[start].isdigit():  # "12 Petőfi Sándor u. 3.": street word, number
            end, grown = street.end(), True
        while True:
            nxt = step(end)
            if nxt is None:
                glue = ADDRESS_GLUE_RE.match(text, end)
                at = glue.end() if glue else end
                town = TOWN_LINE_RE.match(text, at) if at > end else None
                if town and town.end() > at:
                    nxt = step(town.end())
                elif at > end and (town := LOWER_TOWN_RE.match(text, at)) and _known_place(town):
                    nxt = town.end()  # "2407 tawastintie 6, mohács, hungary 24743"
            if nxt is not None and nxt > end:
                end, grown = nxt, True
                continue
            covered = [o for o in parts if o != span and o.start < end and o.end > start]
            absorbed.update(covered)
            if covered:
                grown = True
            if max((o.end for o in covered), default=end) <= end:
                break
            end = max(o.end for o in covered)
        if grown:
            absorbed.add(span)
            joined.append(PiiSpan(start, end, "ADDRESS"))
    if not joined:
        return spans
    return [s for s in spans if s not in absorbed] + joined


def join_place_postcodes(text: str, spans: list[PiiSpan]) -> list[PiiSpan]:
    """One [LOCATION] over a town and the postcode (and state code) that closes it: "Berlin
    10115", "Springfield, IL 62704-1234". What lies inside the grown span is absorbed."""
    grown: dict[PiiSpan, PiiSpan] = {}
    for span in spans:
        if span.kind == "LOCATION" and (match := postcode_after(text, span.end)) is not None:
            grown[span] = PiiSpan(span.start, match.end(), "LOCATION")
    if not grown:
        return spans
    kept = [
        s
        for s in spans
        if s not in grown
        and not any(
            g.start <= s.start and s.end <= g.end and s.kind != "PHONE" for g in grown.values()
        )
    ]
    return kept + list(grown.values())


URL_RE = re.compile(r"(?i)\b(?:https?://|www\.)[^\s<>\"'()\[\]{}]+")
PUBLIC_DOMAINS = (
    "988lifeline.org",
    "suicidepreventionlifeline.org",
    "crisistextline.org",
    "samaritans.org",
    "mind.org.uk",
    "nami.org",
    "nimh.nih.gov",
    "who.int",
    "nhs.uk",
    "thehotline.org",
    "rainn.org",
    "thetrevorproject.org",
    "childhelp.org",
    "befrienders.org",
    "iasp.info",
    "lifeline.org.au",
    "beyondblue.org.au",
    "kidshelpphone.ca",
    "samhsa.gov",
    "cdc.gov",
    "childline.org.uk",
    "papyrus-uk.org",
    "shoutmsg",
    "giveusashout.org",
    "veteranscrisisline.net",
)
"""Crisis and health services: their addresses in a counsellor's reply are not PII."""
AT_HANDLE_RE = re.compile(r"(?<![\w.@/])@[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?")
TAG_HANDLE_RE = re.compile(r"(?<![\w#])[A-Za-z][\w.]{1,31}#\d{4}\b")
_MESSENGER_APP = (
    r"(?:snap(?:chat)?|insta(?:gram)?|ig|discord|telegram|whatsapp|kik|skype|wechat|line\s+id|"
    r"steam|psn|xbox|gamertag|gamer\s+tag|tiktok|twitter|threads|username|user\s+name|handle|"
    r"screen\s?name|qq)"
)
MESSENGER_RE = re.compile(
    # "my snap is kay_dee99", "xbox gamertag: DarkKnight2211", "微信号是sunny_lin1999"
    rf"(?i)(?:(?:微信|QQ|微博)号?|\b{_MESSENGER_APP}(?:\s+{_MESSENGER_APP})?)"
    r"\s*(?:id|name|handle|account)?\s*(?:is|es|est|ist|:|-|=|是)?\s*(?:is\s+|是)?\s*"
    r"(@?[A-Za-z0-9_][A-Za-z0-9_.-]{2,30}[A-Za-z0-9_])"
)
IBAN_RE = re.compile(
    r"(?<![\w])[A-Za-z]{2}\d{2}(?:[ ]?[A-Za-z0-9]{4}){2,7}(?:[ ]?[A-Za-z0-9]{1,4})?\b"
)
CN_RIC_RE = re.compile(
    r"(?<![\dA-Za-z])[1-9]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]"
    r"(?![\dA-Za-z])"
)
NHS_RE = re.compile(r"(?i)\bnhs\b[^\d\n]{0,25}(\d{3}[ -]?\d{3}[ -]?\d{4})\b")
CN_MOBILE_RE = re.compile(r"(?<![\d+])(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?!\d)")
DRIVER_LICENSE_RE = re.compile(
    r"(?i)\b(?:driver'?s?|driving)\s+licen[cs]e(?:\s+(?:number|no\.?|#|id))?"
    r"|\blicen[cs]e\s+(?:number|no\.?|#)|\bDL\s*(?:#|number|no\.?)"
)
LICENSE_ID_RE = re.compile(
    r"[^\w\n]{0,4}(?:(?i:is|was|:)\s*)?[^\w\n]{0,3}([A-Z0-9][A-Z0-9-]{3,19})\b"
)
UK_LICENSE_RE = re.compile(r"\b[A-Z9]{5}\d{6}[A-Z9]{2}\d[A-Z]{2}\b")
MONTHS = (
    r"(?:jan(?:uary|\.)?|feb(?:ruary|\.)?|mar(?:ch|\.)?|apr(?:il|\.)?|may|june?|july?|"
    r"aug(?:ust|\.)?|sep(?:t(?:ember)?|\.)?|oct(?:ober|\.)?|nov(?:ember|\.)?|dec(?:ember|\.)?|"
    r"enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre|"
    r"janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre|"
    r"januar|februar|märz|juni|juli|oktober|dezember)"
)
DATE_RE = re.compile(
    # matched against the lowercased message
    r"(?<![\w/.-])(?:"
    r"(?:19|20)\d{2}([-/.])(?:0?[1-9]|1[0-2])\1(?:0?[1-9]|[12]\d|3[01])"
    r"(?:[ t]\d{1,2}:\d{2}(?::\d{2})?)?"
    r"|(?:0?[1-9]|[12]\d|3[01])[./-](?:0?[1-9]|[12]\d|3[01])[./-](?:19|20)?\d{2}"
    rf"|{MONTHS}\s+(?:0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?,?\s+(?:19|20)\d{{2}}"
    rf"|(?:0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th|º|er)?\s+(?:(?:of|de)\s+)?{MONTHS}"
    r",?\s+(?:(?:of|de)\s+)?(?:19|20)\d{2}"
    r")(?![\w/-])"
    r"|(?:19|20)\d{2}年\d{1,2}月\d{1,2}[日号]"
)
BIRTH_CUE_RE = re.compile(
    r"(?i)(?:\bborn|\bbirth(?:day|date)?|\bd\.?o\.?b\.?|\bnac[ií](?:da|do)?|\bnací|\bné|\bnée|"
    r"\bgeboren|\bnato|\bnata|\bnasci|出生|生日)"
)
_DAY = r"(?:0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?"
BIRTHDAY_RE = re.compile(
    # matched against the lowercased message: a birthday without its year, or a month and year
    # of birth: "my birthday is march 3rd", "born on may the 3rd, 1990", "born in may 1990"
    r"(?:\bbirth\s?day|\bb-?day|\bborn|\bdate\s+of\s+birth|\bd\.?o\.?b\b\.?|\bcumpleaños|"
    r"\banniversaire|\bgeburtstag)"
    r"(?:'s|\u2019s|\s+is|\s+was|\s+on|\s+in|\s+the|\s+es|\s+el|\s+est|\s+le|\s+ist|\s+am|:|,)*\s+"
    rf"((?:{MONTHS}\s+(?:the\s+)?{_DAY}|(?:the\s+)?{_DAY}\s+(?:(?:of|de)\s+)?{MONTHS})"
    r"(?:,?\s+(?:19|20)\d{2})?"
    rf"|{MONTHS}\s+(?:of\s+)?(?:19|20)\d{{2}}|(?:0?[1-9]|[12]\d|3[01])[./](?:0?[1-9]|1[0-2]))"
    r"(?![\w/.-]\d|\w)"
)
BIRTH_YEAR_RE = re.compile(
    r"(?i)\b(?:born|birth\s+year|nac[ií]\s+en|né\s+en|née\s+en|geboren)\s+(?:in\s+)?((?:19|20)\d{2})\b"
)
AGE_NUMBER_RE = re.compile(r"\d(?<![\w.,]\d)\d{0,2}(?![\d.,]\d|\d)")
"""One to three digits standing alone: the candidates for an age (matched on lowercased text)."""
AGE_CUE_BEFORE_RE = re.compile(
    r"(?:\b(?:i'm|i\u2019m|i\s+am|im|he's|she's|he\s+is|she\s+is|they're|i\s+was|aged?|"
    r"turn(?:ed|ing|s)?|age\s+of|tengo|tiene|j'ai|il\s+a|elle\s+a|ich\s+bin|er\s+ist|sie\s+ist|"
    r"ho|tenho)|今年)\s*(?:just\s+|only\s+|almost\s+|nearly\s+)?$"
)
AGE_UNIT_AFTER_RE = re.compile(
    r"\s*(?:%|percent|minutes?|hours?|min\b|h\b|days?|weeks?|months?|times?|kg|lbs?|pounds|"
    r"dollars|euros|pm\b|am\b|o'clock|:|mg|ml|of\b|in\b|x\b|st\b|nd\b|rd\b|th\b)"
)
AGE_AFTER_RE = re.compile(
    r"[- ]?(?:years?|yrs?)[- ]?old\b|\s?(?:y/?o|años|ans|jahre|anni|anos)\b|岁"
)
"""After the number: "16 years old", "14 años", "17岁"."""
AGE_SEX_RE = re.compile(r"(?<![\w/.-])(\d{2}) ?[MFmf](?![\w'-])")
"""Age and sex as forums write them: "I'm 23F", "(34 m)"."""
TWO_DIGITS_RE = re.compile(r"\d\d")
"""Every full date has a year of two or four digits: the cheap gate before the date regex."""
LONG_DIGITS_RE = re.compile(r"\d{9}")
IBAN_HINT_RE = re.compile(r"\d\d(?<=[A-Za-z]{2}\d\d)")
ORDINAL_HINT_RE = re.compile(r"\d(?:st|nd|rd|th)\b")
STATE_ZIP_HINT_RE = re.compile(r"[A-Z][A-Z][ \t]+\d{4}")
CN_MOBILE_HINT_RE = re.compile(r"1[3-9]\d")
STRUCTURED_TRIGGERS: dict[str, tuple[str, ...]] = {
    "url": _triggers(
        "http|www.|twitter.|x.com|facebook.|fb.com|instagram.|linkedin.|github.|reddit.com|"
        "tiktok.|youtube.|medium.|t.me|snapchat.|pinterest.|tumblr.|twitch.|onlyfans.|vk.com|u/"
    ),
    "messenger": _triggers(
        "snap|insta|ig |ig:|discord|telegram|whatsapp|kik|skype|wechat|line id|steam|psn|xbox|"
        "gamertag|gamer tag|tiktok|twitter|threads|username|user name|handle|screen name|"
        "screenname|微信|qq|微博"
    ),
    "nhs": _triggers("nhs"),
    "birth": _triggers(
        "born|birth|nací|naci|né |née|geboren|bday|b-day|dob|d.o.b|cumpleaños|anniversaire"
    ),
    "ssn": _triggers("ssn|social security"),
    "licence": _triggers("licence|license|dl"),
    "street_eu": _triggers(
        "calle|c/|avenida|avda|av.|plaza|pza|paseo|camino|carrera|carretera|ronda|traves|rua |"
        "rue |via |viale|piazza|corso|strada|largo|travessa|praça|boulevard|chemin|impasse|"
        "allée|place|quai|cours|ul.|ulica"
    ),
    "street_de": _triggers(
        "straße|strasse|str.|weg|gasse|platz|allee|damm|ufer|vägen|gatan|gata|veien|vej|gade|"
        "straat|laan|katu|utca|ulica|ul."
    ),
    "street_lower": _triggers(
        "street| st.| st,| st |avenue| ave|road| rd|drive| dr.| dr |lane| ln|boulevard|blvd|"
        "court| ct|terrace|crescent|highway| hwy|parkway|pkwy"
    ),
    "unit": _triggers("apt|apartment|suite|ste|unit|box|psc|cmr|usns|usnv|uss|uscgc"),
    "postcode": _triggers("zip|post|plz|cp|邮编"),
}
"""Trigger words (lowercase substrings) of the context regexes: see `pii_entities.Triggers`."""
NO_DIGIT_GROUPS = frozenset({"url", "messenger", *ENTITY_TRIGGERS})
"""The trigger groups read for a message without a digit (the others gate digit patterns)."""

SENTENCE_BREAKS = frozenset('.!?:;"\u201c\u201d(>\n*-\u2022')
DIGIT_RE = re.compile(r"\d")
RARE_DIGIT_PATTERNS = AnyPrefilter(
    [
        IPV4_RE,
        IPV6_RE,
        IBAN_RE,
        CN_RIC_RE,
        SSN_RE,
        CARD_RE,
        POSTCODE_RE,
        AGE_SEX_RE,
        ADDRESS_RE,
        ADDRESS_FOREIGN_RE,
        ADDRESS_NUMBERED_RE,
    ],
    lowered=[DATE_RE],
)
"""One RE2 scan that says when none of these can match a message with a digit (most such
messages: "3 weeks", "at 10pm"); each is then skipped instead of scanned by Python's engine.
Where it says they may (or cannot tell: non-ASCII text), every one runs as before."""
UNIT_PATTERNS = AnyPrefilter([UNIT_RE, PO_BOX_RE])
"""The same for the unit and PO box patterns, run when the trigger pass saw "ste", "uss",
"box"...: substrings of many words ("listen", "discuss")."""
CN_MOBILE_PATTERN = AnyPrefilter([CN_MOBILE_RE])
"""The same for Chinese mobiles, run when a "1" is followed by 3-9 and a digit (most numbers)."""


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


Redactions = dict[str, tuple[str, Counter[str]]]
"""Text -> (`PiiDetector.redact` of it): the memo of one batch."""


@dataclass
class PiiDetector:
    """Finds PII spans in text and replaces them with typed placeholders."""

    config: PiiConfig = field(default_factory=PiiConfig)

    def __post_init__(self) -> None:
        self._entities = EntityFinder() if self.config.detect_names else None
        groups = dict(STRUCTURED_TRIGGERS)
        if self._entities is not None:
            groups |= ENTITY_TRIGGERS
        self._triggers = Triggers(groups)
        # a message without a digit is read only by the groups `_structured` consults before
        # its digit test, and the name finder's: fewer words, fewer hits to collect
        self._triggers_without_digits = Triggers(
            {g: words for g, words in groups.items() if g in NO_DIGIT_GROUPS}
        )
        self._priority = {kind: rank for rank, kind in enumerate(KINDS)}
        self.reference = False

    @property
    def reference(self) -> bool:
        """True runs the reference code: no RE2 gate, no fast path or memo in the name finder
        (the tests hold the two equal on random and realistic text)."""
        return self._reference

    @reference.setter
    def reference(self, value: bool) -> None:
        self._reference = value
        if self._entities is not None:
            self._entities.reference = value

    # -- structured kinds -------------------------------------------------------------------
    def _structured(
        self, text: str, lower: str, fired: AbstractSet[str], digit: bool | None = None
    ) -> list[PiiSpan]:
        """The structured kinds' spans; `digit`: whether `text` holds a digit, if known."""
        spans: list[PiiSpan] = []
        kinds = self.config.kinds
        if "@" in text:
            if "EMAIL" in kinds:
                spans += [PiiSpan(m.start(), m.end(), "EMAIL") for m in EMAIL_RE.finditer(text)]
            if "HANDLE" in kinds:
                spans += [
                    PiiSpan(m.start(), m.end(), "HANDLE") for m in AT_HANDLE_RE.finditer(text)
                ]
        if "URL" in kinds and "url" in fired:
            spans += self._urls(text)
        if "HANDLE" in kinds:
            if "#" in text:
                spans += [
                    PiiSpan(m.start(), m.end(), "HANDLE") for m in TAG_HANDLE_RE.finditer(text)
                ]
            for m in MESSENGER_RE.finditer(text) if "messenger" in fired else ():
                handle = m.group(1)
                if handle.startswith("@") or any(c.isdigit() or c in "_." for c in handle):
                    spans.append(PiiSpan(m.start(1), m.end(1), "HANDLE"))
        if not (DIGIT_RE.search(text) is not None if digit is None else digit):
            return spans
        # False: none of `RARE_DIGIT_PATTERNS` matches, so their scans below would find nothing
        rare = self.reference or RARE_DIGIT_PATTERNS(text)
        if "IP_ADDRESS" in kinds and rare:
            regexes = [IPV4_RE] if "." in text else []
            regexes += [IPV6_RE] if text.count(":") >= 2 else []
            spans += [
                PiiSpan(m.start(), m.end(), "IP_ADDRESS")
                for regex in regexes
                for m in regex.finditer(text)
            ]
        if "IBAN" in kinds and rare and IBAN_HINT_RE.search(text):
            for m in IBAN_RE.finditer(text):
                if stdnum_iban.is_valid(m.group().upper()):
                    spans.append(PiiSpan(m.start(), m.end(), "IBAN"))
        long_runs = LONG_DIGITS_RE.search(text) is not None  # 9+ digits in a row
        if "NATIONAL_ID" in kinds:
            if long_runs and rare:
                spans += [
                    PiiSpan(m.start(), m.end(), "NATIONAL_ID")
                    for m in CN_RIC_RE.finditer(text)
                    if stdnum_cn_ric.is_valid(m.group())
                ]
            if "nhs" in fired:
                spans += [
                    PiiSpan(m.start(1), m.end(1), "NATIONAL_ID")
                    for m in NHS_RE.finditer(text)
                    if stdnum_nhs.is_valid(m.group(1))
                ]
        if "SSN" in kinds:
            for m in SSN_RE.finditer(text) if rare else ():
                area, group, serial = m.group(1), m.group(3), m.group(4)
                if area not in {"000", "666"} and group != "00" and serial != "0000":
                    spans.append(PiiSpan(m.start(), m.end(), "SSN"))
            if long_runs and "ssn" in fired:
                spans += [
                    PiiSpan(m.start(1), m.end(1), "SSN") for m in SSN_CONTEXT_RE.finditer(text)
                ]
        if "CREDIT_CARD" in kinds:
            for m in CARD_RE.finditer(text) if rare else ():
                digits = _digits(m.group())
                if 12 <= len(digits) <= 19 and luhn_valid(digits):
                    spans.append(PiiSpan(m.start(), m.end(), "CREDIT_CARD"))
        if "DRIVER_LICENSE" in kinds and "licence" in fired:
            spans += self._licences(text)
        if ("DATE" in kinds or "DATE_OF_BIRTH" in kinds) and (TWO_DIGITS_RE.search(text)):
            spans += self._dates(text, lower, fired, rare)
        if "DATE_OF_BIRTH" in kinds and "birth" in fired:
            spans += self._birthdays(text, lower)
        postcodes = self._postcodes(text, fired, rare) if "LOCATION" in kinds else []
        if "PHONE" in kinds:
            phones = self._phones(text, spans)
            if postcodes:
                # "IL 62704-1234", "zip code 02139-4307": a ZIP+4 the text calls a postcode
                phones = [
                    p
                    for p in phones
                    if not any(c.start <= p.start and p.end <= c.end for c in postcodes)
                ]
            spans += phones
        if "AGE" in kinds:
            spans += self._ages(text, lower, fired, rare)
        if "ADDRESS" in kinds and self.config.detect_addresses:
            spans += self._addresses(text, fired, lowercase=text == lower, rare=rare)
        return spans + postcodes

    @staticmethod
    def _postcodes(text: str, fired: AbstractSet[str], rare: bool = True) -> list[PiiSpan]:
        """UK and Canadian postcodes anywhere; others after a state code or a postcode word.
        `rare` False: `RARE_DIGIT_PATTERNS` found none of its patterns in `text`."""
        spans = [
            PiiSpan(m.start(), m.end(), "LOCATION")
            for m in (POSTCODE_RE.finditer(text) if rare else ())
        ]
        if STATE_ZIP_HINT_RE.search(text):
            spans += [
                PiiSpan(m.start(1), m.end(1), "LOCATION") for m in STATE_ZIP_RE.finditer(text)
            ]
        if "postcode" in fired:
            spans += [
                PiiSpan(m.start(1), m.end(1), "LOCATION") for m in POSTCODE_CUE_RE.finditer(text)
            ]
        return spans

    def _ages(
        self, text: str, lower: str, fired: AbstractSet[str], rare: bool = True
    ) -> list[PiiSpan]:
        """Ages after an age word ("I'm 16"), before "years old"/"años", and in "23F" (that
        one only when `rare`: see `_postcodes`)."""
        spans = []
        if len(lower) == len(text):
            for m in AGE_NUMBER_RE.finditer(lower):
                if not 0 < int(m.group()) < 120:
                    continue
                after = lower[m.end() : m.end() + 16]
                if AGE_AFTER_RE.match(after) or (
                    AGE_CUE_BEFORE_RE.search(lower[max(0, m.start() - 24) : m.start()])
                    and not AGE_UNIT_AFTER_RE.match(after)
                ):
                    spans.append(PiiSpan(m.start(), m.end(), "AGE"))
        if rare:
            spans += [PiiSpan(m.start(1), m.end(1), "AGE") for m in AGE_SEX_RE.finditer(text)]
        return spans

    def _urls(self, text: str) -> list[PiiSpan]:
        """Web addresses (not a crisis or health service's) and social-profile links."""
        spans = [
            PiiSpan(m.start(), m.end(), "URL")
            for regex in (SOCIAL_URL_RE, HANDLE_RE)
            for m in regex.finditer(text)
        ]
        if "http" in text or "www." in text:
            for m in URL_RE.finditer(text):
                url = m.group().rstrip(".,;:!?")
                if not any(domain in url.lower() for domain in PUBLIC_DOMAINS):
                    spans.append(PiiSpan(m.start(), m.start() + len(url), "URL"))
        return spans

    def _licences(self, text: str) -> list[PiiSpan]:
        """The identifier after a licence cue, when it has a digit; UK licence numbers anywhere."""
        spans = [
            PiiSpan(m.start(), m.end(), "DRIVER_LICENSE") for m in UK_LICENSE_RE.finditer(text)
        ]
        for cue in DRIVER_LICENSE_RE.finditer(text):
            m = LICENSE_ID_RE.match(text, cue.end())
            if m and any(char.isdigit() for char in m.group(1)):
                spans.append(PiiSpan(m.start(1), m.end(1), "DRIVER_LICENSE"))
        return spans

    def _dates(
        self, text: str, lower: str, fired: AbstractSet[str], rare: bool = True
    ) -> list[PiiSpan]:
        """Full dates; a date of birth when a birth word is shortly before ("born", "DOB").
        `rare` as in `_postcodes`."""
        spans = []
        for m in DATE_RE.finditer(lower) if rare and len(lower) == len(text) else ():
            before = text[max(0, m.start() - 40) : m.start()]
            kind = "DATE_OF_BIRTH" if BIRTH_CUE_RE.search(before) else "DATE"
            spans.append(PiiSpan(m.start(), m.end(), kind))
        if "birth" in fired:
            spans += [
                PiiSpan(m.start(1), m.end(1), "DATE_OF_BIRTH") for m in BIRTH_YEAR_RE.finditer(text)
            ]
        return spans

    @staticmethod
    def _birthdays(text: str, lower: str) -> list[PiiSpan]:
        """A birthday said without its year ("my birthday is march 3rd") and a month and year
        of birth ("born in May 1990"): with the birth word before it, a date of birth."""
        if len(lower) != len(text):
            return []
        return [PiiSpan(m.start(1), m.end(1), "DATE_OF_BIRTH") for m in BIRTHDAY_RE.finditer(lower)]

    def _addresses(
        self, text: str, fired: AbstractSet[str], lowercase: bool, rare: bool = True
    ) -> list[PiiSpan]:
        """Street addresses, each stretched over the town, state and postcode after it.
        `rare` as in `_postcodes`."""
        regexes = [ADDRESS_RE, ADDRESS_FOREIGN_RE, ADDRESS_NUMBERED_RE] if rare else []
        regexes += [LOWER_ADDRESS_RE] if "street_lower" in fired else []
        regexes += [ADDRESS_ORDINAL_RE] if ORDINAL_HINT_RE.search(text) else []
        regexes += [ADDRESS_EU_RE] if "street_eu" in fired else []
        regexes += [ADDRESS_DE_RE] if "street_de" in fired else []
        spans = []
        for regex in regexes:
            for m in regex.finditer(text):
                # a town, state and postcode after the street: "..., Chicago, IL 60651"
                tail = ADDRESS_TAIL_RE.match(text, m.end())
                spans.append(PiiSpan(m.start(), tail.end() if tail else m.end(), "ADDRESS"))
        if lowercase:
            common = lexicons.common_words()
            for m in LOWER_NUMBERED_RE.finditer(text):
                words = m.group(1).split()
                if not any(
                    w in common or w in STREET_NAME_STOPWORDS or w.removesuffix("s") in common
                    for w in words
                ):
                    tail = ADDRESS_TAIL_RE.match(text, m.end())
                    spans.append(PiiSpan(m.start(), tail.end() if tail else m.end(), "ADDRESS"))
        # a street found without its house number ("633 Strada Provinciale 65") takes it
        for index, span in enumerate(spans):
            number = HOUSE_NUMBER_BEFORE_RE.search(text, max(0, span.start - 8), span.start)
            if number:
                spans[index] = PiiSpan(number.start(), span.end, "ADDRESS")
        if "unit" in fired and (self.reference or UNIT_PATTERNS(text)):
            spans += [
                PiiSpan(m.start(), m.end(), "ADDRESS")
                for regex in (UNIT_RE, PO_BOX_RE)
                for m in regex.finditer(text)
            ]
        return spans

    def _phones(self, text: str, found_so_far: list[PiiSpan]) -> list[PiiSpan]:
        """The phone regex, plus libphonenumber's matcher on text with a long enough digit run.

        The two overlap on most numbers; `detect` keeps the longest of overlapping spans.
        """
        spans: list[PiiSpan] = []
        if CN_MOBILE_HINT_RE.search(text) and (self.reference or CN_MOBILE_PATTERN(text)):
            spans += [PiiSpan(m.start(), m.end(), "PHONE") for m in CN_MOBILE_RE.finditer(text)]
        for m in PHONE_RE.finditer(text):
            candidate, start = m.group().strip(), m.start()
            if len(candidate) < 7:
                continue  # fewer than 7 digits: `_plausible_phone` says no
            digits = _phone_digits(candidate)
            while len(digits) > 15 and (parts := WHITESPACE_RE.split(candidate, maxsplit=1))[1:]:
                # too long for one number: a five-digit postcode glued in front ("AE 44085
                # 0490 39 07 81"), or any group before a trunk "0"; a card's groups are neither
                head, rest = parts
                if not (len(head) == 5 and head.isdigit()) and not rest.startswith(("0", "(", "+")):
                    break
                candidate, start = rest, start + len(candidate) - len(rest)
                digits = _phone_digits(candidate)
            if not _plausible_phone(candidate, digits):
                continue
            groups = len(re.findall(r"\d+", candidate))
            strong = "+" in candidate or "(" in candidate or groups >= 3 or len(digits) >= 10
            if not strong:
                # "450 0840", "481195160": a phone only when the text says so
                context = text[max(0, start - 40) : start]
                if not PHONE_CONTEXT_RE.search(context):
                    continue
            spans.append(PiiSpan(start, start + len(candidate), "PHONE"))
        covered = spans + found_so_far
        if self.config.phone_regions and _has_uncovered_phone_run(text, covered):
            # a number valid in a hinted region's numbering plan needs no phone word nearby
            found: set[tuple[int, int]] = set()
            for region in self.config.phone_regions:
                for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=VALID):
                    if _plausible_phone(match.raw_string, _phone_digits(match.raw_string)):
                        found.add((match.start, match.end))
            spans += [PiiSpan(start, end, "PHONE") for start, end in sorted(found)]
        return spans

    # -- public API -------------------------------------------------------------------------
    def detect(self, text: str) -> list[PiiSpan]:
        """Non-overlapping PII spans, earlier kinds in `KINDS` winning overlaps."""
        kinds = self.config.kinds
        lower = text.lower()
        digit = DIGIT_RE.search(text) is not None
        triggers = self._triggers if digit or self.reference else self._triggers_without_digits
        fired = triggers(lower)
        candidates = self._structured(text, lower, fired, digit)
        if self._entities is not None:
            candidates += [
                PiiSpan(e.start, e.end, e.kind)
                for e in self._entities.find(text, lower, fired)
                if e.kind in kinds and (e.kind != "ADDRESS" or self.config.detect_addresses)
            ]
        if not candidates:
            return []
        if self.config.detect_addresses and "ADDRESS" in kinds:
            if "corner" in lower:
                candidates += [
                    PiiSpan(m.start(), m.end(), "ADDRESS") for m in CORNER_ADDRESS_RE.finditer(text)
                ]
            candidates = join_addresses(text, candidates)
        if "LOCATION" in kinds and digit:
            candidates = join_place_postcodes(text, candidates)
        priority = self._priority
        chosen: list[PiiSpan] = []
        for span in sorted(candidates, key=lambda s: (priority[s.kind], s.start - s.end)):
            if all(span.end <= kept.start or span.start >= kept.end for kept in chosen):
                chosen.append(span)
            elif span.kind == "PHONE" and (rest := _phone_after(text, span, chosen)) is not None:
                chosen.append(rest)
        return sorted(chosen)

    def redact(self, text: str) -> tuple[str, Counter[str]]:
        """The text with every span replaced by its placeholder, and the count per kind."""
        spans = self.detect(text)
        if not spans:
            return text, Counter()
        counts: Counter[str] = Counter(span.kind for span in spans)
        pieces: list[str] = []
        cursor = 0
        for span in spans:
            pieces.append(text[cursor : span.start])
            pieces.append(placeholder(span.kind))
            cursor = span.end
        pieces.append(text[cursor:])
        return "".join(pieces), counts

    def redact_seen(self, text: str, memo: Redactions | None) -> tuple[str, Counter[str]]:
        """`redact(text)`, read from `memo` when the text was redacted before (and stored
        there when not): a batch's repeated turns and prompts are redacted once. The counts
        returned are shared with the memo: read them, do not change them."""
        if memo is None:
            return self.redact(text)
        done = memo.get(text)
        if done is None:
            done = memo[text] = self.redact(text)
        return done

    def redact_messages(
        self, messages: Sequence[Mapping[str, str]], memo: Redactions | None = None
    ) -> tuple[list[dict[str, str]], Counter[str]]:
        """Every message's content redacted (roles kept), and the counts over all of them;
        `memo` as in `redact_seen` (one dict per batch)."""
        counts: Counter[str] = Counter()
        redacted = []
        for message in messages:
            content, found = self.redact_seen(message.get("content") or "", memo)
            counts.update(found)
            redacted.append({"role": message["role"], "content": content})
        return redacted, counts
