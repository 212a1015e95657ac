"""The live-server fixture serves the real app over HTTP (used by GDAL and browser tests)."""

import httpx


def test_live_server_answers(live_server):
    response = httpx.get(f"{live_server.url}/api/v1/municipalities/16077043", timeout=10)
    assert response.status_code == 200
    assert response.json()["properties"]["name"] == "Schmölln"
