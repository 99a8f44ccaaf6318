"""Versioned prompt files: `<name>.v<N>.txt`. The newest version of a name is used, and every
stored LLM result names the version it came from, so changing a prompt means adding a file.

A file whose first line is `system: <file>` (e.g. `system: lead_system.v2.txt`) takes its system message
from that file, shared with the other prompts about a lead, and the rest is the task that follows the
lead's data in the user message (see leadops.llm.Prompt).
"""

import functools
import re
from pathlib import Path

from leadops.llm import Prompt

PROMPTS_DIR = Path(__file__).resolve().parent
_FILE = re.compile(r"^(?P<name>[a-z_]+)\.v(?P<version>\d+)\.txt$")


@functools.cache
def latest(name: str) -> Prompt:
    versions = [
        (int(match["version"]), path)
        for path in PROMPTS_DIR.iterdir()
        if (match := _FILE.match(path.name)) and match["name"] == name
    ]
    if not versions:
        raise LookupError(f"No prompt file named {name}.v<N>.txt in {PROMPTS_DIR}")
    version, path = max(versions)
    text = path.read_text(encoding="utf-8").strip()
    first, _, rest = text.partition("\n")
    if first.startswith("system: "):
        system = (PROMPTS_DIR / first.removeprefix("system: ").strip()).read_text(encoding="utf-8").strip()
        return Prompt(name=name, version=f"v{version}", system=system, task=rest.strip())
    return Prompt(name=name, version=f"v{version}", system=text)
