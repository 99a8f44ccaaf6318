"""Serve the assistant's tools to MCP clients: over stdio (a client starts this command) or over HTTP."""

from typing import Any

import anyio
import uvicorn
from django.core.management.base import BaseCommand, CommandError

from assistant import mcp_server


class Command(BaseCommand):
    help = "Serve Ask LeadOps's tools over MCP: stdio with --token, or HTTP with --http HOST:PORT (endpoint /mcp)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--token", default="", help="The API token the stdio client acts with")
        parser.add_argument("--http", default="", metavar="HOST:PORT", help="Serve HTTP here instead of stdio")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["http"]:
            host, _, port = options["http"].rpartition(":")
            if not host or not port.isdigit():
                raise CommandError(f"--http '{options['http']}' is not HOST:PORT, e.g. 127.0.0.1:8765")
            uvicorn.run(mcp_server.http_app(host), host=host, port=int(port), log_level="warning")
            return
        if mcp_server._token(options["token"]) is None:
            raise CommandError("--token must be an active API token with an owner (Settings, API tokens).")
        anyio.run(mcp_server.serve_stdio, options["token"])
