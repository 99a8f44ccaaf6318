"""The assistant's tools: each a thin call into the domain functions the pages and the API use, run as the user.

A tool takes pydantic arguments (their JSON schema is what the model sees) and returns a JSON-able dict: the
result the model reads and the "what I looked up" panel shows. Results are redacted before the model sees them
(`assistant.tools.leads.lead_row`): no address or phone number unless the question asks for one, and a lead's own
words as quoted, scrubbed data. Action tools only propose (`assistant.actions.propose`); nothing changes until
the user confirms.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
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


# A result's key for every lead a list matched (not only those shown): what "those leads" means next. The model
# never reads it: `run` takes it out of the result.
REMEMBER = "_remember_lead_ids"


@dataclass
class Outcome:
    result: dict[str, Any]
    error: str = ""
    duration_ms: int = 0
    # The leads the result is about, in order: the ones it matched, else the ones it lists.
    lead_ids: list[str] = field(default_factory=list)


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
    remembered = result.pop(REMEMBER, None)
    listed = [str(row["id"]) for row in result.get("leads", []) if isinstance(row, dict) and row.get("id")]
    return Outcome(result, error=error[:300], duration_ms=int((time.monotonic() - started) * 1000),
                   lead_ids=list(dict.fromkeys(remembered if remembered is not None else listed)))


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
    """One line per tool with its argument names, for the JSON-schema mode's system prompt (which has no `tools`
    parameter: the grammar holds the arguments to their schema, this line tells the model what they mean)."""
    lines = []
    for item in REGISTRY.values():
        fields = []
        for name, spec in schema(item.arguments).get("properties", {}).items():
            options = spec.get("enum") or [choice.get("const") for choice in spec.get("anyOf", []) if "const" in choice]
            fields.append(f"{name}={'|'.join(str(option) for option in options if option)}" if options else name)
        lines.append(f"- {item.name}({', '.join(fields)}): {item.description}")
    return "\n".join(lines)
