"""The assistant's tools for outside AI clients (Claude Desktop, IDEs, other agents), over the Model Context Protocol.

Built on the official SDK's low-level server, so the tools keep the schemas the in-app assistant gives its
model (assistant.tools): the same read tools, and the same propose-then-confirm actions, plus
`confirm_action` / `cancel_action` for the proposals. Every call is authenticated with an API token
(leads.ApiToken) and acts as its owner, with the owner's role: read tools need the token's `read` scope,
proposing and confirming need `write`. Over stdio (`manage.py mcp_server --token ...`) the token is the
command's; over HTTP (`manage.py mcp_server --http 127.0.0.1:8765`, endpoint /mcp) it is each request's
`Authorization: Bearer` header, and a request without a valid one is refused with 401 before it reaches
the server.
"""

import json
import uuid
from typing import Any

import mcp.types as types
from asgiref.sync import sync_to_async
from django.core.exceptions import PermissionDenied
from mcp.server import Server
from mcp.server.context import ServerRequestContext
from mcp.server.stdio import stdio_server
from pydantic import BaseModel, ConfigDict
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from assistant import actions, tools
from assistant.context import Context
from assistant.models import ProposedAction
from leads.models import ApiToken


class ActionArguments(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action_id: str


DECISIONS = {
    "confirm_action": "Confirm a proposed action (the user agreed): only then does the change happen.",
    "cancel_action": "Cancel a proposed action.",
}


def tool_list() -> list[types.Tool]:
    listed = [types.Tool(name=item.name, description=item.description, input_schema=tools.registry.schema(
        item.arguments)) for item in tools.REGISTRY.values()]
    listed += [types.Tool(name=name, description=description, input_schema=tools.registry.schema(ActionArguments))
               for name, description in DECISIONS.items()]
    return listed


def _token(raw: str) -> ApiToken | None:
    row = ApiToken.authenticate(raw.strip()) if raw else None
    return row if row is not None and row.owner is not None else None


def _bearer(headers: Any) -> str:
    value = headers.get("authorization", "") if headers else ""
    return value[7:] if value.lower().startswith("bearer ") else ""


def _decide(token: ApiToken, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    parsed = ActionArguments.model_validate(arguments)
    try:
        action = ProposedAction.objects.get(pk=uuid.UUID(parsed.action_id), user=token.owner)
    except (ValueError, ProposedAction.DoesNotExist):
        return {"error": f"No proposed action '{parsed.action_id}' of yours."}
    try:
        decided = actions.confirm(action, token.owner) if name == "confirm_action" else actions.cancel(
            action, token.owner)
    except PermissionDenied as error:
        return {"error": str(error)}
    return {"status": decided.get_status_display(), "outcome": decided.outcome, "summary": decided.summary}


def call(raw_token: str, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """One tool call as the token's owner, within the token's scopes (synchronous: the ORM's)."""
    token = _token(raw_token)
    if token is None:
        return {"error": "A valid API token is required."}
    found = tools.REGISTRY.get(name)
    scope = "write" if found is None or found.proposes else "read"
    if not token.allows(scope):
        return {"error": f"This token lacks the '{scope}' scope."}
    if name in DECISIONS:
        return _decide(token, name, arguments)
    return tools.run(name, Context(user=token.owner), arguments).result


def build(stdio_token: str = "") -> Server:
    """The MCP server; `stdio_token` authenticates every call over stdio (HTTP calls bring their own)."""

    async def list_tools(ctx: ServerRequestContext, params: Any) -> types.ListToolsResult:
        return types.ListToolsResult(tools=tool_list())

    async def call_tool(ctx: ServerRequestContext, params: types.CallToolRequestParams) -> types.CallToolResult:
        raw = _bearer(ctx.request.headers) if ctx.request is not None else stdio_token
        result = await sync_to_async(call, thread_sensitive=True)(raw, params.name, dict(params.arguments or {}))
        return types.CallToolResult(content=[types.TextContent(type="text", text=json.dumps(result, default=str))],
                                    structured_content=json.loads(json.dumps(result, default=str)),
                                    is_error="error" in result)

    return Server("leadops", version="1", instructions="Ask about the LeadOps lead base; actions are proposed and "
                  "happen only after confirm_action.", on_list_tools=list_tools, on_call_tool=call_tool)


async def serve_stdio(token: str) -> None:
    server = build(token)
    async with stdio_server() as (read_stream, write_stream):
        await server.run(read_stream, write_stream, server.create_initialization_options())


class RequireToken:
    """Refuses (401) an HTTP request without a valid API token before the MCP server sees it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = {key.decode().lower(): value.decode() for key, value in scope.get("headers", [])}
            if await sync_to_async(_token, thread_sensitive=True)(_bearer(headers)) is None:
                response = JSONResponse({"error": "A valid API token is required (Authorization: Bearer ...)."},
                                        status_code=401, headers={"WWW-Authenticate": "Bearer"})
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def http_app(host: str = "127.0.0.1") -> ASGIApp:
    """The streamable-HTTP endpoint at /mcp (stateless: each request carries its token)."""
    return RequireToken(build().streamable_http_app(stateless_http=True, json_response=True, host=host))
