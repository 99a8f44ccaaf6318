"""Versioned prompt files: `<name>.v<N>.txt`. The newest version of a name is used, and every
stored LLM result names the version it came from, so changing a prompt means adding a file."""

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
    return Prompt(name=name, version=f"v{version}", system=path.read_text(encoding="utf-8").strip())
