"""OGC API - Features at /ogc for QGIS and GDAL: thin routes over app.exchange.ogc."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from app.accounts.deps import PrincipalDep, ReadSessionDep
from app.exchange import ogc, ogc_html
from app.exchange.schemas import Collection, Collections, Conformance, LandingPage
from app.responses import (
    GEOJSON_COLLECTION,
    GEOJSON_FEATURE,
    GEOJSON_MEDIA_TYPE,
    HTML_PAGE,
    GeoJSONResponse,
    OgcException,
    content,
    errors,
)
from app.templating import render
from app.urls import public_url, this_url

router = APIRouter(prefix="/ogc", tags=["OGC API - Features"])
JSON = "application/json"
HTML = "text/html"


# the OGC parameters are read from the raw query (app.exchange.ogc answers a bad one with OGC's
# 400), so the document lists them by hand
def _parameter(name: str, description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema or {"type": "string"}}


FORMAT = _parameter("f", "json (the default; geojson for items) or html; a browser that asks "
                         "for HTML first gets HTML without it",
                    {"type": "string", "enum": ["json", "geojson", "html"]})
CRS = _parameter("crs", f"CRS of the coordinates: {', '.join(ogc.CRS_URIS.values())}")
ITEM_PARAMETERS = [
    FORMAT, CRS,
    _parameter("bbox", "minx,miny,maxx,maxy in bbox-crs"),
    _parameter("bbox-crs", f"CRS of bbox: {', '.join(ogc.CRS_URIS.values())}"),
    _parameter("limit", f"features per page (default {ogc.DEFAULT_LIMIT})",
               {"type": "integer", "minimum": 1, "maximum": ogc.MAX_LIMIT}),
    _parameter("offset", "features to skip",
               {"type": "integer", "minimum": 0, "maximum": ogc.MAX_OFFSET}),
    _parameter("datetime", "vacancies: last update, an RFC 3339 instant or interval a/b (.. open)"),
    _parameter("status", "vacancies: status, or several comma-separated"),
    _parameter("municipality", "vacancies and proposals: AGS"),
]
# not an enum: an unknown collection is OGC's 404, not a validation error
CollectionId = Annotated[str, Path(examples=list(ogc.COLLECTIONS))]
AS_HTML = {"content": {HTML: {"schema": HTML_PAGE}}}
CONTENT_CRS = {"Content-Crs": "the CRS of the coordinates, as <URI>"}
BAD_FORMAT = errors(400, body=OgcException)  # f is neither json nor html
OGC_ERRORS = errors(400, 404, body=OgcException)


def _features(schema: dict[str, Any]) -> dict[str, Any]:
    """GeoJSON, or the same as an HTML page (f=html)."""
    response = content(GEOJSON_MEDIA_TYPE, schema, headers=CONTENT_CRS)
    response["content"][HTML] = {"schema": HTML_PAGE}
    return response


def _link(href: str, rel: str, type_: str, title: str | None = None) -> dict[str, str]:
    return {"href": href, "rel": rel, "type": type_, **({"title": title} if title else {})}


def _base(request: Request) -> str:
    return public_url(request, "/ogc")


def _query(request: Request) -> dict[str, str]:
    """The query parameters; a browser (HTML first in Accept) without ``f`` gets HTML."""
    query = dict(request.query_params)
    if "f" not in query and request.headers.get("accept", "").startswith("text/html"):
        query["f"] = "html"
    return query


def _page(request: Request, title: str, doc: dict[str, Any], **german: Any) -> Response:
    """ogc.html in German: the document's links and collections with German texts."""
    links = [{"href": link["href"], "text": ogc_html.link_text(link)} for link in doc.get("links", [])]
    collections = [{"href": c["links"][0]["href"], "title": ogc_html.COLLECTION_TEXTS[c["id"]][0],
                    "description": ogc_html.COLLECTION_TEXTS[c["id"]][1]}
                   for c in doc.get("collections", [])]
    return render(request, "ogc.html", title=title, links=links, collections=collections,
                  conforms_to=doc.get("conformsTo"), **german)


