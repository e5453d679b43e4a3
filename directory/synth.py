"""Fictional but realistic clinic listings, deterministic for a given seed.

Two uses: ``build_sample()`` makes the shipped demo file ``data/clinics.csv``
(every state, more in big metros, a few rural places, telehealth providers),
and ``generate_clinics(rows, seed)`` makes tables of any size for benchmarks
and scale tests. Names are invented, phones use the reserved fictional range
555-0100 to 555-0199, and web addresses use example.com / example.org.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import pandas as pd
import zipcodes

from directory import schema
from directory.gazetteer import STATE_CODES, get_gazetteer

PLACE_WORDS = (
    "Summit",
    "Harbor",
    "Cedar",
    "Riverbend",
    "Lumen",
    "Clearwater",
    "New Leaf",
    "Northstar",
    "Evergreen",
    "Bright Path",
    "Haven",
    "Keystone",
    "Meridian",
    "Aspen",
    "Sage",
    "Willow",
    "Beacon",
    "Tidewater",
    "Prairie",
    "Solace",
    "Horizon",
    "Stillwater",
    "Juniper",
    "Lighthouse",
    "Open Door",
    "Compass",
    "Sunrise",
    "Granite",
    "Blue Ridge",
    "Canyon",
    "Pinecrest",
    "Lakeside",
)
CLINIC_WORDS = {
    "infusion": ("Ketamine Clinic", "Infusion Center", "Ketamine & Infusion", "Infusion Therapy"),
    "psychiatry": ("Psychiatry", "Behavioral Health", "Mental Health Associates", "TMS & Spravato"),
    "kap": (
        "Psychedelic Therapy",
        "Ketamine-Assisted Therapy",
        "Integrative Psychiatry",
        "Healing Collective",
    ),
}
TELEHEALTH_NAMES = (
    "Homeward Ketamine Care",
    "Stillpoint At-Home Therapy",
    "Kindred Telepsychiatry",
    "Open Sky Ketamine Telehealth",
    "Harborlight Home Care",
    "Northbound Mind Health",
    "Quiet Hours Ketamine",
    "Tandem Telehealth Psychiatry",
    "Daybreak Home Ketamine",
    "Fieldstone Virtual Care",
    "Lantern Mind Telehealth",
    "Brightwater At-Home",
)
STREETS = (
    "Main St",
    "Oak Ave",
    "Maple Dr",
    "Park Blvd",
    "Washington St",
    "Lincoln Ave",
    "Elm St",
    "Lake Rd",
    "Cedar Ln",
    "Broadway",
    "Market St",
    "Center St",
    "Highland Ave",
    "Pine St",
    "River Rd",
    "Medical Pkwy",
    "Commerce Dr",
    "Grand Ave",
    "College Ave",
    "Sunset Blvd",
)
INSURERS = ("Aetna", "Cigna", "UnitedHealthcare", "Blue Cross Blue Shield", "Humana", "Kaiser")
LANGUAGES = ("Spanish", "Vietnamese", "Mandarin", "Tagalog", "Korean", "Russian", "ASL")

SAMPLE_SEED = 20261120
SAMPLE_TODAY = date(2026, 11, 20)
SAMPLE_NOTE = "Fictional sample listing for demonstration; not a real clinic."


_SAMPLE_STATES = STATE_CODES - {"AS", "GU", "MP", "VI"}


@dataclass(frozen=True)
class _Place:
    zip: str
    city: str
    state: str
    lat: float
    lon: float


@lru_cache(maxsize=1)
def _area_codes() -> dict[str, str]:
    return {r["zip_code"]: r["area_codes"][0] for r in zipcodes.list_all() if r["area_codes"]}


@lru_cache(maxsize=1)
def _places() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Gazetteer ZIPs (with an area code) and cities ranked by ZIP count, a proxy for size."""
    zips = get_gazetteer().zips.reset_index()
    codes = _area_codes()
    # Territories other than PR use numbering rules the fictional 555-01xx range breaks.
    zips = zips[zips["zip"].isin(codes.keys()) & zips["state"].isin(_SAMPLE_STATES)]
    cities = (
        zips.groupby(["state", "city"])
        .size()
        .rename("zip_count")
        .reset_index()
        .sort_values(
            ["zip_count", "state", "city"],
            ascending=[False, True, True],
            kind="stable",
            ignore_index=True,
        )
    )
    return zips, cities


def _place_in(rng: random.Random, city: str, state: str) -> _Place:
    zips, _ = _places()
    candidates = zips[(zips["city"] == city) & (zips["state"] == state)]
    row = candidates.iloc[rng.randrange(len(candidates))]
    return _Place(str(row["zip"]), city, state, float(row["lat"]), float(row["lon"]))


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _phone(rng: random.Random, zip_code: str) -> str:
    code = _area_codes().get(zip_code, "212")
    return f"({code}) 555-01{rng.randrange(100):02d}"


def _verified(rng: random.Random, today: date) -> str:
    roll = rng.random()
    if roll < 0.05:
        return ""
    if roll < 0.15:
        return (today - timedelta(days=rng.randrange(380, 900))).isoformat()
    return (today - timedelta(days=rng.randrange(0, 330))).isoformat()


