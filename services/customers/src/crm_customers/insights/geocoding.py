"""Coordinates for addresses that have none: a pluggable `Geocoder`.

The default, `OfflineGeocoder`, needs no network: it answers the centroid of the
prefecture-level city (or, failing that, the province) from `data/regions.json`, so its
coordinates are approximate and customers get `geocoded: true`. Another geocoder is named
by the setting `CRM_CUSTOMERS_GEOCODER` (`package.module:Class`, built without arguments).
"""

import importlib
import json
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Protocol

from sqlalchemy.orm import Session

from crm_customers.customers.models import Customer
from crm_customers.insights import repository
from crm_customers.settings import get_customers_settings

DATA = Path(__file__).parent / "data" / "regions.json"
ADDRESS = ("province", "city", "district", "street")
# Longest first: 新疆维吾尔自治区 must lose 维吾尔自治区, not only 自治区.
SUFFIXES = (
    "特别行政区",
    "维吾尔自治区",
    "壮族自治区",
    "回族自治区",
    "自治区",
    "自治州",
    "地区",
    "省",
    "市",
    "盟",
)


@dataclass(frozen=True)
class Location:
    latitude: Decimal
    longitude: Decimal
    precision: str  # "street", "district", "city" or "province"


class Geocoder(Protocol):
    def locate(
        self,
        *,
        province: str | None,
        city: str | None,
        district: str | None,
        street: str | None,
    ) -> Location | None: ...


def normalise_region(name: str) -> str:
    name = "".join(name.split())
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name.removesuffix(suffix)
    return name


def _find(name: str, table: dict[str, tuple[float, float]]) -> tuple[float, float] | None:
    """Exact after suffixes are dropped, else the longest known name it starts with
    (延边朝鲜族自治州 → 延边)."""
    key = normalise_region(name)
    if key in table:
        return table[key]
    for known in sorted(table, key=len, reverse=True):
        if key.startswith(known):
            return table[known]
    return None


class OfflineGeocoder:
    """Province and prefecture-level city centroids of China, shipped with the service."""

    def __init__(self, path: Path = DATA) -> None:
        rows = json.loads(path.read_text(encoding="utf-8"))
        self.provinces: dict[str, tuple[float, float]] = {}
        self.cities: dict[str, dict[str, tuple[float, float]]] = {}
        self.any_city: dict[str, tuple[float, float]] = {}
        for row in rows:
            self.provinces[row["province"]] = (row["lat"], row["lng"])
            cities = {name: (lat, lng) for name, (lat, lng) in row["cities"].items()}
            self.cities[row["province"]] = cities
            for name, point in cities.items():
                self.any_city.setdefault(name, point)

    def locate(
        self,
        *,
        province: str | None,
        city: str | None,
        district: str | None = None,
        street: str | None = None,
    ) -> Location | None:
        province_key = None
        if province and province.strip():
            key = normalise_region(province)
            province_key = key if key in self.provinces else None
            if province_key is None:
                province_key = next(
                    (p for p in sorted(self.provinces, key=len, reverse=True) if key.startswith(p)),
                    None,
                )
        if city and city.strip():
            table = self.cities[province_key] if province_key else self.any_city
            point = _find(city, table)
            if point is not None:
                return _location(point, "city")
        if province_key is not None:
            return _location(self.provinces[province_key], "province")
        return None


def _location(point: tuple[float, float], precision: str) -> Location:
    return Location(Decimal(str(point[0])), Decimal(str(point[1])), precision)


@cache
def geocoder() -> Geocoder:
    target = get_customers_settings().geocoder
    module_name, _, class_name = target.partition(":")
    cls = getattr(importlib.import_module(module_name), class_name)
    built: Geocoder = cls()
    return built


def fill_coordinates(customer: Customer, *, written: set[str]) -> None:
    """Called on create and update. Coordinates the client wrote are exact; a customer
    without coordinates, or whose approximate ones no longer match a changed address,
    gets them from the geocoder (or loses the stale ones)."""
    if {"latitude", "longitude"} & written:
        customer.geocoded = False
        if customer.latitude is not None and customer.longitude is not None:
            return
    has_coordinates = customer.latitude is not None and customer.longitude is not None
    if has_coordinates and not (customer.geocoded and set(ADDRESS) & written):
        return
    found = locate(customer)
    if found is None:
        if customer.geocoded:
            customer.latitude = customer.longitude = None
            customer.geocoded = False
        return
    customer.latitude, customer.longitude = found.latitude, found.longitude
    customer.geocoded = True


def locate(customer: Customer) -> Location | None:
    if not (customer.province or customer.city):
        return None
    return geocoder().locate(
        province=customer.province,
        city=customer.city,
        district=customer.district,
        street=customer.street,
    )


def backfill(session: Session, *, batch: int = 500) -> int:
    """Approximate coordinates for the tenant's customers that have an address but none
    (rows from before geocoding); returns how many it filled."""
    filled = 0
    after = None
    while True:
        customers = repository.without_coordinates(session, after=after, limit=batch)
        if not customers:
            return filled
        for customer in customers:
            found = locate(customer)
            if found is not None:
                repository.store_coordinates(
                    session, customer, latitude=found.latitude, longitude=found.longitude
                )
                filled += 1
        after = customers[-1].id
