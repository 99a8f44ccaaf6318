"""The assistant's tools (see assistant.tools.registry); importing the package registers every one."""

from assistant.tools import metrics, proposals, reads
from assistant.tools.registry import REGISTRY, Context, Outcome, Tool, openai_tools, run, step_schema

__all__ = ["REGISTRY", "Context", "Outcome", "Tool", "metrics", "openai_tools", "proposals", "reads", "run",
           "step_schema"]
