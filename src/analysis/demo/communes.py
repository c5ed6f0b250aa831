"""Latent traits of each of the 31 units: size, volume, online adoption, desk plan, late propensity.

The seed's named communes are set apart only through their mechanism (understaffed concurrent
desks; slow online adoption) plus a modest latent shift; their late and online rates are drawn.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.demo import params
from analysis.reference.units import units_2021


def draw_commune_traits(rng: np.random.Generator, scale: float = 1.0) -> pd.DataFrame:
    """One row per unit with the parameters the truth file reports under `communes`."""
    units = units_2021()[["code", "name", "unit_type", "terrain"]].copy()
    n = len(units)
    kind = np.where(units["unit_type"].str.lower() == "thị trấn", "town", units["terrain"])
    weight = pd.Series(kind).map(params.POPULATION_WEIGHT).to_numpy()
    weight = weight * np.exp(rng.normal(0.0, params.POPULATION_NOISE_SD, n))
    units["population"] = np.round(params.DISTRICT_POPULATION * weight / weight.sum()).astype(int)
    bonus = np.where(kind == "town", params.TOWN_VOLUME_BONUS, 1.0)
    units["volume_per_year"] = np.round(
        units["population"] * params.DOSSIERS_PER_RESIDENT_YEAR * bonus * scale, 1
    )

    low_online = units["name"].isin(params.SEED_LOW_ONLINE_COMMUNES).to_numpy()
    start = rng.uniform(*params.ADOPTION_START_RANGE, n)
    gain = rng.uniform(*params.ADOPTION_GAIN_RANGE, n)
    start = np.where(low_online, rng.uniform(*params.LOW_ADOPTION_START_RANGE, n), start)
    gain = np.where(low_online, rng.uniform(*params.LOW_ADOPTION_GAIN_RANGE, n), gain)
    units["online_adoption_start"] = start.round(4)
    units["online_adoption_end"] = (start + gain).round(4)
    units["online_adoption_midpoint_month"] = rng.uniform(3.0, 10.0, n).round(2)

    late_seed = units["name"].isin(params.SEED_LATE_COMMUNES).to_numpy()
    latent = rng.normal(0.0, params.LATENT_SD, n) + np.where(
        late_seed, params.SEED_LATE_LATENT_SHIFT, 0.0
    )
    units["latent_late_propensity"] = latent.round(4)

    # desk plan: posts follow the unscaled volume; the seed's late communes run one post short
    # and staff every post with concurrent (kiêm nhiệm) officers but one, which a rotation removes
    unscaled = units["volume_per_year"] / scale
    desk = np.clip(np.round(unscaled / params.DESK_DOSSIERS_PER_POST_YEAR), 2, 4).astype(int)
    desk = np.where(late_seed, np.maximum(desk - 1, 2), desk)
    concurrent = rng.binomial(desk, params.CONCURRENT_POST_PROBABILITY)
    concurrent = np.where(late_seed, desk - 1, np.minimum(concurrent, desk))
    units["desk_size"] = desk
    units["concurrent_positions"] = concurrent
    units["seed_named_late"] = late_seed
    units["seed_named_low_online"] = low_online
    return units.rename(columns={"code": "commune_code"}).reset_index(drop=True)