def _document(request: Request, body: dict[str, Any], title: str,
              description: str | None = None) -> Response | dict[str, Any]:
    """The HTML page (German title and description), or the JSON body for the route's model."""
    if ogc.parse_format(_query(request)):
        return _page(request, title, body, description=description)
    return body


# a link's title is there only when it has one: unset keys stay out of the JSON documents
@router.get("", response_model=LandingPage, response_model_exclude_unset=True,
            summary="Landing page", responses={200: AS_HTML, **BAD_FORMAT},
            openapi_extra={"parameters": [FORMAT]})
def landing(request: Request) -> Response | dict[str, Any]:
    """Links to the API definition, the conformance declaration and the collections."""
    base = _base(request)
    root = public_url(request)
    return _document(request, {
        "title": "Leerstandsregister – OGC API - Features",
        "description": "Vacant inner-city shops of Thuringian towns, for QGIS and other GIS.",
        "links": [
            _link(base, "self", JSON, "this document"),
            _link(f"{base}?f=html", "alternate", HTML, "this document as HTML"),
            _link(f"{root}/openapi.json", "service-desc",
                  "application/vnd.oai.openapi+json;version=3.1", "the API definition"),
            _link(f"{root}/docs", "service-doc", HTML, "the API documentation"),
            _link(f"{base}/conformance", "conformance", JSON, "conformance classes"),
            _link(f"{base}/collections", "data", JSON, "the collections"),
        ],
    }, "Leerstandsregister – OGC API - Features",
        "Leerstehende Ladenlokale Thüringer Städte für QGIS und andere Geoinformationssysteme.")


@router.get("/conformance", response_model=Conformance, summary="Conformance declaration",
            responses={200: AS_HTML, **BAD_FORMAT}, openapi_extra={"parameters": [FORMAT]})
def conformance(request: Request) -> Response | dict[str, Any]:
    """Part 1 core, GeoJSON, HTML; Part 2 CRS by reference."""
    return _document(request, {"conformsTo": ogc.CONFORMANCE}, "Konformität")


def _collection(request: Request, collection_id: str, bbox: list[float]) -> dict[str, Any]:
    base = f"{_base(request)}/collections/{collection_id}"
    title, description = ogc.COLLECTIONS[collection_id]
    return {
        "id": collection_id, "title": title, "description": description, "itemType": "feature",
        "extent": {"spatial": {"bbox": [bbox], "crs": ogc.CRS_URIS[4326]}},
        "crs": list(ogc.CRS_URIS.values()), "storageCrs": ogc.CRS_URIS[4326],
        "links": [
            _link(base, "self", JSON, title),
            _link(f"{base}/items", "items", GEOJSON_MEDIA_TYPE, f"{title} as GeoJSON"),
            _link(f"{base}/items?f=html", "items", HTML, f"{title} as HTML"),
        ],
    }


def _check_collection(collection_id: str) -> None:
    if collection_id not in ogc.COLLECTIONS:
        raise ogc.OgcNotFound(
            f"no collection {collection_id!r}; offered: {', '.join(ogc.COLLECTIONS)}")


@router.get("/collections", response_model=Collections, response_model_exclude_unset=True,
            summary="The feature collections",
            responses={200: AS_HTML, **BAD_FORMAT, **errors(503)},
            openapi_extra={"parameters": [FORMAT]})
def collections(request: Request, session: ReadSessionDep) -> Response | dict[str, Any]:
    """vacancies, municipalities and published proposals."""
    bbox = ogc.extent(session=session)
    base = f"{_base(request)}/collections"
    return _document(request, {
        "links": [_link(base, "self", JSON), _link(f"{base}?f=html", "alternate", HTML)],
        "collections": [_collection(request, cid, bbox) for cid in ogc.COLLECTIONS],
    }, "Sammlungen")


@router.get("/collections/{collection_id}", response_model=Collection,
            response_model_exclude_unset=True, summary="One feature collection",
            responses={200: AS_HTML, **OGC_ERRORS, **errors(503)},
            openapi_extra={"parameters": [FORMAT]})
def collection(collection_id: CollectionId, request: Request,
               session: ReadSessionDep) -> Response | dict[str, Any]:
    _check_collection(collection_id)
    body = _collection(request, collection_id, ogc.extent(session=session))
    title, description = ogc_html.COLLECTION_TEXTS[collection_id]
    return _document(request, body, f"Sammlung: {title}", description)


