def test_smoke(client, register, staff, working_group):
    for url in ["/ogc", "/ogc/conformance", "/ogc/collections", "/ogc/collections/vacancies", "/ogc/collections/vacancies/items?limit=2",
                "/ogc/collections/vacancies/items?crs=EPSG:25832&f=html", "/ogc/collections/municipalities/items?limit=1&crs=http://www.opengis.net/def/crs/EPSG/0/25832",
                "/ogc/collections/vacancies/items/1", "/ogc/collections/vacancies/items/3", "/ogc/collections/x/items", "/ogc/collections/vacancies/items?limit=0", "/ogc?f=html"]:
        r = client.get(url, headers={"Accept": "application/json"})
        print(url, r.status_code, r.headers.get("content-type"), r.headers.get("content-crs"), r.text[:600])
    assert 0
