"""Check a batch against reference statistics: one test per feature, one verdict per batch.

A feature's verdict:

- ``insufficient data``: the batch has fewer than ``min_rows`` rows (no test is run);
- ``ok``: no significant change (Holm-adjusted p-value >= ``alpha``);
- ``warn``: a significant change (adjusted p < ``alpha``): the distribution moved;
- ``alert``: a significant change that is also large: PSI >= ``psi_alert`` or KS D >= ``ks_alert``;
- ``not checked``: a date feature of a model registered before references kept dates (no test).

The batch's status is its worst feature's (``not checked`` features do not count). See ``stats``
for the tests and why the correction.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from .reference import (
    EPOCH,
    MISSING,
    OTHER,
    CategoricalReference,
    DriftError,
    FeatureReference,
    NumericReference,
    categories,
    checks_dates,
    elapsed_days,
    parse,
)
from .stats import (
    Floats,
    bonferroni,
    chi_square,
    holm,
    ks_p_value,
    ks_statistic,
    new_value_p_value,
    pool_rare,
    psi,
    share_p_value,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pydantic import JsonValue

    from ..settings import DriftSettings

LEVELS = ("ok", "warn", "alert")
INSUFFICIENT = "insufficient data"
NOT_CHECKED = "not checked"
NO_DATES = "model registered before dates were checked: retrain to check them"
DEFAULT_ALPHA = 0.05
DEFAULT_PSI_ALERT = 0.25
DEFAULT_KS_ALERT = 0.2
DEFAULT_MIN_ROWS = 100
NAMED_UNSEEN = 3  # the unseen values a change of "<other>" names, most frequent first


@dataclass
class Distribution:
    """Reference and batch shares over the same bins (deciles, missing) or categories."""

    labels: list[str]
    reference: list[float]
    batch: list[float]


@dataclass
class FeatureDrift:
    """One feature's result: the test, its p-values, the effect sizes and the verdict."""

    feature: str
    kind: str  # numeric | categorical | datetime
    rows: int
    test: str  # ks | chi2; "+missing": the share of gaps tested too; "+unseen": a new value
    statistic: float | None
    p_value: float | None
    p_adjusted: float | None  # Holm, across the batch's features
    psi: float | None
    ks: float | None  # KS D (numeric)
    mean_shift_sd: float | None  # (batch mean - reference mean) / reference SD (numeric)
    mean_shift_days: float | None  # batch mean - reference mean, in days (datetime)
    largest_change: dict[str, JsonValue] | None  # category, reference share, batch share
    missing: tuple[float, float]  # share of missing values: reference, batch
    status: str
    thresholds: dict[str, float]
    distribution: Distribution
    note: str | None = None  # why a feature is not checked


@dataclass
class DriftReport:
    """The result of one check."""

    rows: int
    min_rows: int
    alpha: float
    status: str
    features: list[FeatureDrift] = field(default_factory=list)

    def to_json(self) -> dict[str, JsonValue]:
        """A JSON-ready dict (what ``reports/drift-*.json`` holds)."""
        data: dict[str, JsonValue] = asdict(self)
        return data

    def flagged(self, level: str) -> list[str]:
        """Features at ``level`` (``warn`` or ``alert``) or above."""
        floor = LEVELS.index(level)
        return [
            row.feature
            for row in self.features
            if row.status in LEVELS and LEVELS.index(row.status) >= floor
        ]


@dataclass
class Limits:
    """The thresholds that apply to one feature."""

    alpha: float = DEFAULT_ALPHA
    psi_alert: float = DEFAULT_PSI_ALERT
    ks_alert: float = DEFAULT_KS_ALERT


def limits_for(settings: DriftSettings | None, feature: str) -> Limits:
    """Global thresholds, overridden by the feature's own entries (unset = keep the global)."""
    if settings is None:
        return Limits()
    limits = Limits(settings.alpha, settings.psi_alert, settings.ks_alert)
    own = settings.features.get(feature)
    if own is not None:
        if own.psi_alert is not None:
            limits.psi_alert = own.psi_alert
        if own.ks_alert is not None:
            limits.ks_alert = own.ks_alert
    return limits


