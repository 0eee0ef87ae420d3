"""Families and households inside one population block (issue #19): married couples, each
child's mother (and her husband as the father), and household registration (số hộ, quan hệ
với chủ hộ) as the population database keeps it.

Everything here is a row index into the block's own arrays, so a family never spans two
blocks of a chunked generation. Every step is vectorised (numpy), a few rounds of matching
requests to candidates sorted by date of birth; no loop over persons.
Figures carry their source; "estimate" where no official figure was found.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from generators.draws import categorical
from generators.orders import stable_order, stable_sort

__all__ = ["ASFR", "GAP_MEAN", "MIN_SPACING_DAYS", "RELATIONS", "Families", "build"]

YEAR = 365.2425
# Women's age at first marriage: from 18 (Law 52/2014 art. 8), Gamma-shaped, mean ~22.8
# (2019 census: singulate mean age at first marriage 22.8 for women, 27.2 for men, as
# reported by GSO; rounded, not re-verified here).
WIFE_AGE_SHAPE, WIFE_AGE_SCALE = 2.0, 2.4
NEVER_MARRIED = 0.05  # women who never marry (2019 census: a few percent of women 45-49; estimate)
# Husband's age minus wife's, years: husbands usually older by a few years. The census's
# gap between the sexes' mean ages at marriage is ~4.4 years; the mean gap within couples
# is set a little below it (estimate, no official figure found).
GAP_MEAN, GAP_SD = 3.5, 3.0
APART = 0.05  # couples registered in two communes (one spouse working elsewhere; estimate)
# Age-specific fertility, births per 1,000 women by band 15-19 ... 45-49 (2019 census,
# rounded): the teenage tail (~8 % of births) and the 40+ tail (~3 %).
ASFR = np.array([35.0, 141.0, 136.0, 82.0, 40.0, 10.0, 2.0])
OUTSIDE_MARRIAGE = 0.05  # births with no father declared (estimate; no official figure found)
MIN_SPACING_DAYS = 365  # two births to one mother: at least nine months apart, in practice a year
CHILD_MAX_AGE = 40  # persons this young are linked to a mother of the block
WITH_PARENTS = 0.8  # unmarried adult children still registered in their parents' household (estimate)
# Young couples registered in the husband's parents' household (three generations; estimate).
# With it households average ~3.5 persons (2019 census: 3.6 persons per household).
WITH_HIS_PARENTS, YOUNG_WIFE = 0.6, 40
ELDER_AGE, ELDER_WITH_CHILD = 60, 0.8  # single or widowed elders living with a younger couple (estimate)
# Relation to the head as the population database records it (domain term: quan hệ với chủ hộ).
RELATIONS = ("Chủ hộ", "Vợ", "Chồng", "Con", "Bố", "Mẹ", "Cháu", "Con dâu")
HEAD, WIFE, HUSBAND, CHILD, FATHER, MOTHER, GRANDCHILD, DAUGHTER_IN_LAW = range(8)
NONE = -1


@dataclass(frozen=True)
class Families:
    """Per person of the block (row index, -1 for none)."""

    spouse: np.ndarray  # the other spouse of a couple
    wed: np.ndarray  # day number of the couple's marriage, -1 if unmarried
    mother: np.ndarray
    father: np.ndarray  # the mother's husband when the child was born in the marriage
    home: np.ndarray  # household number = the row of the member whose commune it is registered in
    household: np.ndarray  # as ``home``, -1 for the dead (they leave the household register)
    relation: np.ndarray  # index into RELATIONS, -1 for the dead
    # Every person with a parent in the block, each after both parents, their mothers and
    # fathers, and where each generation of them ends (``descent[:generations[0]]``, …):
    # see ``_descent``.
    descent: np.ndarray
    descent_mother: np.ndarray
    descent_father: np.ndarray
    generations: tuple[int, ...]


def _match(
    rng: np.random.Generator,
    target: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    pool: np.ndarray,
    pool_dob: np.ndarray,
    accept: Callable[[np.ndarray, np.ndarray], np.ndarray],
    exclusive: bool,
    spacing: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """For each request (a wanted date of birth ``target`` within [lo, hi]) a pool member
    ``accept`` allows, or -1: first near the target, then anywhere in the window.
    ``exclusive``: a member serves one request. ``spacing`` = (the requests' own dates,
    (members, dates) assigned before): a member serves several requests whose dates are at
    least MIN_SPACING_DAYS apart."""
    out = np.full(target.size, NONE, dtype=np.int64)
    if pool.size == 0 or target.size == 0:
        return out
    day0 = int(pool_dob.min())
    span = int(pool_dob.max()) - day0 + 1
    # Dates of birth span ~40 000 days: a stable counting sort, and the sorted pool's
    # position of any day read from a table of counts instead of a binary search per request.
    order = stable_order(pool_dob - day0, span)
    members, dobs = pool[order], pool_dob[order]
    below = np.zeros(span + 1, dtype=np.int64)  # below[d]: members born before day day0 + d
    np.cumsum(np.bincount(pool_dob - day0, minlength=span), out=below[1:])

    def rank(day: np.ndarray, side: int = 0) -> np.ndarray:  # = np.searchsorted(dobs, day, side)
        return below[np.clip(day - day0 + side, 0, span)]

    taken = np.zeros(members.size, dtype=bool)
    todo = np.arange(target.size)
    got = np.sort(_keys(*spacing[1])) if spacing is not None else None  # births assigned so far
    for jitter in (3, 30, 300, 0, 0):
        if todo.size == 0:
            break
        if jitter:
            pos = rank(target[todo]) + rng.integers(-jitter, jitter + 1, todo.size)
        else:  # anywhere in the window
            a = rank(lo[todo])
            b = rank(hi[todo], side=1)
            pos = a + (rng.random(todo.size) * np.maximum(b - a, 0)).astype(np.int64)
        pos = np.clip(pos, 0, members.size - 1)
        who, born = members[pos], dobs[pos]
        ok = (born >= lo[todo]) & (born <= hi[todo]) & accept(todo, who)
        if exclusive:
            ok &= ~taken[pos]
        cand = np.flatnonzero(ok)
        if exclusive:  # each member to the first request proposing it (as np.unique's first index, unsorted)
            first = np.full(members.size, cand.size)
            np.minimum.at(first, pos[cand], np.arange(cand.size))
            win = cand[first[first < cand.size]]
            taken[pos[win]] = True
        elif spacing is not None:
            win = cand[_spaced(who[cand], spacing[0][todo[cand]], got)]
            # two sorted runs merged (a stable sort finds the runs): cheaper than sorting anew
            got = np.sort(np.concatenate([got, np.sort(_keys(who[win], spacing[0][todo[win]]))]), kind="stable")
        else:
            win = cand
        out[todo[win]] = who[win]
        keep = np.ones(todo.size, dtype=bool)
        keep[win] = False
        todo = todo[keep]
    return out


_KEY, _OFF = 1 << 20, 1 << 19  # (member, day) as one sortable int64: member * _KEY + day + _OFF


def _keys(member: np.ndarray, day: np.ndarray) -> np.ndarray:
    return member.astype(np.int64) * _KEY + day + _OFF


def _spaced(who: np.ndarray, when: np.ndarray, got: np.ndarray) -> np.ndarray:
    """Which proposals (member ``who`` for a birth on ``when``) keep every member's births at
    least MIN_SPACING_DAYS apart, against the sorted keys of the births assigned so far and
    against each other: a proposal too close to any other birth of its member is refused
    (it tries again next round)."""
    k = _keys(who, when)
    # In key order, so the search among the births so far runs over sorted queries (any
    # order of equal keys would do; the vectorised sort of stable_sort is ~2x cheaper than
    # an argsort).
    order, ks = stable_sort(k)
    ok = np.ones(k.size, dtype=bool)
    if got.size:
        i = np.searchsorted(got, ks)
        mine = ks // _KEY
        prev = got[np.maximum(i - 1, 0)]
        nxt = got[np.minimum(i, got.size - 1)]
        ok &= (i == 0) | (prev // _KEY != mine) | (ks - prev >= MIN_SPACING_DAYS)
        ok &= (i == got.size) | (nxt // _KEY != mine) | (nxt - ks >= MIN_SPACING_DAYS)
    pair = (ks[1:] // _KEY == ks[:-1] // _KEY) & (ks[1:] - ks[:-1] < MIN_SPACING_DAYS)
    ok[1:] &= ~pair
    ok[:-1] &= ~pair
    back = np.empty(k.size, dtype=bool)
    back[order] = ok
    return np.flatnonzero(back)


def _couples(rng, dob, male, dod, as_of) -> tuple[np.ndarray, np.ndarray]:
    n = dob.size
    spouse = np.full(n, NONE, dtype=np.int64)
    wed = np.full(n, NONE, dtype=np.int64)
    wife_at = dob + ((18 + rng.gamma(WIFE_AGE_SHAPE, WIFE_AGE_SCALE, n)) * YEAR).astype(np.int64) + 2
    women = np.flatnonzero(~male & (wife_at < as_of - 1) & (wife_at < dod) & (rng.random(n) >= NEVER_MARRIED))
    men = np.flatnonzero(male & (as_of - dob > 20 * YEAR + 3))
    target = dob[women] - (rng.normal(GAP_MEAN, GAP_SD, women.size) * YEAR).astype(np.int64)

    her_at, her_dod = wife_at[women], dod[women]  # per request

    def day(req: np.ndarray, man: np.ndarray) -> np.ndarray:
        # A man marries from 20 full years (counted from the exact date; TTLT 01/2016 art. 2.1).
        return np.maximum(her_at[req], dob[man] + int(20 * YEAR) + 3)

    def ok(req: np.ndarray, man: np.ndarray) -> np.ndarray:
        d = day(req, man)
        return (d < as_of - 1) & (d < dod[man]) & (d < her_dod[req])

    window = int(12 * YEAR)
    husband = _match(rng, target, target - window, target + window, men, dob[men], ok, exclusive=True)
    got = husband >= 0
    w, h = women[got], husband[got]
    d = day(np.flatnonzero(got), h)
    spouse[w], spouse[h] = h, w
    wed[w], wed[h] = d, d
    return spouse, wed


def _mothers(rng, dob, male, dod, spouse, wed, as_of) -> tuple[np.ndarray, np.ndarray]:
    n = dob.size
    mother = np.full(n, NONE, dtype=np.int64)
    father = np.full(n, NONE, dtype=np.int64)
    kids = np.flatnonzero(as_of - dob < CHILD_MAX_AGE * YEAR)
    band = categorical(rng, ASFR, kids.size)
    age = 15 + 5 * band + 5 * rng.random(kids.size)
    kdob = dob[kids]
    target = kdob - (age * YEAR).astype(np.int64)
    married = (age >= 18) & (rng.random(kids.size) >= OUTSIDE_MARRIAGE)

    wives = np.flatnonzero((spouse >= 0) & ~male)
    # A wife's marriage ends at the first death, hers or her husband's; anyone else is never
    # in one (accept only sees wives today, but a stray read must not see garbage).
    end = np.full_like(dod, np.iinfo(dod.dtype).min)
    end[wives] = np.minimum(dod[wives], dod[spouse[wives]])

    def in_marriage(born: np.ndarray) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
        # Born in the marriage (registered at least a month before), both parents alive then.
        def accept(req: np.ndarray, m: np.ndarray) -> np.ndarray:
            day = born[req]
            return (wed[m] <= day - 30) & (end[m] > day)

        return accept

    def alive(born: np.ndarray) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
        return lambda req, m: dod[m] > born[req]

    sub = np.flatnonzero(married)
    lo, hi = kdob - int(49.9 * YEAR), kdob - int(np.ceil(18 * YEAR))
    none = (np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64))
    got = _match(rng, target[sub], lo[sub], hi[sub], wives, dob[wives], in_marriage(kdob[sub]), False, (kdob[sub], none))
    mother[kids[sub]] = got
    father[kids[sub[got >= 0]]] = spouse[got[got >= 0]]

    # Outside marriage, or no fitting wife: an unmarried woman 15-45 at the birth, one child each.
    sub = np.flatnonzero(mother[kids] < 0)
    single = np.flatnonzero(~male & (spouse < 0))
    lo, hi = kdob - int(45 * YEAR), kdob - int(np.ceil(15 * YEAR))
    mother[kids[sub]] = _match(rng, target[sub], lo[sub], hi[sub], single, dob[single], alive(kdob[sub]), True)

    # A child born since the reform still without one (a very small block) needs a mother
    # for the birth record: any woman 16-49 at the birth, births kept apart.
    sub = np.flatnonzero((mother[kids] < 0) & (kdob >= as_of - int(1.5 * YEAR)))
    if sub.size:
        has = np.flatnonzero(mother >= 0)
        women = np.flatnonzero(~male)
        lo, hi = kdob - int(49 * YEAR), kdob - int(np.ceil(16 * YEAR))
        mother[kids[sub]] = _match(
            rng, target[sub], lo[sub], hi[sub], women, dob[women], alive(kdob[sub]), False, (kdob[sub], (mother[has], dob[has]))
        )
    return mother, father


def _households(rng, dob, male, dod, spouse, mother, as_of) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One household per couple living together (anchored on the wife's commune), a spouse
    living apart heads their own; children with their mother while minors (and often as
    unmarried adults); some lone elders with a younger couple; everyone else alone."""
    n = dob.size
    alive = dod > as_of
    age = (as_of - dob) / YEAR
    hh = np.full(n, NONE, dtype=np.int64)
    rel = np.full(n, NONE, dtype=np.int64)
    wives = np.flatnonzero(~male & (spouse >= 0))
    husbands = spouse[wives]
    apart = rng.random(wives.size) < APART
    # Couple households, numbered by the wife's row.
    hh[wives] = wives
    hh[husbands[~apart]] = wives[~apart]
    # Some young couples live in the husband's mother's household (she heads it or is the wife there).
    his_mother = np.where(husbands >= 0, mother[husbands], NONE)
    join = ~apart & (his_mother >= 0) & (age[wives] < YOUNG_WIFE) & (rng.random(wives.size) < WITH_HIS_PARENTS)
    join[join] &= hh[his_mother[join]] >= 0
    joined = np.zeros(n, dtype=bool)
    joined[wives[join]] = True
    hh[wives[join]] = hh[his_mother[join]]
    hh[husbands[join]] = hh[his_mother[join]]
    for _ in range(4):  # the husband's mother may herself have joined her mother-in-law's household
        has = np.flatnonzero(hh >= 0)
        hh[has] = hh[hh[has]]
    # An unmarried mother heads her own household.
    is_mother = np.zeros(n, dtype=bool)
    is_mother[mother[mother >= 0]] = True
    moms = np.flatnonzero(is_mother)  # as np.unique, without a sort
    moms = moms[hh[moms] < 0]
    hh[moms] = moms
    rel[moms] = HEAD
    # Children: in their mother's household while under 18, or unmarried and staying.
    m = np.flatnonzero((mother >= 0) & (hh < 0) & (spouse < 0))
    stay = (age[m] < 18) | (rng.random(m.size) < WITH_PARENTS)
    m = m[stay & (hh[mother[m]] >= 0)]
    hh[m] = hh[mother[m]]
    rel[m] = np.where(joined[mother[m]], GRANDCHILD, CHILD)
    # Lone elders with a couple whose wife is 18-45 years younger (a son's or daughter's home).
    lone = np.flatnonzero((hh < 0) & (spouse < 0) & (age >= ELDER_AGE) & (rng.random(n) < ELDER_WITH_CHILD))
    homes = wives[~apart & ~join]
    target = dob[lone] + int(28 * YEAR)
    pick = _match(
        rng,
        target,
        dob[lone] + int(18 * YEAR),
        dob[lone] + int(45 * YEAR),
        homes,
        dob[homes],
        lambda r, w: np.ones(r.size, dtype=bool),
        exclusive=True,
    )
    got = pick >= 0
    hh[lone[got]] = pick[got]
    rel[lone[got]] = np.where(male[lone[got]], FATHER, MOTHER)
    # Minors without a mother in the block: a grandchild or nephew of some couple.
    orphans = np.flatnonzero((hh < 0) & (age < 18))
    if homes.size:
        hh[orphans] = homes[rng.integers(0, homes.size, orphans.size)]
        rel[orphans] = GRANDCHILD
    # Everyone left heads a one-person household.
    rest = np.flatnonzero(hh < 0)
    hh[rest] = rest

    # Heads: the husband of a couple living together, else the wife; for a household whose
    # head has died, the oldest living member. The dead leave the household register.
    rel[wives] = np.where(apart, HEAD, np.where(join, DAUGHTER_IN_LAW, WIFE))
    rel[husbands] = np.where(join, CHILD, HEAD)
    rel[rest] = HEAD
    home = hh.copy()
    dead = ~alive
    hh[dead], rel[dead] = NONE, NONE
    live = np.flatnonzero(hh >= 0)
    has_head = np.zeros(n, dtype=bool)
    has_head[hh[live[rel[live] == HEAD]]] = True
    orphaned = live[~has_head[hh[live]]]
    if orphaned.size:
        # oldest living member of each headless household becomes head (a widow: her
        # relation "Vợ" becomes "Chủ hộ"; others keep theirs to the former head)
        order = orphaned[np.lexsort((dob[orphaned], hh[orphaned]))]
        first = np.ones(order.size, dtype=bool)
        first[1:] = hh[order[1:]] != hh[order[:-1]]
        rel[order[first]] = HEAD
    return home, hh, rel


