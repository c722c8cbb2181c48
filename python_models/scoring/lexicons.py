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