def _round(value: float | None, digits: int = 6) -> float | None:
    if value is None or not np.isfinite(value):
        return None
    return round(float(value), digits)


def _significant(value: float | None, digits: int = 4) -> float | None:
    """A p-value to ``digits`` significant digits: rounded to decimals, 3e-9 read as 0."""
    if value is None or not np.isfinite(value):
        return None
    return float(f"{float(value):.{digits}g}")


def _day(days: float, whole: bool) -> str:
    moment = EPOCH + pd.Timedelta(days=days)
    return moment.strftime("%Y-%m-%d" if whole else "%Y-%m-%d %H:%M")


def _edge_labels(edges: Floats, dates: bool = False) -> list[str]:
    if edges.size == 0:
        return ["all"]
    if dates:
        whole = bool(np.all(edges == np.round(edges)))
        shown = [_day(float(edge), whole) for edge in edges]
    else:
        shown = [f"{edge:.3g}" for edge in edges]
    middle = [f"{low} to {high}" for low, high in itertools.pairwise(shown)]
    return [f"< {shown[0]}", *middle, f"≥ {shown[-1]}"]


@dataclass
class _Measured:
    """A feature's raw results before the batch-level correction."""

    kind: str
    rows: int
    test: str
    statistic: float | None
    p_value: float | None
    psi: float | None
    ks: float | None = None
    mean_shift_sd: float | None = None
    mean_shift_days: float | None = None
    largest_change: dict[str, JsonValue] | None = None
    missing: tuple[float, float] = (0.0, 0.0)
    distribution: Distribution = field(default_factory=lambda: Distribution([], [], []))


def _numeric(ref: NumericReference, column: pd.Series) -> _Measured:
    if ref.dates:
        values = elapsed_days(column)
    else:
        values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)
    present = np.sort(values[~np.isnan(values)])
    missing = int(values.size - present.size)
    counts = np.bincount(
        np.searchsorted(ref.edges, present, side="right"), minlength=ref.edges.size + 1
    )
    ref_total = ref.present + ref.missing
    ref_shares = np.append(ref.proportions * ref.present, ref.missing) / max(ref_total, 1)
    batch_shares = np.append(counts, missing) / max(values.size, 1)
    labels = _edge_labels(ref.edges, ref.dates)
    if ref.missing == 0 and missing == 0:  # no "missing" bin to compare or draw
        ref_shares, batch_shares = ref_shares[:-1], batch_shares[:-1]
    else:
        labels.append("missing")
    d = p_ks = None
    if present.size and ref.sketch.size:
        d = ks_statistic(ref.sketch, present)
        p_ks = ks_p_value(d, ref.present, int(present.size), ref.resolution)
    p_missing = share_p_value(ref.present, ref.missing, int(present.size), missing)
    p_value = bonferroni(p_ks, p_missing)
    shift = days = None
    if present.size and ref.mean is not None:
        moved = float(present.mean()) - ref.mean
        shift = moved / ref.std if ref.std else None
        days = moved if ref.dates else None
    return _Measured(
        kind="datetime" if ref.dates else "numeric",
        rows=int(values.size),
        test="ks" + ("+missing" if p_missing is not None else ""),
        statistic=d,
        p_value=p_value,
        psi=psi(ref_shares, batch_shares) if values.size else None,
        ks=d,
        mean_shift_sd=shift,
        mean_shift_days=days,
        missing=(ref.missing / max(ref_total, 1), missing / max(values.size, 1)),
        distribution=Distribution(labels, _shares(ref_shares), _shares(batch_shares)),
    )


