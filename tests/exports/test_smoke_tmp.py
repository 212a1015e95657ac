def test_smoke(client, register, staff, working_group):
    for fmt in ("geojson", "csv", "gpkg"):
        for h in ({}, staff, working_group):
            r = client.get(f"/api/v1/export/vacancies.{fmt}", headers=h)
            print(fmt, r.status_code, r.headers.get("content-type"), len(r.content))
            if fmt != "gpkg":
                print(r.text[:1500])
    assert 0
