"""infra/: the Bicep templates AZURE_DEPLOYMENT.md deploys, checked without Azure.

pycep-parser (PyPI) parses each file with the Bicep grammar into JSON, so a syntax error fails here. On that
JSON the suite checks what a compiler would (every module exists, gets the parameters it declares and needs,
and is read only for outputs it has; no parameter is left unused) and what the guide promises (the resources,
the three apps from one image, probes on /healthz, the scaling rules, one beat, the migration job, and only
settings the app knows). What pycep cannot see (Azure's property names per API version) is for
`az deployment group what-if`, the guide's first step before each deploy.
"""

import json
import os
import re
import secrets
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from pycep import BicepParser

from leadops.tests.test_settings import POSTGRES, _manage

ROOT = Path(__file__).resolve().parent.parent
INFRA = ROOT / "infra"
BICEP_FILES = sorted(INFRA.rglob("*.bicep"))


@cache
def _parsed(path: Path) -> dict[str, Any]:
    return BicepParser().parse(file_path=path)


def _resources(path: Path) -> dict[str, dict[str, Any]]:
    return _parsed(path).get("resources", {})


def _unconditional(declaration: dict[str, Any]) -> dict[str, Any]:
    config = declaration["config"]
    return config["config"] if "condition" in config else config  # `= if (condition) {...}`


def _walk(value: Any) -> Any:
    yield value
    if isinstance(value, dict):
        for item in value.values():
            yield from _walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)


def _environment_names(path: Path) -> set[str]:
    """Names of the environment variables a template sets on a container ({name, value|secretRef} pairs)."""
    return {
        item["name"] for item in _walk(_parsed(path)) if isinstance(item, dict) and isinstance(item.get("name"), str)
        and ("value" in item or "secretRef" in item) and re.fullmatch(r"[A-Z][A-Z0-9_]+", item["name"])
    } | set(re.findall(r"\b([A-Z][A-Z0-9_]+): '[a-z-]+'", path.read_text()))  # secretSettings: NAME: 'secret'


def _env_example_names() -> set[str]:
    text = (ROOT / ".env.example").read_text().split("# --- docker compose only", 1)[0]
    return set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", text, re.MULTILINE))


@pytest.mark.parametrize("path", BICEP_FILES, ids=lambda path: str(path.relative_to(INFRA)))
def test_every_bicep_file_parses(path):
    assert _parsed(path)


def test_a_bicep_syntax_error_is_caught(tmp_path):
    broken = tmp_path / "broken.bicep"
    broken.write_text((INFRA / "modules" / "identity.bicep").read_text().replace("location: location\n}", "location"))
    with pytest.raises(Exception, match="Unexpected"):
        BicepParser().parse(file_path=broken)


@pytest.mark.parametrize("path", BICEP_FILES, ids=lambda path: str(path.relative_to(INFRA)))
def test_every_parameter_is_used(path):
    text = re.sub(r"(?<!:)//.*", "", path.read_text())  # comments, not the // of a URL
    unused = [name for name in _parsed(path).get("parameters", {}) if len(re.findall(rf"\b{name}\b", text)) < 2]
    assert unused == []


def _modules() -> list[tuple[Path, str, dict[str, Any]]]:
    return [(path, name, module) for path in BICEP_FILES for name, module in _parsed(path).get("modules", {}).items()]


@pytest.mark.parametrize("path, name, module", _modules(), ids=lambda value: value if isinstance(value, str) else "")
def test_each_module_gets_the_parameters_it_declares_and_needs(path, name, module):
    target = path.parent / module["detail"]["path"]
    assert target.exists(), f"module {name} points at {target}, which does not exist"
    declared = _parsed(target).get("parameters", {})
    given = set(_unconditional(module).get("params", {}))
    assert given - set(declared) == set(), f"{name} is given parameters {target.name} does not declare"
    required = {parameter for parameter, spec in declared.items() if spec.get("default") is None}
    assert required - given == set(), f"{name} misses required parameters"


def test_main_reads_only_outputs_its_modules_have():
    main = INFRA / "main.bicep"
    modules = _parsed(main)["modules"]
    for module, output in set(re.findall(r"\b(\w+)\.outputs\.(\w+)", main.read_text())):
        target = main.parent / modules[module]["detail"]["path"]
        assert output in _parsed(target).get("outputs", {}), f"{module}.outputs.{output} is not an output of {target}"


def test_the_parameters_file_sets_only_parameters_main_declares():
    given = json.loads((INFRA / "main.parameters.json").read_text())["parameters"]
    assert set(given) <= set(_parsed(INFRA / "main.bicep")["parameters"])


def test_the_templates_create_everything_the_guide_deploys():
    types = [resource["type"] for path in BICEP_FILES if path.name != "appservice.bicep"
             for resource in _resources(path).values() if not resource["existing"]]
    for expected in ("Microsoft.ContainerRegistry/registries", "Microsoft.DBforPostgreSQL/flexibleServers",
                     "Microsoft.Cache/redis", "Microsoft.KeyVault/vaults", "Microsoft.KeyVault/vaults/secrets",
                     "Microsoft.ManagedIdentity/userAssignedIdentities", "Microsoft.Authorization/roleAssignments",
                     "Microsoft.OperationalInsights/workspaces", "Microsoft.App/managedEnvironments",
                     "Microsoft.App/jobs", "Microsoft.Storage/storageAccounts"):
        assert expected in types
    assert types.count("Microsoft.App/containerApps") >= 3  # web, worker, beat (and the optional sender)