def _categorical(ref: CategoricalReference, column: pd.Series, alpha: float) -> _Measured:
    """The category test of ``column`` against ``ref``; the change it reports is the category
    that moved most, or the values training never saw when their own test is the one below
    ``alpha`` (then they are what the row warns about)."""
    found = categories(column).value_counts()
    current = dict.fromkeys(ref.counts, 0.0)
    # Gaps are gaps, not a value training never saw; unless the reference pooled its rare values
    # and names no gaps (an older reference pooled rare gaps too): then they may be in the pool.
    gaps_named = MISSING in ref.counts or OTHER not in ref.counts
    if gaps_named:
        current.setdefault(MISSING, 0.0)
    current.setdefault(OTHER, 0.0)
    # The values training never saw, most frequent first (unknown when the reference pooled
    # its own rarest categories as OTHER: those are not named).
    unseen: list[JsonValue] = []
    for key, count in found.items():
        name = str(key)
        known = name in ref.counts or (name == MISSING and gaps_named)
        if not known and OTHER not in ref.counts:
            unseen.append(name)
        current[name if known else OTHER] += float(count)
    names = list(current)
    ref_counts = np.asarray([ref.counts.get(name, 0.0) for name in names], dtype=float)
    batch_counts = np.asarray([current[name] for name in names], dtype=float)
    # Values training never saw share the chi-square's pool of rare values (``pool_rare`` says
    # why); one of them in volume, which that pool would hide, is tested on its own. The two
    # p-values are combined by Bonferroni, as a number's KS and missing tests.
    other = names.index(OTHER)
    statistic, p_chi = chi_square(ref_counts, batch_counts, joined=other)
    p_other = new_value_p_value(
        ref.counts,
        {str(key): float(count) for key, count in found.items() if key != MISSING},
        OTHER,
    )
    p_value = bonferroni(p_chi, p_other)
    ref_shares = ref_counts / max(ref_counts.sum(), 1.0)
    batch_shares = batch_counts / max(batch_counts.sum(), 1.0)
    changes = np.abs(batch_shares - ref_shares)
    largest = int(np.argmax(changes)) if changes.size else None
    if unseen and p_other is not None and p_other < min(p_chi, alpha):
        largest = other  # values training never saw moved the test: the change names them
    keep = (ref_counts + batch_counts) > 0  # drop an empty "<other>"
    missing_index = names.index(MISSING) if MISSING in names else None
    return _Measured(
        kind="categorical",
        rows=len(column),
        test="chi2" + ("+unseen" if p_other is not None else ""),
        statistic=statistic,
        p_value=p_value,
        psi=_pooled_psi(ref_counts, batch_counts, other) if len(column) else None,
        largest_change=None
        if largest is None
        else {
            "category": names[largest],
            "reference": round(float(ref_shares[largest]), 6),
            "batch": round(float(batch_shares[largest]), 6),
            **(
                {"values": unseen[:NAMED_UNSEEN], "more": max(len(unseen) - NAMED_UNSEEN, 0)}
                if names[largest] == OTHER and unseen
                else {}
            ),
        },
        missing=(0.0, 0.0)
        if missing_index is None
        else (float(ref_shares[missing_index]), float(batch_shares[missing_index])),
        distribution=Distribution(
            [name for name, kept in zip(names, keep, strict=True) if kept],
            _shares(ref_shares[keep]),
            _shares(batch_shares[keep]),
        ),
    )


def _pooled_psi(reference: Floats, batch: Floats, joined: int) -> float:
    """PSI over the cells the chi-square test uses (rare categories pooled): over 150 values of
    a code, a clean 500-row batch scored 0.3 to 0.6 from sampling noise alone, above
    ``psi_alert``, so every warning of such a feature was an alert."""
    pooled_reference, pooled_batch = pool_rare(reference, batch, joined)
    return psi(
        pooled_reference / max(pooled_reference.sum(), 1.0),
        pooled_batch / max(pooled_batch.sum(), 1.0),
    )


def _shares(values: Floats) -> list[float]:
    return [round(float(value), 6) for value in values]


