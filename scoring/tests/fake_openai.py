"""A fake OpenAI-compatible server on 127.0.0.1 for tests and the pipeline bench.

It speaks the chat-completions protocol closely enough for the real `openai` SDK (and the Azure
path /openai/deployments/<name>/chat/completions). By default it answers like a well-behaved
model: a lead assessment that agrees with the rule score it was shown, or a short email. A test
queues scripted replies with `then(...)`: malformed JSON, schema-violating JSON, a slow reply,
a 429 or 500 status, finish_reason "length", custom token usage. Every request is kept in
`requests` so a test can check what was sent, and `most_in_flight` says how many it answered at once.

It also speaks tool calls and streaming: a request with `stream: true` gets server-sent chunks (text deltas,
tool-call deltas, a usage chunk when asked), a scripted `Reply(tool_calls=[...])` calls tools, and the
assistant's requests get a literal model's answers by default (fake_assistant.py).
"""

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from scoring.tests import fake_assistant


@dataclass
class Reply:
    content: Any = None  # dict -> JSON text; str -> sent as is; None -> the default reply
    status: int = 200
    delay: float = 0.0
    finish_reason: str = "stop"
    usage: dict[str, int] = field(default_factory=lambda: {"prompt_tokens": 120, "completion_tokens": 40})
    # [{"name": ..., "arguments": {...}}]: the reply calls these tools (native tool calling).
    tool_calls: list[dict[str, Any]] | None = None


def lead_data(request: dict[str, Any]) -> dict[str, Any]:
    """The JSON the pipeline quoted inside <lead_data> in the user message."""
    text = request["messages"][-1]["content"]
    start, end = text.index("<lead_data>") + len("<lead_data>"), text.index("</lead_data>")
    return json.loads(text[start:end])


def task_data(request: dict[str, Any]) -> dict[str, Any]:
    """Our own data for the task (rule score, variant), after the quoted lead in the user message."""
    text = request["messages"][-1]["content"]
    if "<task_data>" not in text:
        return {}
    start, end = text.index("<task_data>") + len("<task_data>"), text.index("</task_data>")
    return json.loads(text[start:end])


def schema_title(request: dict[str, Any]) -> str:
    response_format = request.get("response_format") or {}
    schema = response_format.get("schema") or response_format.get("json_schema", {}).get("schema", {})
    return schema.get("title", "")


def default_content(request: dict[str, Any]) -> dict[str, Any]:
    data = lead_data(request)
    if schema_title(request) == "lead_assessment":
        return {"score": task_data(request)["rule_score"], "rationale": "Consistent with the rule score."}
    company = data.get("company") or "your team"
    # A model that keeps to its inputs: the call's length only where the template gives one.
    call = "a 20-minute call" if "20-minute" in str(task_data(request).get("template", "20-minute")) else "a short call"
    return {
        "subject": f"A faster follow-up process for {company}"[:80],
        "body": f"You mentioned that {data.get('pain_point') or 'lead follow-up'} is slowing things down. "
        f"Would {call} next week help to see how we would approach it?",
    }


class FakeOpenAI:
    def __init__(self, latency: float = 0.0) -> None:
        self.latency = latency
        self.script: deque[Reply] = deque()
        self.requests: list[dict[str, Any]] = []
        # Requests being answered at this moment, and the most there ever were (a server's slots in use).
        self.in_flight = 0
        self.most_in_flight = 0
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> "FakeOpenAI":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def then(self, *replies: Reply) -> "FakeOpenAI":
        with self._lock:
            self.script.extend(replies)
        return self

    def _next(self) -> Reply:
        with self._lock:
            return self.script.popleft() if self.script else Reply()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                request = json.loads(self.rfile.read(length) or b"{}")
                if not self.path.split("?")[0].rstrip("/").endswith("/chat/completions"):
                    self._send(404, {"error": {"message": f"no route {self.path}"}})
                    return
                with fake._lock:
                    fake.requests.append(request | {"_path": self.path})
                    fake.in_flight += 1
                    fake.most_in_flight = max(fake.most_in_flight, fake.in_flight)
                try:
                    self._answer(request)
                finally:
                    with fake._lock:
                        fake.in_flight -= 1

            def _answer(self, request: dict[str, Any]) -> None:
                reply = fake._next()
                # Waiting is the point of this fake (a model's latency), not a test waiting for time.
                time.sleep(fake.latency + reply.delay)
                if reply.status != 200:
                    self._send(
                        reply.status,
                        {"error": {"message": f"scripted {reply.status}", "type": "server_error"}},
                        {"Retry-After": "0"},
                    )
                    return
                calls = reply.tool_calls or []
                if reply.content is not None:
                    content: Any = reply.content
                elif reply.tool_calls is not None:
                    content = ""
                elif fake_assistant.is_assistant(request):
                    content, calls = fake_assistant.reply(request)
                else:
                    content = default_content(request)
                text = content if isinstance(content, str) else json.dumps(content)
                if request.get("stream"):
                    self._stream(request, reply, text, calls)
                    return
                self._send(
                    200,
                    {
                        "id": "chatcmpl-fake",
                        "object": "chat.completion",
                        "created": int(time.time()),
                        "model": request.get("model", "fake"),
                        "choices": [
                            {
                                "index": 0,
                                "finish_reason": reply.finish_reason,
                                "message": {"role": "assistant", "content": text},
                            }
                        ],
                        "usage": reply.usage | {"total_tokens": sum(reply.usage.values())},
                    },
                )

            def _stream(self, request: dict[str, Any], reply: Reply, text: str, calls: list[dict[str, Any]]) -> None:
                """Server-sent chunks as the openai SDK reads them: text in a few pieces, each tool call whole."""
                base = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": int(time.time()),
                        "model": request.get("model", "fake")}
                chunks = [base | {"choices": [{"index": 0, "delta": {"role": "assistant", "content": piece},
                                                "finish_reason": None}]}
                          for piece in _pieces(text)]
                if calls:
                    deltas = [{"index": index, "id": f"call_{index}", "type": "function",
                               "function": {"name": call["name"], "arguments": json.dumps(call["arguments"])}}
                              for index, call in enumerate(calls)]
                    chunks.append(base | {"choices": [{"index": 0, "delta": {"tool_calls": deltas},
                                                       "finish_reason": None}]})
                finish = "tool_calls" if calls and reply.finish_reason == "stop" else reply.finish_reason
                chunks.append(base | {"choices": [{"index": 0, "delta": {}, "finish_reason": finish}]})
                if (request.get("stream_options") or {}).get("include_usage"):
                    chunks.append(base | {"choices": [], "usage": reply.usage | {
                        "total_tokens": sum(reply.usage.values())}})
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "text/event-stream")
                    self.send_header("Connection", "close")
                    self.end_headers()
                    for chunk in chunks:
                        self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                        self.wfile.flush()
                    self.wfile.write(b"data: [DONE]\n\n")
                    self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    pass
                self.close_connection = True

            def _send(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
                payload = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    for name, value in (headers or {}).items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

        return Handler


def _pieces(text: str, size: int = 24) -> list[str]:
    """The text in a few pieces, as a model streams it (at least one, so an empty reply still has a chunk)."""
    return [text[start:start + size] for start in range(0, len(text), size)] or [""]
