"""The MCP server, driven by the official SDK's client: it lists the tools, calls them with a token, and its
actions wait for confirm_action. The server runs as its management command in a process of its own."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import anyio
import httpx
import httpx2
import pytest
from django.conf import settings
from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client

from assistant.models import ProposedAction
from conftest import wait_for, worker_database_url
from leads.models import ApiToken, Lead
from outreach.models import Enrollment, Sequence

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True)


def _environment() -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": worker_database_url(), "REDIS_URL": settings.REDIS_URL or "",
            "LLM_PROVIDER": "none"}


def _stdio(token: str) -> StdioServerParameters:
    return StdioServerParameters(command=sys.executable, args=["manage.py", "mcp_server", "--token", token],
                                 cwd=str(ROOT), env=_environment())


async def _session_calls(parameters: StdioServerParameters, calls: list[tuple[str, dict]]) -> tuple[list, list]:
    async with stdio_client(parameters) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        listed = await session.list_tools()
        results = []
        for name, arguments in calls:
            result = await session.call_tool(name, arguments)
            results.append(json.loads(result.content[0].text))
        return [tool.name for tool in listed.tools], results


def test_it_lists_the_tools_and_answers_a_read_tool_with_a_token(rep, lead_factory):
    lead_factory(company_name="Initech", email="a@initech.com")
    lead_factory(company_name="Initech", email="b@initech.com")
    _, token = ApiToken.issue("Claude Desktop", owner=rep, scopes=["read"])
    names, results = anyio.run(_session_calls, _stdio(token), [("search_leads", {"search": "Initech"})])
    assert {"search_leads", "count_events", "propose_stop_sequences", "confirm_action"} <= set(names)
    assert results[0]["matching"] == 2
    assert "a@initech.com" not in json.dumps(results[0])


def test_a_read_only_token_cannot_propose_and_a_proposal_waits_for_confirmation(rep, lead_factory):
    lead = lead_factory(company_name="Initech")
    Enrollment.objects.create(lead=lead, sequence=Sequence.objects.create(name="Onboarding"))
    _, reader = ApiToken.issue("reader", owner=rep, scopes=["read"])
    _, writer = ApiToken.issue("writer", owner=rep, scopes=["read", "write"])
    _, refused = anyio.run(_session_calls, _stdio(reader), [("propose_stop_sequences", {"search": "Initech"})])
    assert refused[0]["error"] == "This token lacks the 'write' scope."
    _, (proposed, managers_only) = anyio.run(_session_calls, _stdio(writer), [
        ("propose_stop_sequences", {"search": "Initech"}), ("propose_requalify", {"newest": 1})])
    assert proposed["proposed_action"]["leads_affected"] == 1
    # The token acts as its owner, a rep: what a rep cannot do in the pages it cannot do here.
    assert managers_only["error"] == "Only a manager can do this (as on the Scoring model page)."
    assert Enrollment.objects.get(lead=lead).status == Enrollment.Status.ACTIVE
    action_id = proposed["proposed_action"]["action_id"]
    _, (confirmed,) = anyio.run(_session_calls, _stdio(writer), [("confirm_action", {"action_id": action_id})])
    assert confirmed["status"] == "Done"
    assert Enrollment.objects.get(lead=lead).status == Enrollment.Status.STOPPED
    assert ProposedAction.objects.get(pk=action_id).confirmed_by == rep


def test_the_command_refuses_to_start_without_a_valid_token():
    finished = subprocess.run([sys.executable, "manage.py", "mcp_server", "--token", "lo_nonsense"], cwd=ROOT,
                              env=_environment(), capture_output=True, text=True, timeout=60)
    assert finished.returncode != 0 and "--token must be an active API token" in finished.stderr


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def _http_calls(url: str, token: str) -> tuple[list, dict]:
    # The SDK's HTTP transport takes a client of httpx2 (the fork it is built on), not of httpx.
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx2.AsyncClient(headers=headers, timeout=30) as client, \
            streamable_http_client(url, http_client=client) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        listed = await session.list_tools()
        result = await session.call_tool("pipeline_report", {})
        return [tool.name for tool in listed.tools], json.loads(result.content[0].text)


def test_the_http_endpoint_needs_a_token_and_then_serves_the_tools(rep, lead_factory):
    lead_factory.create_batch(3)
    _, token = ApiToken.issue("IDE", owner=rep, scopes=["read"])
    port = _free_port()
    process = subprocess.Popen([sys.executable, "manage.py", "mcp_server", "--http", f"127.0.0.1:{port}"], cwd=ROOT,
                               env=_environment(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/mcp"
    try:
        assert wait_for(lambda: _answers(url), timeout=60)
        assert httpx.post(url, json={}).status_code == 401
        names, report = anyio.run(_http_calls, url, token)
        assert "pipeline_report" in names and report["total_leads"] == Lead.objects.count()
    finally:
        process.terminate()
        process.wait(timeout=15)


def _answers(url: str) -> bool:
    try:
        httpx.get(url, timeout=1)
        return True
    except httpx.TransportError:
        return False