def _choose(rng: random.Random, options: tuple[str, ...], low: int, high: int) -> list[str]:
    return rng.sample(options, rng.randint(low, min(high, len(options))))


def _clinic_row(rng: random.Random, place: _Place, index: int, today: date) -> dict[str, str]:
    style = rng.choices(("infusion", "psychiatry", "kap", "va"), weights=(50, 25, 20, 5))[0]
    if style == "va":
        name = f"{place.city} Veterans Medical Center"
        modalities = ["nasal", *(["iv"] if rng.random() < 0.5 else [])]
        payment = ["tricare", "private_insurance", "medicare"]
        va, therapist, price = "va_facility", rng.choice(("in_house", "recommended")), ""
    else:
        name = f"{rng.choice(PLACE_WORDS)} {rng.choice(CLINIC_WORDS[style])}"
        if rng.random() < 0.5:
            name += f" of {place.city}"
        if style == "infusion":
            modalities = [
                "iv",
                *(["im"] if rng.random() < 0.3 else []),
                *(["nasal"] if rng.random() < 0.2 else []),
            ]
            price = str(rng.randrange(400, 801, 25))
            therapist = rng.choices(("required", "recommended", "none"), weights=(25, 55, 20))[0]
        elif style == "psychiatry":
            modalities = [
                "nasal",
                *(["iv"] if rng.random() < 0.4 else []),
                *(["oral"] if rng.random() < 0.15 else []),
            ]
            price = str(rng.randrange(250, 651, 25)) if rng.random() < 0.8 else ""
            therapist = rng.choices(("in_house", "recommended", "none"), weights=(40, 45, 15))[0]
        else:
            modalities = [
                rng.choice(("im", "oral")),
                *(["iv"] if rng.random() < 0.2 else []),
                *(["at_home"] if rng.random() < 0.25 else []),
            ]
            price = str(rng.randrange(300, 751, 25))
            therapist = rng.choices(("in_house", "required"), weights=(75, 25))[0]
        if "iv" in modalities and price:
            # A clinic offering infusions prices them like one: $400-$800 a session.
            price = str(max(int(price), 400))
        payment = [
            "self_pay",
            *_choose(
                rng,
                (
                    "financing",
                    "private_insurance",
                    "tricare",
                    "medicare",
                    "medicaid",
                    "sliding_scale",
                ),
                0,
                3,
            ),
        ]
        if "nasal" in modalities and "private_insurance" not in payment:
            payment.append("private_insurance")
        va = rng.choices(("community_care", "no", "unknown"), weights=(30, 45, 25))[0]
    conditions = [
        "ptsd",
        "depression",
        *_choose(
            rng,
            (
                "anxiety",
                "ocd",
                "bipolar_depression",
                "chronic_pain",
                "substance_use",
                "suicidal_ideation",
            ),
            0,
            4,
        ),
    ]
    if rng.random() < 0.1:
        conditions.remove("ptsd")
    exact = rng.random() < 0.9
    jitter_lat, jitter_lon = rng.uniform(-0.02, 0.02), rng.uniform(-0.025, 0.025)
    slug = _slug(f"{name}-{place.city}-{place.state}")[:48].strip("-")
    domain = rng.choice(("example.com", "example.org"))
    return {
        "id": f"{slug}-{index}",
        "name": name,
        "kind": "clinic",
        "modalities": ";".join(modalities),
        "conditions": ";".join(conditions),
        "address": f"{rng.randrange(100, 9900)} {rng.choice(STREETS)}"
        + (f", Suite {rng.randrange(100, 500)}" if rng.random() < 0.5 else ""),
        "city": place.city,
        "state": place.state,
        "zip": place.zip,
        "latitude": f"{place.lat + jitter_lat:.5f}" if exact else "",
        "longitude": f"{place.lon + jitter_lon:.5f}" if exact else "",
        "service_states": "",
        "phone": _phone(rng, place.zip),
        "website": f"https://{slug[:30].strip('-')}.{domain}",
        "email": f"care@{slug[:30].strip('-')}.{domain}" if rng.random() < 0.6 else "",
        "payment": ";".join(payment),
        "insurers": "; ".join(_choose(rng, INSURERS, 1, 3))
        if "private_insurance" in payment
        else "",
        "va_coverage": va,
        "therapist_requirement": therapist,
        "price_per_session_usd": price,
        "accepting_new_patients": rng.choices(("yes", "no", "unknown"), weights=(70, 10, 20))[0],
        "trauma_therapies": ";".join(_choose(rng, ("pe", "cpt", "emdr", "wet", "cbt"), 0, 3))
        if therapist == "in_house"
        else "",
        "languages": "; ".join(["English", *_choose(rng, LANGUAGES, 0, 1)]),
        "last_verified": _verified(rng, today),
        "source_url": f"https://{slug[:30].strip('-')}.{domain}/about",
        "notes": SAMPLE_NOTE,
    }


