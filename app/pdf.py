"""HTML to PDF with WeasyPrint, for every printed document (exposé, quarterly report). The
renderer fetches nothing: images must be inlined as data URIs, every other URL is refused."""

from __future__ import annotations


def render_pdf(html: str) -> bytes:
    # imported on use: pango is loaded only by processes that print. The fetcher reads inlined
    # data only, never a URL (no request on behalf of text someone typed)
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols={"data"}, allow_redirects=False, timeout=2)
    return HTML(string=html, url_fetcher=fetcher).write_pdf()
