"""Datasette plugin: /docs and /docs/ lead to the site's home page."""

from datasette import hookimpl
from datasette.utils.asgi import Response


async def docs_home(request):
    return Response.redirect("/docs/index.html")


@hookimpl
def register_routes():
    return [(r"^/docs/?$", docs_home)]
