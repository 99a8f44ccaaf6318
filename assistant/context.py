"""Who asks and what they asked: what every tool and proposed action runs with."""

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser


@dataclass
class Context:
    """Who asks, what they asked, and what "those leads" meant in the previous answer."""

    user: AbstractBaseUser
    question: str = ""
    previous_lead_ids: list[str] = field(default_factory=list)
    # The assistant message the answer becomes (proposals hang off it); None outside a conversation (MCP).
    message: Any = None
    # The question asks for contact details: lead rows may carry the address and phone number.
    reveal_contacts: bool = False


class ToolProblem(Exception):
    """The tool cannot answer as asked; the message says why in words the model can pass on."""
