"""The map: customers with coordinates clustered by zoom, counts per province and city,
within the caller's data scope; approximate coordinates from the offline geocoder."""

from decimal import Decimal
from typing import Any

from customers_testkit import Org
from insights_testkit import in_tenant
from sqlalchemy import update
from sqlalchemy.orm import Session

from crm_customers.customers.models import Customer
from crm_customers.insights.geocoding import OfflineGeocoder, backfill

SHANGHAI = [
    ("SH One", 31.2300, 121.4700),
    ("SH Two", 31.2400, 121.4800),
    ("SH Three", 31.2350, 121.4750),
]
BEIJING = ("BJ One", 39.9000, 116.4100)


def clusters(org: Org, as_: str = "admin", **params: Any) -> list[dict[str, Any]]:
    response = org.get("/api/v1/customers/map", as_=as_, params=params)
    assert response.status_code == 200, response.text
    return list(response.json()["clusters"])


def place(org: Org, name: str, lat: float, lng: float, as_: str = "admin") -> dict[str, Any]:
    return org.customer(name, as_=as_, latitude=str(lat), longitude=str(lng))


def test_nearby_customers_merge_at_low_zoom_and_split_at_high_zoom(acme: Org, globex: Org) -> None:
    for name, lat, lng in [*SHANGHAI, BEIJING]:
        place(acme, name, lat, lng)
    place(globex, "Globex SH", 31.2310, 121.4710)

    low = clusters(acme, zoom=4)
    assert sorted(c["count"] for c in low) == [1, 3]
    shanghai = next(c for c in low if c["count"] == 3)
    assert shanghai["customer_id"] is None
    assert abs(shanghai["latitude"] - 31.235) < 0.001
    assert abs(shanghai["longitude"] - 121.475) < 0.001
    beijing = next(c for c in low if c["count"] == 1)
    assert beijing["name"] == "BJ One"
    assert beijing["customer_id"] is not None

    high = clusters(acme, zoom=16, bbox="121.0,31.0,122.0,32.0")
    assert sorted(c["name"] for c in high) == ["SH One", "SH Three", "SH Two"]
    assert all(c["count"] == 1 for c in high)

    # Globex sees only its own point, wherever it looks.
    theirs = clusters(globex, zoom=4)
    assert [(c["count"], c["name"]) for c in theirs] == [(1, "Globex SH")]


def test_bbox_limits_the_map_and_bad_input_names_the_field(acme: Org) -> None:
    for name, lat, lng in [*SHANGHAI, BEIJING]:
        place(acme, name, lat, lng)
    around_beijing = clusters(acme, zoom=10, bbox="116.0,39.5,117.0,40.5")
    assert [c["name"] for c in around_beijing] == ["BJ One"]
    for bbox in ("1,2,3", "a,b,c,d", "10,10,5,20", "-200,0,0,10"):
        response = acme.get("/api/v1/customers/map", params={"bbox": bbox})
        assert response.status_code == 422, bbox
        assert "bbox" in response.text
    assert acme.get("/api/v1/customers/map", params={"zoom": 40}).status_code == 422


def test_a_rep_sees_only_their_scope_on_the_map_and_in_counts(acme: Org) -> None:
    acme.add_user("rita", role_ids=(acme.role("rep", scope="own"),))
    place(acme, "Rita SH", 31.23, 121.47, as_="rita")
    acme.customer("Rita GZ", as_="rita", province="广东省", city="广州市")
    place(acme, "Admin SH", 31.24, 121.48)
    acme.customer("Admin SZ", province="广东", city="深圳")

    assert sorted(c["name"] or "" for c in clusters(acme, as_="rita", zoom=16)) == [
        "Rita GZ",
        "Rita SH",
    ]
    assert sum(c["count"] for c in clusters(acme, zoom=2)) == 4

    rita = acme.get("/api/v1/customers/map/regions", as_="rita", params={"level": "city"}).json()
    assert rita["items"] == [
        {"province": "广东", "city": "广州", "count": 1},
        {"province": None, "city": None, "count": 1},
    ]
    # 广东省 and 广东 are one region; customers without a province are counted apart.
    admin = acme.get("/api/v1/customers/map/regions", params={"level": "province"}).json()
    assert admin["items"] == [
        {"province": "广东", "city": None, "count": 2},
        {"province": None, "city": None, "count": 2},
    ]


def test_regions_hold_only_the_callers_tenant(acme: Org, globex: Org) -> None:
    acme.customer("Acme HZ", province="浙江省", city="杭州市")
    acme.customer("Acme NB", province="浙江省", city="宁波市")
    globex.customer("Globex HZ", province="浙江省", city="杭州市")
    acme_counts = acme.get("/api/v1/customers/map/regions", params={"level": "city"}).json()
    assert sorted((i["city"], i["count"]) for i in acme_counts["items"]) == [
        ("宁波", 1),
        ("杭州", 1),
    ]
    globex_counts = globex.get("/api/v1/customers/map/regions").json()
    assert globex_counts["items"] == [{"province": "浙江", "city": None, "count": 1}]
    assert acme.get("/api/v1/customers/map/regions", params={"level": "street"}).status_code == 422


