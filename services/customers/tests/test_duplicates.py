"""Duplicates: the company-name normaliser on real-looking names, 409 with what the caller
may see of the existing record, overriding with customers:force_create, the finder's groups,
and merging (contacts, history, redirect, event)."""

import threading

import pytest
from customers_testkit import Org

from crm_customers.common.bridging import bridge_key, other_script
from crm_customers.common.normalize import company_key, phone_key


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("北京华强科技有限公司", "北京华强科技"),
        ("北京华强科技有限公司", "北京华强科技股份有限公司"),
        ("北京华强科技有限公司", "北京 华强科技（有限公司）"),
        (
            "北京华强科技有限公司",
            "ＢＥＩＪＩＮＧ华强科技有限公司".replace("ＢＥＩＪＩＮＧ", "北京"),
        ),
        ("Huaqiang Tech Co., Ltd.", "HUAQIANG TECH CO LTD"),
        ("Huaqiang Tech Co., Ltd.", "Huaqiang Tech Inc."),
        ("Huaqiang Tech Co., Ltd.", "Ｈｕａｑｉａｎｇ　Ｔｅｃｈ"),
        ("Huaqiang Tech Co., Ltd.", "huaqiang-tech, ltd"),
    ],
)
def test_names_that_are_one_company(a: str, b: str) -> None:
    assert company_key(a) == company_key(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("北京华强科技有限公司", "Huaqiang Tech Co., Ltd."),  # scripts are not transliterated
        ("北京华强科技有限公司", "上海华强科技有限公司"),  # another city, another company
        ("北京华强科技有限公司", "北京华强电子有限公司"),
        ("Huaqiang Tech Co., Ltd.", "Huaqiang Trading Co., Ltd."),
    ],
)
def test_names_that_are_not(a: str, b: str) -> None:
    assert company_key(a) != company_key(b)


def test_phone_key() -> None:
    assert phone_key("+86 138-1234-5678") == phone_key("13812345678") == "13812345678"
    assert phone_key("０１０－１２３４５６７８") == "01012345678"


def test_likely_duplicate_is_409_with_what_the_caller_may_see(acme: Org) -> None:
    acme.add_user("rita", roles=("sales_rep",))
    existing = acme.customer("北京华强科技有限公司", phone="13812345678")
    again = acme.post("/api/v1/customers", {"kind": "company", "name": "北京华强科技"})
    assert again.status_code == 409
    assert again.json()["code"] == "likely_duplicate"
    [found] = again.json()["existing"]
    assert found["id"] == existing["id"]
    assert found["phone"] == "13812345678"
    # Rita does not see the record: she learns it exists, not what it holds.
    hers = acme.post("/api/v1/customers", {"kind": "company", "name": "北京华强科技"}, as_="rita")
    assert hers.status_code == 409
    assert hers.json()["existing"] == [
        {"id": existing["id"], "name": "北京华强科技有限公司", "visible": False}
    ]
    assert "13812345678" not in hers.text
    forced = acme.post(
        "/api/v1/customers", {"kind": "company", "name": "北京华强科技", "force": True}, as_="rita"
    )
    assert forced.status_code == 403  # sales reps may not override
    assert (
        acme.post(
            "/api/v1/customers", {"kind": "company", "name": "北京华强科技", "force": True}
        ).status_code
        == 201
    )
    person = acme.customer("Zhang San", kind="person", phone="+86 139 0000 1111")
    dup = acme.post("/api/v1/customers", {"kind": "person", "name": "张三", "phone": "13900001111"})
    assert dup.status_code == 409
    assert dup.json()["existing"][0]["id"] == person["id"]
    by_email = acme.post(
        "/api/v1/customers",
        {"kind": "company", "name": "Elsewhere", "email": "X@Example.com"},
    )
    assert by_email.status_code == 201
    assert (
        acme.post(
            "/api/v1/customers", {"kind": "person", "name": "Y", "email": "x@example.com"}
        ).status_code
        == 409
    )
    # Rules are per tenant: with the phone rule off, the same phone is no duplicate.
    rules = acme.put(
        "/api/v1/duplicate-rules", {"company_name": True, "person_phone": False, "email": True}
    )
    assert rules.status_code == 200
    assert (
        acme.post(
            "/api/v1/customers", {"kind": "person", "name": "张三", "phone": "13900001111"}
        ).status_code
        == 201
    )


def test_finder_groups_and_merge_moves_everything(acme: Org) -> None:
    keep = acme.customer("Huaqiang Tech Co., Ltd.", city="Beijing")
    gone = acme.customer(
        "HUAQIANG TECH INC", force=True, phone="13812345678", website="https://hq.example"
    )
    groups = acme.get("/api/v1/customers/duplicates").json()["items"]
    [group] = [g for g in groups if g["rule"] == "company_name"]
    assert {c["id"] for c in group["customers"]} == {keep["id"], gone["id"]}
    gone_path = f"/api/v1/customers/{gone['id']}"
    contact = acme.created(f"{gone_path}/contacts", {"name": "Wang"})
    acme.created(f"{gone_path}/follow-ups", {"kind": "call", "content": "before merge"})
    merged = acme.post(f"/api/v1/customers/{keep['id']}/merge", {"from_id": gone["id"]})
    assert merged.status_code == 200, merged.text
    body = merged.json()
    assert body["phones"] == ["13812345678"]
    assert body["website"] == "https://hq.example"
    assert body["city"] == "Beijing"
    keep_path = f"/api/v1/customers/{keep['id']}"
    assert [c["id"] for c in acme.get(f"{keep_path}/contacts").json()["items"]] == [contact["id"]]
    assert [e["content"] for e in acme.get(f"{keep_path}/timeline").json()["items"]] == [
        "before merge"
    ]
    redirect = acme.get(gone_path, follow_redirects=False)
    assert redirect.status_code == 301
    assert redirect.headers["Location"] == keep_path
    assert redirect.json()["survivor_id"] == keep["id"]
    assert acme.patch(gone_path, {"notes": "x"}).status_code == 404
    assert gone["id"] not in {c["id"] for c in acme.get("/api/v1/customers").json()["items"]}
    [event] = [e for e in acme.events("customers.customer.merged") if e["id"] == keep["id"]]
    assert event["merged_id"] == gone["id"]
    assert acme.get("/api/v1/customers/duplicates").json()["items"] == []


