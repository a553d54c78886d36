"""Ad review over HTTP: check (JSON or an uploaded page), review a stored ad, its state,
eligible ads, and bad input (no advertiser, bad fields, an 11 MB page, unknown items)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from reelstack.core.records import Ad
from reelstack.runtime.platform import Platform
from reelstack.safety.landing import MAX_LANDING_BYTES
from reelstack.testing.factories import make_creator, make_item
from reelstack.testing.http import auth

DIABETES_PAGE = ("<html><head><title>SugarAway</title></head><body><p>Our herbal tea will cure "
                 "diabetes in 7 days, naturally.</p></body></html>")  # fmt: skip
COFFEE_PAGE = ("<html><body><p>BrewBox delivers freshly roasted single-origin coffee to your "
               "door every week.</p></body></html>")  # fmt: skip


def _stored_ad(platform: Platform, caption: str) -> str:
    creator = platform.store.upsert_creator(make_creator())
    item = make_item(creator, caption=caption, ad=Ad(advertiser="BrewBox"))
    return platform.store.insert_item(item).id


def test_ads_over_http(client: TestClient, keys, platform: Platform) -> None:
    app, staff = auth(keys["client"]), auth(keys["reviewer"])
    body = {"advertiser": "SugarAway", "text": "Herbal tea", "landing_page": DIABETES_PAGE}
    checked = client.post("/v1/ads/check", json=body, headers=app)
    assert checked.status_code == 200, checked.text
    assert checked.json()["state"] == "disapproved"
    uploaded = client.post("/v1/ads/check", data={"advertiser": "SugarAway", "text": "Herbal tea",
                                                  "claims": ["Doctors hate this"]},
                           files={"landing_page": ("page.html", DIABETES_PAGE.encode())},
                           headers=app)  # fmt: skip
    assert uploaded.status_code == 200 and uploaded.json()["state"] == "disapproved"
    too_big = client.post("/v1/ads/check", data={"advertiser": "X"},
                          files={"landing_page": ("p.html", b"a" * (MAX_LANDING_BYTES + 1))},
                          headers=app)  # fmt: skip
    assert too_big.status_code == 413
    for body in ({"text": "no advertiser"}, {"advertiser": "X", "claims": "one"},
                 {"advertiser": "X", "landing_page": 5},
                 {"advertiser": "X", "landing_page": "x", "landing_page_type": "pdf"}):  # fmt: skip
        assert client.post("/v1/ads/check", json=body, headers=app).status_code == 422, body
    item_id = _stored_ad(platform, "Fresh roasted beans delivered every week")
    reviewed = client.post(f"/v1/ads/{item_id}/review", json={"landing_page": COFFEE_PAGE},
                           headers=staff)  # fmt: skip
    assert reviewed.status_code == 200 and reviewed.json()["state"] == "approved"
    assert reviewed.json()["landing_page"]["kind"] == "html"
    assert client.post(f"/v1/ads/{item_id}/review", headers=app).status_code == 403
    state = client.get(f"/v1/ads/{item_id}", headers=app).json()
    assert state["state"] == "approved" and state["by"] == "reelstack.ads"
    eligible = client.get("/v1/ads/eligible", headers=app).json()["ads"]
    assert [a["item_id"] for a in eligible] == [item_id]
    assert client.get("/v1/ads/itm_nope", headers=app).status_code == 404
    assert client.post("/v1/ads/itm_nope/review", headers=staff).status_code == 404