def _telehealth_row(rng: random.Random, name: str, index: int, today: date) -> dict[str, str]:
    states = sorted(_SAMPLE_STATES)
    served = (
        "ALL" if rng.random() < 0.25 else ";".join(sorted(rng.sample(states, rng.randint(6, 30))))
    )
    slug = _slug(name)
    domain = rng.choice(("example.com", "example.org"))
    therapist = rng.choices(("in_house", "required", "recommended"), weights=(50, 30, 20))[0]
    payment = ["self_pay", *_choose(rng, ("financing", "sliding_scale", "private_insurance"), 0, 2)]
    return {
        "id": f"{slug}-{index}",
        "name": name,
        "kind": "telehealth",
        "modalities": "at_home",
        "conditions": ";".join(
            [
                "depression",
                "anxiety",
                *_choose(rng, ("ptsd", "ocd", "chronic_pain", "substance_use"), 1, 3),
            ]
        ),
        "address": "",
        "city": "",
        "state": "",
        "zip": "",
        "latitude": "",
        "longitude": "",
        "service_states": served,
        "phone": f"(888) 555-01{rng.randrange(100):02d}",
        "website": f"https://{slug}.{domain}",
        "email": f"support@{slug}.{domain}",
        "payment": ";".join(payment),
        "insurers": "Aetna" if "private_insurance" in payment else "",
        "va_coverage": rng.choices(("no", "unknown", "community_care"), weights=(60, 30, 10))[0],
        "therapist_requirement": therapist,
        "price_per_session_usd": str(rng.randrange(100, 351, 10)),
        "accepting_new_patients": rng.choices(("yes", "unknown"), weights=(80, 20))[0],
        "trauma_therapies": ";".join(_choose(rng, ("cpt", "emdr", "cbt"), 0, 2))
        if therapist == "in_house"
        else "",
        "languages": "English",
        "last_verified": _verified(rng, today),
        "source_url": f"https://{slug}.{domain}/states",
        "notes": SAMPLE_NOTE + " Prices are per month of at-home treatment.",
    }


def _sample_places(rng: random.Random) -> Iterator[_Place]:
    _, cities = _places()
    # Every state, DC and PR: its best-connected city first.
    for state in sorted(_SAMPLE_STATES):
        top = cities[cities["state"] == state].iloc[0]
        yield _place_in(rng, str(top["city"]), state)
    for city, state, count in (
        ("New York", "NY", 7),
        ("Brooklyn", "NY", 3),
        ("Denver", "CO", 6),
        ("Los Angeles", "CA", 5),
        ("Chicago", "IL", 4),
        ("Houston", "TX", 4),
        ("Anchorage", "AK", 2),
        ("Honolulu", "HI", 2),
        ("San Juan", "PR", 2),
    ):
        for _ in range(count):
            yield _place_in(rng, city, state)
    big = cities.head(400)
    weights = big["zip_count"].to_numpy(dtype=float).tolist()
    for _ in range(220):
        row = big.iloc[rng.choices(range(len(big)), weights=weights)[0]]
        yield _place_in(rng, str(row["city"]), str(row["state"]))
    small = cities[cities["zip_count"] == 1]
    for state in (
        "AK",
        "MT",
        "WY",
        "NM",
        "ND",
        "SD",
        "ME",
        "VT",
        "WV",
        "NE",
        "ID",
        "HI",
        "NV",
        "KS",
        "OK",
        "MS",
    ):
        rural = small[small["state"] == state]
        row = rural.iloc[rng.randrange(len(rural))]
        yield _place_in(rng, str(row["city"]), state)


def build_sample(seed: int = SAMPLE_SEED, today: date = SAMPLE_TODAY) -> pd.DataFrame:
    """The shipped demo data set: ~350 clinics in every state, DC and PR, and 12 telehealth."""
    rng = random.Random(seed)
    rows = [_clinic_row(rng, place, i, today) for i, place in enumerate(_sample_places(rng), 1)]
    rows += [
        _telehealth_row(rng, name, len(rows) + i, today)
        for i, name in enumerate(TELEHEALTH_NAMES, 1)
    ]
    return pd.DataFrame(rows, columns=list(schema.COLUMN_NAMES))


def generate_clinics(rows: int, seed: int = 0, today: date | None = None) -> pd.DataFrame:
    """``rows`` synthetic listings spread over real US places, about 3% of them telehealth."""
    if rows < 0:
        raise ValueError(f"rows must be 0 or more, not {rows!r}")
    rng = random.Random(seed)
    when = today or date.today()
    zips, _ = _places()
    picks = zips.sample(n=rows, replace=True, random_state=seed) if rows else zips.head(0)
    out: list[dict[str, str]] = []
    for index, place in enumerate(picks.itertuples(index=False), 1):
        if rng.random() < 0.03:
            name = f"{rng.choice(TELEHEALTH_NAMES)} {index}"
            out.append(_telehealth_row(rng, name, index, when))
        else:
            spot = _Place(
                str(place.zip),
                str(place.city),
                str(place.state),
                float(place.lat),  # type: ignore[arg-type]
                float(place.lon),  # type: ignore[arg-type]
            )
            out.append(_clinic_row(rng, spot, index, when))
    return pd.DataFrame(out, columns=list(schema.COLUMN_NAMES))