def build(rng: np.random.Generator, dob: np.ndarray, male: np.ndarray, dod: np.ndarray, as_of: int) -> Families:
    """Families of one block. ``dob``/``dod`` are day numbers (``dod`` beyond ``as_of`` for
    the living)."""
    spouse, wed = _couples(rng, dob, male, dod, as_of)
    mother, father = _mothers(rng, dob, male, dod, spouse, wed, as_of)
    home, hh, rel = _households(rng, dob, male, dod, spouse, mother, as_of)
    return Families(spouse, wed, mother, father, home, hh, rel, *_descent(dob, mother, father))


def _descent(dob: np.ndarray, mother: np.ndarray, father: np.ndarray) -> tuple:
    """The rows with a parent in the block by generation, their mothers and fathers, and
    where each generation ends: a value handed down from parents (ethnic.py) then takes one
    pass per generation (passes over every child until nothing changed cost ~3x more). A
    generation is a span of birth dates as wide as the smallest gap between a parent and a
    child, so a parent is always in an earlier one."""
    kids = np.flatnonzero((mother >= 0) | (father >= 0))
    gaps = [dob[kids[p >= 0]] - dob[p[p >= 0]] for p in (mother[kids], father[kids])]
    gap = min((int(g.min()) for g in gaps if g.size), default=1)
    if gap <= 0:
        raise ValueError("a parent born no earlier than their child")
    born = dob[kids] - (int(dob[kids].min()) if kids.size else 0)
    generation = born // gap
    order = stable_order(generation, int(generation.max(initial=0)) + 1)
    rows = kids[order]
    return rows, mother[rows], father[rows], tuple(int(end) for end in np.cumsum(np.bincount(generation)))
