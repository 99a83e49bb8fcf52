"""Datasette plugin: the publication's own routes and its hardening.

Routes: /docs -> the site; /robots.txt and /sitemap.xml; /-/freshness.json; /-/dcat.jsonld and
/-/jsonld/<table>.jsonld; /-/feeds/releases.atom and /-/feeds/milestones.atom.
Hardening (an ASGI wrapper): no method but GET, HEAD and OPTIONS reaches Datasette; at most
BANSOS_SQL_CONCURRENCY ad-hoc SQL queries run at once, the next waits BANSOS_SQL_QUEUE_SECONDS
for a slot and is then told 429 with Retry-After; every answer names the release it came from.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
from collections import OrderedDict
from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qs

from datasette import hookimpl
from datasette.utils.asgi import Response

from publish import feeds, jsonld

DB = "bansos-terbuka"
READ_METHODS = {"GET", "HEAD", "OPTIONS"}


@lru_cache(maxsize=4)
def _release_index(release: str) -> dict:
    path = Path(release) / "index.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _release(datasette) -> Path | None:
    db = datasette.databases.get(DB)
    return Path(db.path).parent if db is not None and db.path else None


def _index(datasette) -> dict:
    rel = _release(datasette)
    return _release_index(str(rel)) if rel else {}


def _base(request) -> str:
    return f"{request.scheme}://{request.host}"


def _meta(datasette) -> dict:
    """The publication's own words (index.json) and the served table metadata (licences)."""
    served = datasette.metadata() or {}
    return {**_index(datasette).get("publication", {}), "databases": served.get("databases", {})}


async def docs_home(request):
    return Response.redirect("/docs/index.html")


async def robots(request, datasette):
    # Tables, rows and docs are indexed; query URLs (?sql=, facets, filters, sorting) are not.
    text = "\n".join([
        "User-agent: *",
        "Allow: /",
        "Disallow: /*?",
        "Disallow: /*.json",
        "Disallow: /*.csv",
        f"Disallow: /{DB}.db",
        "Disallow: /-/",
        "Allow: /-/dcat.jsonld",
        "Allow: /-/jsonld/",
        "Allow: /-/feeds/",
        "Allow: /-/dashboards",
        f"Sitemap: {_base(request)}/sitemap.xml",
        ""])
    return Response.text(text)


