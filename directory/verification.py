"""When a listing was last checked, and when that is too long ago: the one staleness rule.

The validator warns admins about stale listings, the admin page lists them, and the
patient's card flags them; all three ask this module, so they can never disagree.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import numpy.typing as npt
import pandas as pd

STALE_AFTER = timedelta(days=365)
"""A listing last verified longer ago than this is flagged as stale, to admins and patients."""

ISO_DATE = "%Y-%m-%d"
"""How ``last_verified`` is stored once validated."""


def verified_dates(values: pd.Series) -> pd.Series:
    """``last_verified`` cells as timestamps (NaT where blank or not an ISO date)."""
    return pd.to_datetime(
        values.astype(object).where(values.notna(), ""), format=ISO_DATE, errors="coerce"
    )


def stale_mask(values: pd.Series, today: date) -> npt.NDArray[np.bool_]:
    """Which listings need a check: never verified, unreadable date, or older than 12 months."""
    verified = verified_dates(values)
    too_old = verified < pd.Timestamp(today) - pd.Timedelta(STALE_AFTER)
    return np.asarray((verified.isna() | too_old).to_numpy(dtype=bool), dtype=bool)


def is_too_old(when: date, today: date) -> bool:
    """True when a verification on ``when`` is more than :data:`STALE_AFTER` before ``today``."""
    return today - when > STALE_AFTER
