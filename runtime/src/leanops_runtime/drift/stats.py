"""The statistics of a drift check: scipy's tests, PSI, and Holm's correction across features.

- Numeric features: the two-sample Kolmogorov-Smirnov test. ``D`` is computed against the saved
  reference sketch; its p-value is scipy's asymptotic two-sided one (``kstwo.sf(D, round(en))``
  with ``en = n*m / (n+m)``, exactly what ``scipy.stats.ks_2samp(method="asymp")`` uses), with
  ``m`` the number of reference rows, not the sketch's size. A sketch of ``K`` mid-point quantiles
  is within ``1/(2K)`` of the reference's own distribution function everywhere, so ``D`` is
  lowered by that much before the p-value is read: the test stays conservative.
- Missing values: Fisher's exact test on the missing/present counts (only when either side has
  missing values), combined with the KS test by Bonferroni (twice the smaller p-value).
- Categorical features: Pearson's chi-square test of homogeneity on the reference and batch counts
  (as ``scipy.stats.chi2_contingency``), categories with an expected count below 5 pooled together
  (Cochran's rule), so rare categories do not make the approximation cry wolf, and values training
  never saw in that pool (``pool_rare``); one new value in volume by ``new_value_p_value``,
  combined with the chi-square by Bonferroni.
- A batch is a family of tests, one per feature: Holm's step-down correction keeps the chance that
  ANY feature of a same-distribution batch is flagged at ``alpha`` (5% by default). With 12
  features tested at 5% each, about 46% of clean batches would warn somewhere.
- PSI (population stability index) is an effect size, not a test: sum of (new - ref) * ln(new /
  ref) over bins. It says how much a distribution moved; the p-value says whether it moved at all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]

EPSILON = 1e-4  # floor for empty bins, so ln(new / ref) stays finite
MIN_EXPECTED = 5.0  # Cochran's rule for the chi-square approximation


def psi(reference: Sequence[float] | Floats, current: Sequence[float] | Floats) -> float:
    """Population stability index between two vectors of bin proportions."""
    ref = np.clip(np.asarray(reference, dtype=float), EPSILON, None)
    cur = np.clip(np.asarray(current, dtype=float), EPSILON, None)
    return float(np.sum((cur - ref) * np.log(cur / ref)))


def ks_statistic(sorted_reference: Floats, sorted_current: Floats) -> float:
    """Two-sample Kolmogorov-Smirnov D of two sorted samples (vectorised)."""
    points = np.concatenate([sorted_reference, sorted_current])
    cdf_ref = np.searchsorted(sorted_reference, points, side="right") / sorted_reference.size
    cdf_cur = np.searchsorted(sorted_current, points, side="right") / sorted_current.size
    return float(np.max(np.abs(cdf_ref - cdf_cur)))


def ks_p_value(d: float, reference_rows: int, batch_rows: int, resolution: float = 0.0) -> float:
    """Two-sided asymptotic p-value of ``d`` for samples of these sizes (as scipy's ks_2samp).

    ``resolution``: how far the reference sketch's distribution function may be from the full
    reference's (0 when the sketch is the whole sample); ``d`` is lowered by it first.
    """
    if reference_rows < 1 or batch_rows < 1:
        return 1.0
    m, n = sorted((float(reference_rows), float(batch_rows)), reverse=True)
    return _kolmogorov_sf(max(d - resolution, 0.0), max(1, round(m * n / (m + n))))


@lru_cache(maxsize=4096)
def _kolmogorov_sf(d: float, en: int) -> float:
    """``kstwo.sf(d, en)``, kept: its exact algorithm costs milliseconds for small ``en``, and
    ``d`` lies on a grid set by the sample sizes, so the columns of a batch (or batch after
    batch) ask for the same values again."""
    from scipy.stats import kstwo

    return float(np.clip(kstwo.sf(d, en), 0.0, 1.0))


def share_p_value(
    reference_rest: int, reference_share: int, batch_rest: int, batch_share: int
) -> float | None:
    """Fisher's exact p-value for a change in the share of the rows missing values hold, against
    the rest; None when neither side has any (nothing to test)."""
    from scipy.stats import fisher_exact

    if reference_share == 0 and batch_share == 0:
        return None
    table = [[reference_rest, reference_share], [batch_rest, batch_share]]
    return float(fisher_exact(table).pvalue)


def new_value_p_value(
    reference: Mapping[str, float], batch: Mapping[str, float], pooled: str
) -> float | None:
    """Whether one value training never saw came in volume (10 rows of ``enterprise`` among
    1,000), which the chi-square's pool of rare and new values would hide; None when the batch
    holds no new value.

    A value met ``t`` times in both tables together has all of them in the batch with chance
    ``q ** t``, ``q`` the batch's share of the rows. For the new value met most, ``m`` times,
    Bonferroni over the values met ``m`` times or more bounds that chance by ``D * q ** m``:
    about 1e-6 for that example against 4,000 rows, and 1 for the odd new town of a long tail,
    met once or twice. Not tested when the reference pooled its rarest values (``pooled``, past
    ``MAX_CATEGORIES``): one of those would look new.
    """
    new = [count for name, count in batch.items() if name not in reference]
    if not new or pooled in reference:  # a value the reference pooled would look new
        return None
    most = max(new)
    reference_rows, batch_rows = sum(reference.values()), sum(batch.values())
    share = batch_rows / (reference_rows + batch_rows)
    totals = [count + batch.get(name, 0.0) for name, count in reference.items()]
    candidates = sum(total >= most for total in totals) + sum(count >= most for count in new)
    return float(min(1.0, candidates * share**most))


def missing_p_value(
    reference_present: int, reference_missing: int, batch_present: int, batch_missing: int
) -> float | None:
    """``share_p_value`` of the missing values (0.3.0's name, kept for code that calls it)."""
    return share_p_value(reference_present, reference_missing, batch_present, batch_missing)


def bonferroni(*p_values: float | None) -> float | None:
    """One p-value for a feature tested more than one way (the tests that ran: None is one that
    did not): the smallest, times how many ran; None when none did."""
    ran = [p for p in p_values if p is not None]
    return min(1.0, len(ran) * min(ran)) if ran else None


def pool_rare(reference: Floats, batch: Floats, joined: int | None = None) -> tuple[Floats, Floats]:
    """Merge the categories whose expected count is below ``MIN_EXPECTED`` into one column,
    with column ``joined`` (the values training never saw) always in it.

    Expected counts are those of the 2 x k table (row total x column total / grand total), on the
    smaller of the two rows. The pool grows by the next rarest category until it reaches the
    minimum itself; columns empty on both sides are dropped.

    Why the new values join the rare ones: a value training met once holds more than its share
    of the training rows (it was met), so a clean batch meets such values less often than
    training did, and values training never met about that much more often (Good-Turing). Apart,
    both moves were drift: over a long-tailed code (Zipf's law over thousands of values) half to
    all of clean batches were flagged; pooled, they cancel, and 4 to 6% are, at 5%.
    """
    keep = (reference + batch) > 0
    forced = np.zeros(reference.size, dtype=bool)
    if joined is not None:
        forced[joined] = True
    reference, batch, forced = reference[keep], batch[keep], forced[keep]
    total = reference.sum() + batch.sum()
    if total == 0:
        return reference, batch
    expected = min(reference.sum(), batch.sum()) * (reference + batch) / total
    order = np.argsort(expected, kind="stable")
    pooled = forced.copy()
    pooled_expected = float(expected[forced].sum())
    for index in order:
        if pooled[index]:
            continue
        if expected[index] >= MIN_EXPECTED and (
            pooled_expected >= MIN_EXPECTED or not pooled.any()
        ):
            break
        pooled[index] = True
        pooled_expected += float(expected[index])
    if not pooled.any():
        return reference, batch
    ref_out = np.append(reference[~pooled], reference[pooled].sum())
    batch_out = np.append(batch[~pooled], batch[pooled].sum())
    return ref_out, batch_out


def chi_square(
    reference_counts: Floats, batch_counts: Floats, joined: int | None = None
) -> tuple[float, float]:
    """Pearson's chi-square statistic and p-value for two count vectors over the same categories
    (rare categories pooled, ``joined`` with them); ``(0.0, 1.0)`` when fewer than two categories
    remain.

    What ``scipy.stats.chi2_contingency(table, correction=False)`` returns for the 2 x k table,
    computed here: its argument checks cost 30 times the arithmetic, paid per categorical feature
    of every batch."""
    from scipy.special import chdtrc

    reference, batch = pool_rare(
        np.asarray(reference_counts, dtype=float), np.asarray(batch_counts, dtype=float), joined
    )
    if reference.size < 2 or reference.sum() == 0 or batch.sum() == 0:
        return 0.0, 1.0
    table = np.vstack([reference, batch])
    expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0, keepdims=True) / table.sum()
    statistic = float(np.sum((table - expected) ** 2 / expected))
    return statistic, float(chdtrc(table.shape[1] - 1, statistic))


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values: reject where the adjusted value is below ``alpha``,
    and the chance of any false rejection among all of them stays at most ``alpha``."""
    order = np.argsort(np.asarray(p_values, dtype=float), kind="stable")
    count = len(p_values)
    adjusted = [1.0] * count
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (count - rank) * float(p_values[index])))
        adjusted[index] = running
    return adjusted