def _verdict(measured: _Measured, adjusted: float | None, limits: Limits, min_rows: int) -> str:
    if measured.rows < min_rows:
        return INSUFFICIENT
    if adjusted is None or adjusted >= limits.alpha:
        return "ok"
    large = (measured.psi or 0.0) >= limits.psi_alert or (measured.ks or 0.0) >= limits.ks_alert
    return "alert" if large else "warn"


def _unchecked(name: str, rows: int) -> FeatureDrift:
    """A date feature the reference has no statistics for: in the table, without a test."""
    return FeatureDrift(
        feature=name,
        kind="datetime",
        rows=rows,
        test="none",
        statistic=None,
        p_value=None,
        p_adjusted=None,
        psi=None,
        ks=None,
        mean_shift_sd=None,
        mean_shift_days=None,
        largest_change=None,
        missing=(0.0, 0.0),
        status=NOT_CHECKED,
        thresholds={},
        distribution=Distribution([], [], []),
        note=NO_DATES,
    )


def check(
    reference: Mapping[str, object],
    frame: pd.DataFrame,
    settings: DriftSettings | None = None,
    *,
    dates: Sequence[str] = (),
) -> DriftReport:
    """Compare ``frame`` with ``reference`` (``reference_stats``' output, from the registry).

    ``settings`` is the ``drift`` section of the settings (alpha, alert thresholds, ``min_rows``,
    per-feature ``features``); None uses the defaults. ``dates``: the contract's date features;
    a reference older than date statistics lists them as not checked, so none goes unmentioned.
    """
    features: dict[str, FeatureReference] = parse(reference)
    missing = [name for name in features if name not in frame.columns]
    if missing:
        raise DriftError(f"batch lacks feature column(s) of the reference: {', '.join(missing)}")
    min_rows = settings.min_rows if settings is not None else DEFAULT_MIN_ROWS
    alpha = settings.alpha if settings is not None else DEFAULT_ALPHA
    measured = {
        name: _numeric(ref, frame[name])
        if isinstance(ref, NumericReference)
        else _categorical(ref, frame[name], alpha)
        for name, ref in features.items()
    }
    # The family: every feature with enough rows and a test. Holm keeps its error rate at alpha.
    family = {
        name: m.p_value
        for name, m in measured.items()
        if m.rows >= min_rows and m.p_value is not None
    }
    adjusted = dict(zip(family, holm(list(family.values())), strict=True))
    rows = []
    for name, m in measured.items():
        limits = limits_for(settings, name)
        status = _verdict(m, adjusted.get(name), limits, min_rows)
        tested = status != INSUFFICIENT
        rows.append(
            FeatureDrift(
                feature=name,
                kind=m.kind,
                rows=m.rows,
                test=m.test,
                # Below min_rows, no test and no effect size: on 20 rows a PSI of 1.8 is noise.
                statistic=_round(m.statistic) if tested else None,
                p_value=_significant(m.p_value) if tested else None,
                p_adjusted=_significant(adjusted.get(name)) if tested else None,
                psi=_round(m.psi) if tested else None,
                ks=_round(m.ks) if tested else None,
                mean_shift_sd=_round(m.mean_shift_sd, 4) if tested else None,
                mean_shift_days=_round(m.mean_shift_days, 4) if tested else None,
                largest_change=m.largest_change if tested else None,
                missing=(round(m.missing[0], 6), round(m.missing[1], 6)),
                status=status,
                thresholds={
                    "alpha": limits.alpha,
                    "psi_alert": limits.psi_alert,
                    "ks_alert": limits.ks_alert,
                },
                distribution=m.distribution,
            )
        )
    if not checks_dates(reference):
        rows.extend(_unchecked(name, len(frame)) for name in dates if name not in features)
    graded = [LEVELS.index(row.status) for row in rows if row.status in LEVELS]
    overall = LEVELS[max(graded)] if graded else INSUFFICIENT
    return DriftReport(
        rows=len(frame), min_rows=min_rows, alpha=alpha, status=overall, features=rows
    )
