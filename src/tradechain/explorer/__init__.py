"""The explorer: a read-only web app over the index (Starlette + Jinja2, served by uvicorn). Pages and a JSON
API under /api/… share the query functions of tradechain.index.queries. See app.py."""