def test_renaming_into_a_duplicate_is_409_unless_forced(acme: Org, globex: Org) -> None:
    acme.customer("上海远景贸易有限公司", phone="13700001234")
    other = acme.customer("Other Trading Co")["customer"]
    path = f"/api/v1/customers/{other['id']}"
    renamed = acme.patch(path, {"name": "上海远景贸易"})
    assert renamed.status_code == 409
    assert renamed.json()["code"] == "likely_duplicate"
    assert acme.get(path).json()["name"] == "Other Trading Co"  # nothing written
    assert acme.patch(path, {"name": "上海远景贸易", "force": True}).status_code == 200
    # It is a duplicate now, knowingly: editing its notes must not trip over that again.
    assert acme.patch(path, {"notes": "met at the fair"}).status_code == 200
    # The same name in another tenant is nobody's duplicate.
    theirs = globex.customer("Globex Trading")["customer"]
    assert (
        globex.patch(f"/api/v1/customers/{theirs['id']}", {"name": "上海远景贸易"}).status_code
        == 200
    )


def test_concurrent_creates_of_one_name_make_one_customer(acme: Org) -> None:
    """Without serialising the check, both creates would see no duplicate and both insert."""

    def create(name: str, barrier: threading.Barrier, results: list[int]) -> None:
        barrier.wait()
        response = acme.post("/api/v1/customers", {"kind": "company", "name": name})
        results.append(response.status_code)

    for attempt in range(3):
        barrier = threading.Barrier(2)
        results: list[int] = []
        names = (f"深圳星河电子{attempt}有限公司", f"深圳星河电子{attempt}")
        threads = [threading.Thread(target=create, args=(n, barrier, results)) for n in names]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(results) == [201, 409], attempt


@pytest.mark.parametrize(
    ("han", "latin"),
    [
        ("北京华强科技有限公司", "Huaqiang Tech Co., Ltd."),
        ("北京华强科技有限公司", "Beijing Huaqiang Technology Co., Ltd."),
        ("深圳市华强电子有限公司", "Shenzhen Huaqiang Electronics Co Ltd"),
        ("阿里巴巴（中国）网络技术有限公司", "Alibaba (China) Network Technology Co., Ltd."),
        ("华为技术有限公司", "Huawei Technologies Co., Ltd."),
        ("重庆长安汽车股份有限公司", "Chongqing Changan Automobile Co., Ltd."),
    ],
)
def test_one_company_in_two_scripts(han: str, latin: str) -> None:
    han_key, latin_key = bridge_key(han), bridge_key(latin)
    assert han_key
    assert latin_key
    assert other_script(han_key) == latin_key


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("北京华强科技有限公司", "Huaqiang Trading Co., Ltd."),  # another line of business
        ("北京华强科技有限公司", "Huaxing Tech Co., Ltd."),
        ("北京华强科技有限公司", "深圳华强科技有限公司"),  # one script: company_key decides
    ],
)
def test_names_that_do_not_meet_across_scripts(a: str, b: str) -> None:
    a_key, b_key = bridge_key(a), bridge_key(b)
    assert a_key
    assert b_key
    assert other_script(a_key) != b_key


def test_a_latin_name_of_a_chinese_customer_is_a_likely_duplicate(acme: Org, globex: Org) -> None:
    existing = acme.customer("北京华强科技有限公司")
    latin = acme.post("/api/v1/customers", {"kind": "company", "name": "Huaqiang Tech Co., Ltd."})
    assert latin.status_code == 409
    assert latin.json()["existing"][0]["id"] == existing["id"]
    english = acme.customer("Yuanjing Trading Co., Ltd.")
    chinese = acme.post("/api/v1/customers", {"kind": "company", "name": "上海远景贸易有限公司"})
    assert chinese.status_code == 409
    assert chinese.json()["existing"][0]["id"] == english["id"]
    # Another city's namesake in the same script is its own company.
    assert (
        acme.post(
            "/api/v1/customers", {"kind": "company", "name": "深圳华强科技有限公司"}
        ).status_code
        == 201
    )
    # And another tenant's records are nobody's duplicates.
    assert (
        globex.post(
            "/api/v1/customers", {"kind": "company", "name": "Huaqiang Tech Co., Ltd."}
        ).status_code
        == 201
    )


def test_a_very_long_chinese_name_is_saved(acme: Org) -> None:
    name = "北京" + "华强远景创新科技发展" * 28 + "有限公司"  # ~290 characters, pinyin ~5x
    created = acme.post("/api/v1/customers", {"kind": "company", "name": name})
    assert created.status_code == 201, created.text
    assert len(bridge_key(name) or "") <= 300
