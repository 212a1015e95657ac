"""The exposé's location map (pure): what it shows, its scale bar, and that user text is text."""

from xml.etree import ElementTree

from shapely.geometry import Point, box

from app.expose import mapsvg

SVG = "{http://www.w3.org/2000/svg}"


def test_the_window_shows_the_core_area_and_the_shop_at_least_600_m_wide():
    shop = Point(700_000, 5_640_000)
    core = box(699_000, 5_639_500, 701_500, 5_640_400)
    minx, miny, maxx, maxy = mapsvg.window(shop, core)
    assert minx < 699_000 and maxx > 701_500 and miny < 5_639_500 and maxy > 5_640_400
    assert abs((maxx - minx) / (maxy - miny) - mapsvg.WIDTH / mapsvg.HEIGHT) < 1e-9
    alone = mapsvg.window(shop, None)
    assert alone[2] - alone[0] == mapsvg.MIN_SPAN_M
    assert alone[0] < shop.x < alone[2] and alone[1] < shop.y < alone[3]


def test_the_scale_bar_is_a_round_length_of_about_a_quarter_of_the_map():
    assert mapsvg.scale_length(800 / mapsvg.WIDTH) == 200  # 200 m wanted
    assert mapsvg.scale_length(1400 / mapsvg.WIDTH) == 250  # 350 m wanted: the nearer of 250 and 500
    assert mapsvg.scale_length(4000 / mapsvg.WIDTH) == 1000
    assert mapsvg.scale_length(20 / mapsvg.WIDTH) == 25


def test_the_map_is_valid_svg_with_the_shop_inside_and_the_title_as_text():
    shop = Point(700_000, 5_640_000)
    core = box(699_800, 5_639_800, 700_300, 5_640_200)
    town = box(690_000, 5_630_000, 710_000, 5_650_000)
    svg = mapsvg.location_map(shop=shop, boundary=town, core=core, title='Lage <script>"x"</script>')
    root = ElementTree.fromstring(svg)
    assert root.find(f"{SVG}title").text == 'Lage <script>"x"</script>'
    assert root.find(f".//{SVG}script") is None
    circles = root.findall(f"{SVG}circle")
    cx, cy = float(circles[0].get("cx")), float(circles[0].get("cy"))
    assert 0 < cx < mapsvg.WIDTH and 0 < cy < mapsvg.HEIGHT
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "N" in texts and any(t.endswith(" m") for t in texts)
