"""Valid, fictitious identifiers and names: USCCs (GB 32100), resident IDs (GB 11643), Chinese names.

Pure functions of a `random.Random`; every number made here passes the same checks that intake applies
(`ecredit.kit.identifiers`), and resident IDs use birthplace codes that python-stdnum's stricter
`cn.ric.validate` accepts for the birth year (it knows when each county code was in use).
"""

from __future__ import annotations

import datetime as dt
import random
from functools import cache

from stdnum.cn import ric as stdnum_ric

from ecredit.kit.identifiers import normalise_ric, ric_with_check_digit, uscc_with_check_digit

from . import words

# Characters of the USCC alphabet (GB 32100: no I, O, S, V, Z).
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

# Nantong's county-level codes, current and historic (GB/T 2260); a resident ID keeps the code in
# force when it was first issued, so older people carry older codes.
NANTONG_ID_CODES = ("320602", "320611", "320612", "320613", "320614", "320621", "320622", "320623", "320624",
                    "320625", "320626", "320681", "320682", "320683", "320684", "320685", "320601", "320600")
# Birthplaces elsewhere (people who moved to Nantong), codes valid in every year stdnum knows.
OTHER_ID_CODES = ("310101", "310104", "320100", "320500", "320200", "340100", "330100")


def org_code(body8: str) -> str:
    """The 9-character organisation code (GB 11714): 8 characters and their check character."""
    total = sum((int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(body8, _ORG_WEIGHTS))
    check = 11 - total % 11
    return body8 + ("X" if check == 10 else "0" if check == 11 else str(check))


def new_uscc(rng: random.Random, region: str, prefix: str = "91", modern: bool | None = None) -> str:
    """A valid USCC: registration authority and kind (`prefix`: 91 firm, 92 individual business, 11 organ
    of state), 6-digit region, organisation code, check character."""
    modern = rng.random() < 0.55 if modern is None else modern
    if modern:  # codes issued with the USCC reform (from 2015): MA + six characters
        body = "MA" + rng.choice("123") + "".join(rng.choice(USCC_ALPHABET) for _ in range(5))
    else:
        body = "".join(rng.choice("0123456789") for _ in range(8))
    return uscc_with_check_digit(prefix + region + org_code(body))


@cache
def _codes_valid_in(year: int, codes: tuple[str, ...]) -> tuple[str, ...]:
    # python-stdnum's own check (stricter than intake's): the code must have existed in the birth year.
    return tuple(code for code in codes if stdnum_ric.is_valid(ric_with_check_digit(f"{code}{year}0701001")))


def birthplace(rng: random.Random, year: int) -> str:
    """A birthplace code accepted for `year`: mostly Nantong's, sometimes elsewhere."""
    local = _codes_valid_in(year, NANTONG_ID_CODES)
    if local and rng.random() < 0.88:
        return rng.choice(local)
    return rng.choice(_codes_valid_in(year, OTHER_ID_CODES))


def new_ric(rng: random.Random, male: bool, year_from: int = 1960, year_to: int = 2004) -> str:
    """A valid resident ID of someone born between the years given (odd order code for men)."""
    year = int(round(rng.triangular(year_from, year_to, 1986)))
    born = dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365))
    order = rng.randrange(0, 500) * 2 + (1 if male else 0)
    return normalise_ric(ric_with_check_digit(f"{birthplace(rng, year)}{born:%Y%m%d}{order:03d}"))


def _weighted(rng: random.Random, pairs) -> str:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def person_name(rng: random.Random, male: bool) -> str:
    """A Chinese personal name: surname and one or two given-name characters."""
    pool = words.GIVEN_MALE if male else words.GIVEN_FEMALE
    given = rng.choice(pool)
    if rng.random() < 0.7:
        given = (rng.choice(words.GIVEN_ANY) if rng.random() < 0.3 else rng.choice(pool)) + given
    return _weighted(rng, words.SURNAMES) + given


def trade_name(rng: random.Random) -> str:
    """A two-character trade name (字号)."""
    first = rng.choice(words.TRADE_CHARS)
    second = rng.choice(words.TRADE_CHARS)
    return first + second if first != second else trade_name(rng)


def misspelt(rng: random.Random, name: str) -> str:
    """A name as a platform might have it wrong: a character swapped or the legal form changed."""
    if name.endswith("有限公司") and rng.random() < 0.5:
        return name.replace("有限公司", "有限责任公司")
    index = rng.randrange(len(name))
    replacement = rng.choice(words.TRADE_CHARS)
    if name[index] == replacement:
        return name + "（店）"
    return name[:index] + replacement + name[index + 1:]
