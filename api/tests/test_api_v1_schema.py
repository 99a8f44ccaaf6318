"""The API v1 schema: it validates, and the live app answers every endpoint the way it says.

schemathesis generates requests from the schema (valid ones and broken ones) and sends them to the app
over HTTP; every answer must be no server error and match the schema's status codes, content types and
response bodies. A view that answers something its schema does not declare fails here.
"""

import hypothesis
import pytest
import requests
import schemathesis
from django.test import Client
from hypothesis import HealthCheck, Phase
from openapi_spec_validator import validate
from schemathesis import checks as builtin

from leads.models import ApiToken

# Hypothesis examples per operation: with the endpoints there are, a few hundred requests in all.
EXAMPLES_PER_OPERATION = 14
MINIMUM_CASES = 300


def _schema() -> dict:
    return Client().get("/api/v1/openapi.json").json()


@pytest.mark.django_db
def test_the_schema_is_valid_openapi_3_1():
    schema = _schema()
    assert schema["openapi"].startswith("3.1")
    validate(schema)


@pytest.mark.django_db
def test_the_docs_page_loads_its_assets_from_this_server():
    page = Client().get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page
    assert "//cdn" not in page and "unpkg" not in page
    assert Client().get("/static/ninja/swagger-ui-bundle.js").status_code == 200


def test_every_endpoint_answers_as_its_schema_says_for_generated_requests(live_server, settings, import_media,
                                                                          manager, lead_factory, draft_factory):
    # The limits would answer most generated requests with 429 before they reach the views under test.
    settings.API_RATE_LIMIT = settings.UPLOAD_RATE_LIMIT = "100000/m"
    draft = draft_factory(lead=lead_factory(email="ada@acme-industries.com"))
    _, token = ApiToken.issue("schemathesis", owner=manager, scopes=["read", "write", "send", "manage"])
    headers = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.openapi.from_dict(_schema())
    schema.config.base_url = live_server.url
    session = requests.Session()
    cases: list[str] = []
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]

    for operation in operations:
        @hypothesis.settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
                             phases=[Phase.explicit, Phase.generate],
                             suppress_health_check=list(HealthCheck))
        @hypothesis.given(case=operation.as_strategy())
        def run(case) -> None:  # type: ignore[no-untyped-def]
            # Known ids half of the time, so the endpoints get past their 404s too.
            if case.path_parameters and len(cases) % 2:
                for name in case.path_parameters:
                    if name == "lead_id":
                        case.path_parameters[name] = str(draft.lead_id)
                    elif name == "draft_id":
                        case.path_parameters[name] = str(draft.pk)
            cases.append(case.operation.label)
            response = case.call(session=session, headers=headers)
            try:
                case.validate_response(response, checks=[
                    builtin.not_a_server_error, builtin.status_code_conformance,
                    builtin.content_type_conformance, builtin.response_schema_conformance,
                ])
            except Exception as error:  # every failure is collected, then reported together
                failures.append(f"{case.operation.label}: {error}")

        run()
    session.close()

    print(f"schemathesis: {len(cases)} cases over {len(operations)} operations, {len(failures)} failures")
    assert not failures, "\n\n".join(failures[:5])
    assert len(cases) >= MINIMUM_CASES
    assert {operation.label for operation in operations} == set(cases)
