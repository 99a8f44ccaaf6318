"""What ships beside the code: the CI workflow (actionlint) and docker-compose.yml (the compose specification).

Both are checked here so a broken workflow or compose file fails `make test`, not the first push or deploy.
The compose schema is vendored (tests/schemas/compose-spec.json, Apache-2.0, from the compose-spec project as
check-jsonschema ships it): the suite needs no network.
"""

import copy
import json
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"
COMPOSE = ROOT / "docker-compose.yml"
ACTIONLINT = Path(sys.executable).parent / "actionlint"


def _actionlint(*paths: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(ACTIONLINT), "-color=false", *map(str, paths)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


def test_the_ci_workflow_passes_actionlint():
    result = _actionlint(WORKFLOW)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_catches_a_broken_workflow(tmp_path):
    broken = tmp_path / "ci.yml"
    broken.write_text(WORKFLOW.read_text().replace("runs-on: ubuntu-24.04", "runs_on: ubuntu-24.04", 1))
    result = _actionlint(broken)
    assert result.returncode == 1
    assert "runs-on" in result.stdout


def _steps(workflow: dict, job: str) -> str:
    return "\n".join(str(step.get("run", "")) + str(step.get("uses", "")) for step in workflow["jobs"][job]["steps"])


def test_the_ci_workflow_lints_runs_the_suite_on_postgresql_and_redis_builds_the_image_and_checks_compose():
    workflow = yaml.safe_load(WORKFLOW.read_text())

    assert "ruff check" in _steps(workflow, "lint") and "lint-imports" in _steps(workflow, "lint")
    assert "make test" in _steps(workflow, "test")  # the README's command, as .ci/run runs it
    services = workflow["jobs"]["test"]["services"]
    assert services["postgres"]["image"].startswith("postgres:") and services["redis"]["image"].startswith("redis:")
    assert "5432:5432" in services["postgres"]["ports"] and "6379:6379" in services["redis"]["ports"]
    assert "docker build" in _steps(workflow, "image")
    assert "docker compose config" in _steps(workflow, "image")


def _compose_errors(document: dict) -> list[str]:
    schema = json.loads((ROOT / "tests" / "schemas" / "compose-spec.json").read_text())
    validator = jsonschema.validators.validator_for(schema)
    checker = validator(schema, format_checker=validator.FORMAT_CHECKER)
    return [f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in checker.iter_errors(document)]


def _compose() -> dict:
    # PyYAML resolves the x-app anchor and its `<<:` merges as compose does.
    return yaml.safe_load(COMPOSE.read_text())


def test_docker_compose_yml_matches_the_compose_specification():
    assert _compose_errors(_compose()) == []


@pytest.mark.parametrize("mistake", ["unknown key", "bad depends_on condition", "misspelt health check key"])
def test_the_compose_schema_refuses_a_compose_file_with_a_mistake(mistake):
    document = copy.deepcopy(_compose())
    web = document["services"]["web"]
    if mistake == "unknown key":
        web["heathcheck"] = {"test": ["CMD", "true"]}
    elif mistake == "bad depends_on condition":
        web["depends_on"]["migrate"]["condition"] = "service_done"
    else:
        web["healthcheck"] = {"test": ["CMD", "true"], "intervall": "5s"}
    assert _compose_errors(document) != []


def test_compose_migrates_first_then_starts_the_app_containers_on_healthy_services():
    services = _compose()["services"]
    assert set(services) == {"migrate", "web", "worker", "beat", "postgres", "redis"}
    assert services["migrate"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
        assert services[name]["depends_on"]["redis"] == {"condition": "service_healthy"}


def test_the_readme_says_what_docker_compose_up_starts_and_in_which_order():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Production with docker compose", 1)[1].split("\n## ", 1)[0]
    order = re.search(r"`docker compose up` starts(.*?)\n\n", section, re.DOTALL)
    assert order, "the README's production section does not say what `docker compose up` starts"
    for service in _compose()["services"]:
        assert f"`{service}`" in order.group(1)