def _page_links(request: Request, params: ogc.ItemParams, matched: int,
                returned: int) -> list[dict[str, str]]:
    media = HTML if params.html else GEOJSON_MEDIA_TYPE
    url = this_url(request)
    links = [_link(str(url), "self", media),
             _link(str(url.include_query_params(f="html" if not params.html else "json")),
                   "alternate", GEOJSON_MEDIA_TYPE if params.html else HTML)]
    if params.offset + returned < matched:
        links.append(_link(str(url.include_query_params(
            offset=params.offset + params.limit, limit=params.limit)), "next", media, "next page"))
    if params.offset > 0:
        links.append(_link(str(url.include_query_params(
            offset=max(0, params.offset - params.limit), limit=params.limit)), "prev", media))
    return links


def _crs_headers(epsg: int) -> dict[str, str]:
    return {"Content-Crs": f"<{ogc.CRS_URIS[epsg]}>"}


def _html(request: Request, title: str, doc: dict[str, Any], features: list[dict[str, Any]],
          epsg: int, **german: Any) -> Response:
    response = _page(request, title, doc, table=ogc_html.table(features), **german)
    response.headers.update(_crs_headers(epsg))
    return response


@router.get("/collections/{collection_id}/items", summary="Features of a collection",
            response_class=GeoJSONResponse,
            responses={200: _features(GEOJSON_COLLECTION), **OGC_ERRORS, **errors(401, 503)},
            openapi_extra={"parameters": ITEM_PARAMETERS})
def items(collection_id: CollectionId, request: Request, session: ReadSessionDep,
          principal: PrincipalDep) -> Response:
    """bbox, bbox-crs, crs, limit (1–10,000, default 100), offset, datetime (last update),
    status and municipality (vacancies), municipality (proposals), f=json|html.
    Anonymous: public data only; proposals are the published ones for everybody."""
    _check_collection(collection_id)
    params = ogc.parse_items(_query(request), collection_id)
    if collection_id == "vacancies":
        matched, returned, features = ogc.vacancy_page(session=session, principal=principal,
                                                       params=params)
    else:
        matched, returned, features = ogc.simple_page(session=session,
                                                      collection=collection_id, params=params)
    links = _page_links(request, params, matched, returned)
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if params.html:
        title = f"Objekte: {ogc_html.COLLECTION_TEXTS[collection_id][0]}"
        return _html(request, title, {"links": links}, json.loads(f"[{features}]"), params.epsg,
                     count=ogc_html.count_text(returned, matched))
    body = (f'{{"type":"FeatureCollection","numberMatched":{matched},'
            f'"numberReturned":{returned},"timeStamp":"{stamp}",'
            f'"links":{json.dumps(links)},"features":[{features}]}}')
    return Response(body, media_type=GEOJSON_MEDIA_TYPE, headers=_crs_headers(params.epsg))


@router.get("/collections/{collection_id}/items/{fid}", summary="One feature",
            response_class=GeoJSONResponse,
            responses={200: _features(GEOJSON_FEATURE), **OGC_ERRORS, **errors(401, 503)},
            openapi_extra={"parameters": [FORMAT, CRS]})
def item(collection_id: CollectionId, fid: str, request: Request, session: ReadSessionDep,
         principal: PrincipalDep) -> Response:
    _check_collection(collection_id)
    query = _query(request)
    epsg = ogc.parse_crs(query["crs"]) if "crs" in query else 4326
    html = ogc.parse_format(query)
    if collection_id == "vacancies":
        body = ogc.vacancy_item(session=session, principal=principal, fid=fid, epsg=epsg)
    else:
        body = ogc.simple_item(session=session, collection=collection_id, fid=fid, epsg=epsg)
    if html:
        feature = json.loads(body)
        title = f"{ogc_html.COLLECTION_TEXTS[collection_id][0]}: Objekt {fid}"
        return _html(request, title, {"links": []}, [feature], epsg,
                     fields=ogc_html.fields(feature))
    return Response(body, media_type=GEOJSON_MEDIA_TYPE, headers=_crs_headers(epsg))