def test_an_address_without_coordinates_gets_approximate_ones(acme: Org, globex: Org) -> None:
    city = acme.customer("Shenzhen Co", province="广东省", city="深圳市")["customer"]
    assert city["geocoded"] is True
    assert abs(Decimal(city["latitude"]) - Decimal("22.54")) < 1
    assert abs(Decimal(city["longitude"]) - Decimal("114.06")) < 1
    province = acme.customer("Zhejiang Co", province="浙江")["customer"]
    assert province["geocoded"] is True
    assert abs(Decimal(province["latitude"]) - Decimal("29.2")) < 2
    exact = acme.customer("Exact Co", province="广东省", latitude="23.1", longitude="113.3")
    assert exact["customer"]["geocoded"] is False
    assert Decimal(exact["customer"]["latitude"]) == Decimal("23.1")
    unknown = acme.customer("Nowhere Co", province="Atlantis")["customer"]
    assert unknown["latitude"] is None
    assert unknown["geocoded"] is False

    # Moving a geocoded customer moves its approximate coordinates; exact ones stay.
    moved = acme.patch(f"/api/v1/customers/{city['id']}", {"province": "北京市", "city": "北京市"})
    assert moved.status_code == 200, moved.text
    assert abs(Decimal(moved.json()["latitude"]) - Decimal("39.9")) < 1
    kept = acme.patch(f"/api/v1/customers/{exact['id']}", {"city": "深圳市"})
    assert Decimal(kept.json()["latitude"]) == Decimal("23.1")
    # The map shows them; globex's map does not.
    assert sum(c["count"] for c in clusters(acme, zoom=2)) == 3
    assert clusters(globex, zoom=2) == []


def test_the_offline_table_is_tolerant_of_suffixes() -> None:
    geocoder = OfflineGeocoder()
    assert len(geocoder.provinces) == 34
    assert sum(len(c) for c in geocoder.cities.values()) >= 100
    for province, city, precision in [
        ("新疆维吾尔自治区", "乌鲁木齐市", "city"),
        ("广西壮族自治区", None, "province"),
        ("吉林省", "吉林市", "city"),
        ("吉林省", "延边朝鲜族自治州", "city"),
        (None, "苏州", "city"),
        ("香港特别行政区", None, "province"),
    ]:
        found = geocoder.locate(province=province, city=city)
        assert found is not None, (province, city)
        assert found.precision == precision
    jilin = geocoder.locate(province="吉林省", city="吉林市")
    changchun = geocoder.locate(province="吉林", city="长春")
    assert jilin is not None
    assert changchun is not None
    assert jilin.longitude != changchun.longitude
    assert geocoder.locate(province="Atlantis", city="Nowhere") is None


def test_backfill_fills_a_tenants_customers_without_coordinates(acme: Org, globex: Org) -> None:
    ours = acme.customer("Old Chengdu Co", province="四川省", city="成都市")
    theirs = globex.customer("Old Globex Co", province="四川省", city="成都市")

    def forget_coordinates(session: Session) -> None:  # as rows from before geocoding were
        session.execute(update(Customer).values(latitude=None, longitude=None, geocoded=False))

    in_tenant(acme, forget_coordinates)
    in_tenant(globex, forget_coordinates)
    assert clusters(acme, zoom=2) == []
    version = acme.get(f"/api/v1/customers/{ours['id']}").json()["version"]

    assert in_tenant(acme, backfill) == 1
    assert in_tenant(acme, backfill) == 0
    filled = acme.get(f"/api/v1/customers/{ours['id']}").json()
    assert filled["geocoded"] is True
    assert abs(Decimal(filled["latitude"]) - Decimal("30.57")) < 1
    assert filled["version"] == version
    assert globex.get(f"/api/v1/customers/{theirs['id']}").json()["latitude"] is None


def test_a_caller_whose_roles_mask_addresses_gets_no_coordinates(acme: Org) -> None:
    acme.add_user("hugo", role_ids=(acme.role("hider", scope="all", address="masked"),))
    place(acme, "Hidden SH", 31.23, 121.47)
    refused = acme.get("/api/v1/customers/map", as_="hugo")
    assert refused.status_code == 403
    assert "121.47" not in refused.text
    # Counts per province reveal no address detail: still answered.
    regions = acme.get("/api/v1/customers/map/regions", as_="hugo")
    assert regions.status_code == 200
    assert regions.json()["items"] == [{"province": None, "city": None, "count": 1}]