async def sitemap(request, datasette):
    base = _base(request)
    urls = [f"{base}/", f"{base}/{DB}", f"{base}/docs/index.html", f"{base}/docs/en/index.html"]
    for name in _index(datasette).get("tables", {}):
        urls += [f"{base}/{DB}/{name}", f"{base}/docs/tables/{name}.html"]
    body = ('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            + "".join(f"  <url><loc>{u}</loc></url>\n" for u in urls) + "</urlset>\n")
    return Response(body, content_type="application/xml; charset=utf-8")


async def freshness(request, datasette):
    index = _index(datasette)
    fresh = dict(index.get("freshness", {}))
    tables = {k: {"last_data_change": v["last_data_change"]} for k, v in fresh.pop("tables", {}).items()}
    return Response.json({"release_id": index.get("release_id"), "periods": index.get("periods"),
                          "synthetic": index.get("synthetic"), **fresh, "tables": tables})


async def dcat(request, datasette):
    doc = jsonld.catalog(_base(request), DB, _index(datasette), _meta(datasette))
    return Response(json.dumps(doc, ensure_ascii=False, indent=1), content_type="application/ld+json")


async def table_jsonld(request, datasette):
    name = request.url_vars["table"]
    index = _index(datasette)
    if name not in index.get("tables", {}):
        return Response.json({"error": f"no table {name}"}, status=404)
    doc = jsonld.table_document(name, _base(request), DB, index, _meta(datasette))
    return Response(json.dumps(doc, ensure_ascii=False, indent=1), content_type="application/ld+json")


async def _rows(datasette, sql: str) -> list[dict]:
    result = await datasette.get_database(DB).execute(sql)
    return [dict(r) for r in result.rows]


async def releases_feed(request, datasette):
    rows = await _rows(datasette, "SELECT * FROM releases ORDER BY period")
    body = feeds.releases_atom(rows, _base(request), request.host.split(":")[0])
    return Response(body.decode("utf-8"), content_type="application/atom+xml; charset=utf-8")


async def milestones_feed(request, datasette):
    rows = await _rows(datasette, "SELECT * FROM milestones ORDER BY commitment_id, milestone_no")
    body = feeds.milestones_atom(rows, _base(request), request.host.split(":")[0])
    return Response(body.decode("utf-8"), content_type="application/atom+xml; charset=utf-8")


@hookimpl
def register_routes():
    return [
        (r"^/docs/?$", docs_home),
        (r"^/robots\.txt$", robots),
        (r"^/sitemap\.xml$", sitemap),
        (r"^/-/freshness\.json$", freshness),
        (r"^/-/dcat\.jsonld$", dcat),
        (r"^/-/jsonld/(?P<table>[a-z_]+)\.jsonld$", table_jsonld),
        (r"^/-/feeds/releases\.atom$", releases_feed),
        (r"^/-/feeds/milestones\.atom$", milestones_feed),
    ]


@hookimpl
def extra_template_vars(view_name, table, database, request, datasette):
    """Every table page carries its JSON-LD, and the release's freshness for the templates."""
    index = _index(datasette)
    out = {"bansos_release": index.get("release_id"), "bansos_freshness": index.get("freshness", {})}
    if view_name == "table" and database == DB and table in index.get("tables", {}) and request is not None:
        out["bansos_jsonld"] = jsonld.script_tag_json(
            jsonld.table_document(table, _base(request), DB, index, _meta(datasette)))
    elif view_name == "index" and request is not None and index:
        out["bansos_jsonld"] = jsonld.script_tag_json(jsonld.catalog(_base(request), DB, index, _meta(datasette)))
        out["bansos_home"] = _home(datasette, index)
    return out


def _home(datasette, index: dict) -> dict:
    """What the home page lists: dashboards, canned queries and tables, with their own titles."""
    served = (datasette.metadata() or {}).get("databases", {}).get(DB, {})
    dashboards = (datasette.metadata() or {}).get("plugins", {}).get("datasette-dashboards", {})
    return {
        "db": DB, "period": index.get("period"), "freshness": index.get("freshness", {}),
        "zip": index.get("downloads", {}).get("zip"), "database_file": index.get("database"),
        "dashboards": [{"slug": k, "title": v.get("title", k), "description": v.get("description", "")}
                       for k, v in dashboards.items()],
        "queries": [{"name": k, "title": v.get("title", k)} for k, v in served.get("queries", {}).items()],
        "tables": [{"name": k, "rows": n, "title": served.get("tables", {}).get(k, {}).get("title", k)}
                   for k, n in index.get("tables", {}).items()],
    }


async def _plain(send, status: int, text: str, headers: list[tuple[bytes, bytes]]):
    body = text.encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode())] + headers})
    await send({"type": "http.response.body", "body": body})


def _is_adhoc_sql(scope) -> bool:
    qs = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    return "sql" in qs


class ResponseCache:
    """Whole answers of one immutable release, by URL: the same request always gets the same bytes.

    Only small 200 answers that set no cookie are kept; the files under /downloads/, /docs/ and
    /-/static are served from disk as they are. The ETag is the release plus a digest of the body,
    so a CDN or browser revalidates with If-None-Match and gets 304.
    """

    SKIP = ("/downloads/", "/docs/", "/-/static")

    def __init__(self, max_entries: int = 4000, max_body: int = 2 << 20):
        self.max_entries, self.max_body = max_entries, max_body
        self.entries: OrderedDict = OrderedDict()
        self.hits = self.misses = 0

    def cacheable(self, scope) -> bool:
        return scope["method"] in ("GET", "HEAD") and not scope["path"].startswith(self.SKIP)

    def key(self, scope) -> tuple:
        return scope["path"], scope.get("query_string", b"")

    def get(self, key):
        entry = self.entries.get(key)
        if entry is not None:
            self.entries.move_to_end(key)
            self.hits += 1
        else:
            self.misses += 1
        return entry

    def put(self, key, status: int, headers: list, body: bytes) -> None:
        if status != 200 or len(body) > self.max_body or any(k.lower() == b"set-cookie" for k, _ in headers):
            return
        self.entries[key] = (status, headers, body)
        while len(self.entries) > self.max_entries:
            self.entries.popitem(last=False)


