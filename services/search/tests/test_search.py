"""The search box: Chinese, phone fragments, misspellings and typeahead; data scope, masking
and highlights; tenants never see each other's records."""

from search_testkit import SearchWorld, Tenant


def test_chinese_phone_fragment_misspelling_and_typeahead(world: SearchWorld) -> None:
    acme = world.tenant("acme")
    acme.created("/api/v1/categories/tag", {"key": "key-account", "label": "重点"})
    huaqiang = acme.customer("北京华强科技有限公司", phones=["13812345678"], tags=["key-account"])
    acme.customer("Acme Trading Company", emails=["orders@acme-trading.example"])
    acme.customer("上海明珠贸易有限公司")
    acme.created(
        f"/api/v1/customers/{huaqiang['id']}/contacts", {"name": "张伟", "phones": ["13900001111"]}
    )
    assert acme.deliver() >= 4

    assert acme.titles("华强") == {"北京华强科技有限公司"}
    assert acme.titles("5678") == {"北京华强科技有限公司"}
    assert acme.titles("Acme Tradng") == {"Acme Trading Company"}
    assert acme.titles("key-account") == {"北京华强科技有限公司"}
    assert acme.titles("orders@acme-trading.example") == {"Acme Trading Company"}
    assert acme.titles("1111", group="contact") == {"张伟"}
    contact = acme.found("张伟", group="contact")[0]
    assert contact["customer_name"] == "北京华强科技有限公司"

    hit = acme.found("华强")[0]
    assert "<em>" in hit["highlight"]["title"][0]
    assert hit["phones"] == ["13812345678"]  # the admin sees phones unmasked

    suggested = world.search.get(
        "/api/v1/search/suggest", params={"q": "北京华"}, headers=acme.headers()
    ).json()["suggestions"]
    assert [s["title"] for s in suggested] == ["北京华强科技有限公司"]
    typed = world.search.get(
        "/api/v1/search/suggest", params={"q": "acm"}, headers=acme.headers()
    ).json()["suggestions"]
    assert [s["title"] for s in typed] == ["Acme Trading Company"]
    pinyin = world.search.get(
        "/api/v1/search/suggest", params={"q": "bjhq"}, headers=acme.headers()
    ).json()["suggestions"]
    assert [s["title"] for s in pinyin] == ["北京华强科技有限公司"]
    person = world.search.get(
        "/api/v1/search/suggest", params={"q": "张"}, headers=acme.headers()
    ).json()["suggestions"]
    assert [(s["type"], s["title"], s.get("customer_id")) for s in person] == [
        ("contact", "张伟", huaqiang["id"])
    ], "a contact suggestion says which customer page to open"


def test_types_and_input_are_checked(world: SearchWorld) -> None:
    acme = world.tenant("acme")
    assert acme.search("x", types="customer,unicorn").status_code == 422
    assert acme.search("").status_code == 422
    only = acme.search("x", types="contact")
    assert only.status_code == 200
    assert set(only.json()["groups"]) == {"contact"}
    assert world.search.get("/api/v1/search", params={"q": "x"}).status_code == 401


def _team(acme: Tenant) -> None:
    reps = acme.role("rep", scope="own")
    acme.add_user("rita", role_ids=(reps,))
    acme.add_user("sam", role_ids=(reps,))
    acme.add_user("mona", role_ids=(acme.role("mgr", scope="all"),))
    acme.add_user("vic", role_ids=(acme.role("vip", scope="all", extra=("view_phone",)),))
    acme.add_user(
        "hugo", role_ids=(acme.role("nosy", scope="all", extra=("view_phone",), tags="hidden"),)
    )
    acme.deliver_identity_events()