def _apps() -> dict[str, dict[str, Any]]:
    return {name: _unconditional(resource) for name, resource in _resources(INFRA / "modules" / "apps.bicep").items()
            if resource["type"] in ("Microsoft.App/containerApps", "Microsoft.App/jobs")}


def test_all_apps_and_the_job_run_the_one_image_with_the_same_identity_and_secrets():
    for name, app in _apps().items():
        container = app["properties"]["template"]["containers"][0]
        assert container["image"] == "image", name
        assert app["properties"]["configuration"]["secrets"] == "secrets", name
        assert "identityId" in json.dumps(app["identity"]), name


def test_the_web_app_has_https_ingress_and_health_probes_on_healthz_and_scales_on_http_load():
    web = _apps()["webApp"]["properties"]
    ingress = web["configuration"]["ingress"]
    assert ingress["external"] is True and ingress["targetPort"] == 8000 and ingress["allowInsecure"] is False
    probes = {probe["type"]: probe for probe in web["template"]["containers"][0]["probes"]}
    assert set(probes) == {"Startup", "Readiness", "Liveness"}
    healthz = _parsed(INFRA / "modules" / "apps.bicep")["variables"]["healthz"]["value"]
    assert probes["Readiness"]["httpGet"] == "healthz" and healthz["path"] == "/healthz" and healthz["port"] == 8000
    assert {"name": "Host", "value": "127.0.0.1"} in healthz["httpHeaders"]  # a host ALLOWED_HOSTS holds
    assert "http" in web["template"]["scale"]["rules"][0]


def test_workers_scale_on_the_redis_queue_length_and_beat_runs_exactly_once():
    text = (INFRA / "modules" / "apps.bicep").read_text()
    rule = _parsed(INFRA / "modules" / "apps.bicep")["functions"]
    assert "queueRule" in json.dumps(rule) and "type: 'redis'" in text and "listName: queue" in text
    assert "queueRule" in json.dumps(_apps()["workerApp"]["properties"]["template"]["scale"]["rules"])
    beat = _apps()["beatApp"]["properties"]
    assert beat["template"]["scale"] == {"minReplicas": 1, "maxReplicas": 1}
    assert beat["template"]["containers"][0]["command"][:4] == ["celery", "-A", "leadops", "beat"]


def test_the_migration_job_runs_migrate_on_demand():
    job = _apps()["migrateJob"]["properties"]
    assert job["configuration"]["triggerType"] == "Manual"
    assert job["template"]["containers"][0]["command"] == ["python", "manage.py", "migrate", "--noinput"]


@pytest.mark.parametrize("path", [INFRA / "modules" / "apps.bicep", INFRA / "appservice.bicep"],
                         ids=["container apps", "app service"])
def test_the_templates_set_only_settings_the_app_reads(path):
    names = _environment_names(path) - {"WEBSITES_PORT", "WEB_CONCURRENCY"}  # read by App Service / the image
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS", "SECURE_SSL_REDIRECT"} <= names
    assert names - _env_example_names() == set()


def test_the_example_parameters_set_only_settings_the_app_reads():
    given = json.loads((INFRA / "main.parameters.json").read_text())["parameters"]["settings"]["value"]
    assert {setting["name"] for setting in given} - _env_example_names() == set()


def test_the_azure_guide_says_where_every_setting_comes_from():
    guide = (ROOT / "AZURE_DEPLOYMENT.md").read_text(encoding="utf-8")
    table = guide.split("## Every setting", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)`", table, re.MULTILINE))
    assert _env_example_names() - listed == set()


def _deployed_settings(host: str) -> dict[str, str]:
    """The plain settings apps.bicep gives every container, with its parameters' defaults; `host` for the app's."""
    apps = _parsed(INFRA / "modules" / "apps.bicep")
    names = set(apps["variables"]) | set(apps["parameters"])
    defaults = {name: spec["default"] for name, spec in apps["parameters"].items()}
    given = {}
    for item in apps["variables"]["environmentVariables"]["value"]["function"]["parameters"]["arg_2"]:
        value = item["value"]
        if isinstance(value, dict) and value.get("function", {}).get("type") == "string":  # string(parameter)
            value = str(defaults[value["function"]["parameters"]["value_to_convert"]])
        elif value in names or "${" in value:  # built from the environment's host name at deploy time
            value = {"ALLOWED_HOSTS": f"{host},127.0.0.1"}.get(item["name"], f"https://{host}")
        given[item["name"]] = value
    return given


def test_check_deploy_is_clean_with_the_settings_the_container_apps_get(tmp_path):
    deployed = _deployed_settings("leadops-web.example.westeurope.azurecontainerapps.io")
    assert deployed["SECURE_SSL_REDIRECT"] == "true"
    assert deployed["SECURE_PROXY_SSL_HEADER"] == "X-Forwarded-Proto=https"
    deployed.pop("CELERY_TASK_ROUTES")
    deployed["DATA_DIR"] = str(tmp_path)  # the file share's mount point, /data, exists in the container only
    secret = {  # from Key Vault, on Azure
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": os.environ.get("DATABASE_URL", POSTGRES["DATABASE_URL"]),
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
    }

    result = _manage("check", "--deploy", "--fail-level", "WARNING", **deployed, **secret)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
