"""The assistant's tools: each a thin call into the domain functions the pages and the API use, run as the user.

A tool takes pydantic arguments (their JSON schema is what the model sees) and returns a JSON-able dict: the
result the model reads and the "what I looked up" panel shows. Results are redacted before the model sees them
(`assistant.tools.leads.lead_row`): no address or phone number unless the question asks for one, and a lead's own
words as quoted, scrubbed data. Action tools only propose (`assistant.actions.propose`); nothing changes until
the user confirms.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from assistant.context import Context, ToolProblem

__all__ = ["REGISTRY", "Context", "Outcome", "Tool", "ToolProblem", "openai_tools", "run", "step_schema", "tool"]


@dataclass
class Tool:
    name: str
    description: str
    arguments: type[BaseModel]
    run: Callable[[Context, Any], dict[str, Any]]
    # Proposes a change (needs the token's write scope over MCP); read tools change nothing.
    proposes: bool = False


REGISTRY: dict[str, Tool] = {}


def tool(name: str, description: str, arguments: type[BaseModel], *, proposes: bool = False
         ) -> Callable[[Callable[[Context, Any], dict[str, Any]]], Callable[[Context, Any], dict[str, Any]]]:
    def register(run: Callable[[Context, Any], dict[str, Any]]) -> Callable[[Context, Any], dict[str, Any]]:
        REGISTRY[name] = Tool(name, description, arguments, run, proposes)
        return run

    return register


@dataclass
class Outcome:
    result: dict[str, Any]
    error: str = ""
    duration_ms: int = 0


def schema(arguments: type[BaseModel]) -> dict[str, Any]:
    value = arguments.model_json_schema()
    value.pop("title", None)
    value["additionalProperties"] = False
    return value


def run(name: str, context: Context, arguments: dict[str, Any]) -> Outcome:
    """Validate the arguments and run the tool; a problem becomes an error result the model reads."""
    started = time.monotonic()
    found = REGISTRY.get(name)
    if found is None:
        return Outcome({"error": f"There is no tool named '{name}'."}, error=f"unknown tool {name}")
    try:
        parsed = found.arguments.model_validate(arguments or {})
        result = found.run(context, parsed)
        error = ""
    except ValidationError as problem:
        words = "; ".join(f"{'.'.join(str(p) for p in item['loc']) or 'arguments'}: {item['msg']}"
                          for item in problem.errors()[:3])
        result, error = {"error": f"Arguments not valid: {words}"}, words
    except ToolProblem as problem:
        result, error = {"error": str(problem)}, str(problem)
    return Outcome(result, error=error[:300], duration_ms=int((time.monotonic() - started) * 1000))


def openai_tools() -> list[dict[str, Any]]:
    """The tools in the chat-completions `tools` shape (native tool calling)."""
    return [{"type": "function", "function": {"name": item.name, "description": item.description,
                                              "parameters": schema(item.arguments)}}
            for item in REGISTRY.values()]


ANSWER = "answer"


def step_schema() -> dict[str, Any]:
    """JSON-schema mode: one step, a tool from an enum with its arguments, or "answer" when the results suffice."""
    options: list[dict[str, Any]] = [
        {"type": "object", "properties": {"tool": {"const": item.name}, "arguments": schema(item.arguments)},
         "required": ["tool", "arguments"], "additionalProperties": False}
        for item in REGISTRY.values()
    ]
    options.append({"type": "object", "properties": {"tool": {"const": ANSWER}}, "required": ["tool"],
                    "additionalProperties": False})
    return {"type": "object", "anyOf": options}


def catalogue() -> str:
    """One line per tool, for the system prompt of the JSON-schema mode (which has no `tools` parameter)."""
    return "\n".join(f"- {item.name}: {item.description}" for item in REGISTRY.values())
