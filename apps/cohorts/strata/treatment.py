"""Treatment received during follow-up, without immortal time (pure).

Comparing patients who received a therapy with those who did not, from an index date before the
therapy, credits the treated with the time they had to survive to be treated ("immortal time"). Two
designs avoid it:

- time-dependent covariate: each patient's follow-up is split at the treatment start into
  (0, d] untreated and (d, T] treated rows (what R's `tmerge(..., tdc(d))` builds), analysed as
  `coxph(Surv(start, stop, event) ~ treated)`;
- landmark: only patients still at risk at the landmark time L are analysed, grouped by whether
  they were treated by L, with time counted from L (`coxph(Surv(time - L, event) ~ treated_by_L,
  subset = time > L)`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# A patient whose event or censoring is on the index day (time 0) enters just before it.
ENTRY_BEFORE_ZERO = -1e-9


@dataclass(frozen=True)
class SplitRows:
    """Counting-process rows; `owner` is the index of the patient each row belongs to."""

    start: np.ndarray
    stop: np.ndarray
    event: np.ndarray
    treated: np.ndarray
    owner: np.ndarray


def split_at_treatment(
    time: np.ndarray, event: np.ndarray, treated_after: Sequence[float | None]
) -> SplitRows:
    """`treated_after[i]`: time from the index to patient i's first treatment (None: never treated).

    Treated at or before the index: one treated row. Treated after the end of follow-up (or never):
    one untreated row. Otherwise an untreated row up to the treatment and a treated row after it,
    the event (if any) on the second.
    """
    starts: list[float] = []
    stops: list[float] = []
    events: list[int] = []
    treated: list[int] = []
    owners: list[int] = []
    for i, (t, e, d) in enumerate(zip(time.tolist(), event.tolist(), treated_after, strict=True)):
        entry = 0.0 if t > 0 else ENTRY_BEFORE_ZERO
        if d is None or d >= t:
            rows = [(entry, t, e, 0)]
        elif d <= 0:
            rows = [(entry, t, e, 1)]
        else:
            rows = [(0.0, d, 0, 0), (d, t, e, 1)]
        for row in rows:
            starts.append(row[0])
            stops.append(row[1])
            events.append(int(row[2]))
            treated.append(row[3])
            owners.append(i)
    return SplitRows(
        np.asarray(starts),
        np.asarray(stops),
        np.asarray(events, dtype=int),
        np.asarray(treated, dtype=int),
        np.asarray(owners, dtype=int),
    )


@dataclass(frozen=True)
class LandmarkRows:
    keep: np.ndarray  # patients still at risk at the landmark (time > L)
    time: np.ndarray  # time from the landmark, for the kept patients
    event: np.ndarray
    treated: np.ndarray  # treated by the landmark, for the kept patients


def landmark(
    time: np.ndarray, event: np.ndarray, treated_after: Sequence[float | None], at: float
) -> LandmarkRows:
    if at <= 0:
        raise ValueError("landmark time must be positive")
    keep = time > at
    by_landmark = np.array([d is not None and d <= at for d in treated_after], dtype=bool)
    return LandmarkRows(keep, time[keep] - at, event[keep], by_landmark[keep].astype(int))