def _etag(release: bytes, body: bytes) -> bytes:
    return b'W/"' + release + b"-" + hashlib.sha1(body).hexdigest()[:16].encode() + b'"'


async def _replay(scope, send, entry, release: bytes) -> None:
    status, headers, body = entry
    etag = _etag(release, body)
    sent_tag = dict((k.lower(), v) for k, v in scope.get("headers", [])).get(b"if-none-match")
    headers = [h for h in headers if h[0].lower() not in (b"etag", b"content-length")] + [(b"etag", etag)]
    if sent_tag == etag:
        await send({"type": "http.response.start", "status": 304, "headers": [h for h in headers
                    if h[0].lower() in (b"etag", b"cache-control", b"x-bansos-release", b"vary")]})
        await send({"type": "http.response.body", "body": b""})
        return
    await send({"type": "http.response.start", "status": status,
                "headers": headers + [(b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})


@hookimpl
def asgi_wrapper(datasette):
    limit = int(os.environ.get("BANSOS_SQL_CONCURRENCY", "4"))
    queue_seconds = float(os.environ.get("BANSOS_SQL_QUEUE_SECONDS", "2"))
    retry_after = os.environ.get("BANSOS_RETRY_AFTER", "5")

    entries = int(os.environ.get("BANSOS_CACHE_ENTRIES", "4000"))
    cache = ResponseCache(entries) if entries > 0 else None

    def wrap(app):
        slots = asyncio.Semaphore(limit)

        async def asgi(scope, receive, send):
            if scope["type"] != "http":
                return await app(scope, receive, send)
            release = (_index(datasette).get("release_id") or "").encode()

            async def send_tagged(message):
                if message["type"] == "http.response.start" and release:
                    message = {**message, "headers": list(message.get("headers", []))
                               + [(b"x-bansos-release", release)]}
                await send(message)

            if scope["method"] not in READ_METHODS:
                return await _plain(send, 405, "Hanya baca: publikasi ini tidak menerima perubahan. / "
                                    "Read only: this publication accepts no changes.\n",
                                    [(b"allow", b"GET, HEAD, OPTIONS")])
            use_cache = cache is not None and cache.cacheable(scope)
            if use_cache:
                entry = cache.get(cache.key(scope))
                if entry is not None:
                    return await _replay(scope, send, entry, release)
                captured = {"status": 0, "headers": [], "body": []}

                async def send_cached(message):
                    if message["type"] == "http.response.start":
                        captured["status"], captured["headers"] = message["status"], list(message.get("headers", []))
                        if release:
                            captured["headers"].append((b"x-bansos-release", release))
                    elif message["type"] == "http.response.body":
                        if captured.get("passing"):
                            return await send(message)
                        captured["body"].append(message.get("body", b""))
                        if message.get("more_body") and sum(map(len, captured["body"])) > cache.max_body:
                            # Too big to keep (a streamed CSV): pass the rest straight through.
                            captured["passing"] = True
                            await send({"type": "http.response.start", "status": captured["status"],
                                       "headers": [h for h in captured["headers"]
                                                   if h[0].lower() != b"content-length"]})
                            return await send({"type": "http.response.body", "body": b"".join(captured["body"]),
                                              "more_body": True})
                        if not message.get("more_body"):
                            body = b"".join(captured["body"])
                            if scope["method"] == "GET":
                                cache.put(cache.key(scope), captured["status"], captured["headers"], body)
                            entry = (captured["status"], captured["headers"], body)
                            return await _replay(scope, send, entry, release)
                        return None

                send_out = send_cached
            else:
                send_out = send_tagged

            if not _is_adhoc_sql(scope):
                return await app(scope, receive, send_out)
            try:
                await asyncio.wait_for(slots.acquire(), timeout=queue_seconds)
            except asyncio.TimeoutError:
                return await _plain(send, 429, "Terlalu banyak kueri SQL bersamaan; coba lagi sebentar lagi, atau "
                                    "unduh tabelnya di /downloads/. / Too many SQL queries at once; try again "
                                    "shortly, or download the tables from /downloads/.\n",
                                    [(b"retry-after", retry_after.encode())])
            try:
                await app(scope, receive, send_out)
            finally:
                slots.release()

        return asgi

    return wrap