def test_scope_masking_and_highlights(world: SearchWorld) -> None:
    acme = world.tenant("acme")
    _team(acme)
    acme.created("/api/v1/categories/tag", {"key": "gold", "label": "Gold"})
    acme.customer(
        "Rita Robotics",
        phones=["13812345678"],
        emails=["zhang@rita.example"],
        tags=["gold"],
        as_="rita",
    )
    acme.customer("Sam Sensors", phones=["13987655678"], as_="sam")
    acme.deliver()

    # Data scope: a rep finds only their own records, by name or phone.
    assert acme.titles("Robotics", as_="sam") == set()
    assert acme.titles("5678", as_="sam") == {"Sam Sensors"}
    assert acme.titles("5678", as_="rita") == {"Rita Robotics"}

    # Scope `all` without view_phone: found by name, phones and e-mails masked exactly as
    # the customers service masks them; they cannot be searched or highlighted.
    mona = acme.found("Rita", as_="mona")[0]
    assert mona["phones"] == ["138****5678"]
    assert mona["emails"] == ["z***@rita.example"]
    assert set(mona["masked_fields"]) >= {"phone", "email"}
    assert set(mona["highlight"]) == {"title"}
    detail = acme.get(f"/api/v1/customers/{mona['id']}", as_="mona").json()
    assert detail["phones"] == mona["phones"]
    assert detail["emails"] == mona["emails"]
    assert acme.titles("5678", as_="mona") == set()
    assert acme.titles("zhang@rita.example", as_="mona") == set()

    # With view_phone: unmasked, searchable and highlighted.
    vic = acme.found("12345678", as_="vic")
    assert [v["title"] for v in vic] == ["Rita Robotics"]
    assert vic[0]["phones"] == ["13812345678"]
    assert "<em>" in vic[0]["highlight"]["phones"][0]

    # A field rule hides tags: not shown, not searchable, not highlighted.
    assert acme.titles("gold", as_="hugo") == set()
    hugo = acme.found("Rita", as_="hugo")[0]
    assert hugo["tags"] == []
    assert "tags" in hugo["hidden_fields"]
    assert acme.found("gold", as_="vic")[0]["highlight"]["tags"] == ["<em>gold</em>"]


def test_contacts_follow_their_customers_scope(world: SearchWorld) -> None:
    acme = world.tenant("acme")
    _team(acme)
    customer = acme.customer("Rita Robotics", as_="rita")
    acme.created(
        f"/api/v1/customers/{customer['id']}/contacts",
        {"name": "Zhao Lei", "phones": ["13700001234"]},
        as_="rita",
    )
    acme.deliver()
    assert acme.titles("Zhao", as_="rita", group="contact") == {"Zhao Lei"}
    assert acme.titles("Zhao", as_="sam", group="contact") == set()
    assert acme.found("Zhao", as_="mona", group="contact")[0]["phones"] == ["137****1234"]

    # Handing the customer to sam moves its contacts with it.
    moved = acme.patch(
        f"/api/v1/customers/{customer['id']}",
        {"owner_id": acme.ids["sam"]},
        headers={"If-Match": f'"{customer["version"]}"'},
    )
    assert moved.status_code == 200, moved.text
    acme.deliver()
    assert acme.titles("Zhao", as_="sam", group="contact") == {"Zhao Lei"}
    assert acme.titles("Zhao", as_="rita", group="contact") == set()


def test_tenants_with_identical_names_never_see_each_other(world: SearchWorld) -> None:
    acme, globex = world.tenant("acme"), world.tenant("globex")
    mine = acme.customer("北京华强科技有限公司", phones=["13812345678"])
    theirs = globex.customer("北京华强科技有限公司", phones=["13812345678"])
    acme.deliver()
    globex.deliver()
    assert [c["id"] for c in acme.found("华强")] == [mine["id"]]
    assert [c["id"] for c in globex.found("5678")] == [theirs["id"]]
    suggested = world.search.get(
        "/api/v1/search/suggest", params={"q": "北京"}, headers=acme.headers()
    ).json()["suggestions"]
    assert [s["id"] for s in suggested] == [mine["id"]]


def test_deleted_customers_leave_the_results(world: SearchWorld) -> None:
    acme = world.tenant("acme")
    gone = acme.customer("Vanishing Ventures")
    acme.deliver()
    assert acme.titles("Vanishing") == {"Vanishing Ventures"}
    assert acme.delete(f"/api/v1/customers/{gone['id']}").status_code in (200, 204)
    acme.deliver()
    assert acme.titles("Vanishing") == set()
