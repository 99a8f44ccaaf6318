"""The API's instance, its token authentication and its errors.

A token acts as its owner (`ApiToken.owner`): the owner's role is what the approval gate checks, and the
token's scopes narrow it (`needs`). Every error is JSON in one shape, `{"code": ..., "errors": {field:
[messages]}}`, with the status its standard gives: 401 no or a bad token, 403 not allowed, 404 unknown, 409 a
state that forbids the action (approving a sent draft), 413 too large, 422 invalid input, 429 too many requests.
"""

import types
from functools import cache
from typing import Any, Union, get_args, get_origin

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django_ratelimit.core import is_ratelimited
from ninja import NinjaAPI, Schema, Status
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer
from pydantic import ModelWrapValidatorHandler, model_validator

from leads.models import ApiToken


class ErrorOut(Schema):
    code: str
    errors: dict[str, list[str]]


# Every operation may answer these; listing them keeps the schema true to what the views send.
ERRORS: dict[int, type[Schema]] = {status: ErrorOut for status in (401, 403, 404, 409, 413, 422, 429)}


class Conflict(Exception):
    """The object's state forbids the action (409): e.g. approving a draft that was sent."""


class TooManyRequests(Exception):
    pass


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        row = ApiToken.authenticate(token.strip())
        if row is None or row.owner is None:
            # Counted per client address, so tokens cannot be guessed at speed.
            if is_ratelimited(request, group="api:v1:unauthenticated", key="ip", rate=settings.API_RATE_LIMIT,
                              increment=True):
                raise TooManyRequests()
            return None
        # Per token, so one busy integration cannot starve the others.
        if is_ratelimited(request, group="api:v1", key=lambda group, request: str(row.pk),
                          rate=settings.API_RATE_LIMIT, increment=True):
            raise TooManyRequests()
        request.user = row.owner
        return row


api = NinjaAPI(
    title="LeadOps API", version="1", urls_namespace="api-v1", auth=TokenAuth(),
    description="Leads, drafts, outcomes, suppression and quotas for programs with a token. A token acts as its "
                "owner: a rep's token cannot approve what only a manager may.",
)


def needs(request: HttpRequest, scope: str) -> Any:
    """The token's owner, if the token has `scope`; otherwise 403 naming the scope."""
    token: ApiToken = request.auth  # type: ignore[attr-defined]
    if not token.allows(scope):
        raise HttpError(403, f"This token lacks the '{scope}' scope.")
    return token.owner


def _direct(cls: type, values: Any, handler: ModelWrapValidatorHandler[Any]) -> Any:
    return handler(values)


def _plain_annotation(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, Schema):
        return plain(annotation)
    args = get_args(annotation)
    if get_origin(annotation) is list:
        return list[_plain_annotation(args[0])]  # type: ignore[misc]
    if get_origin(annotation) in (Union, types.UnionType):
        return Union[tuple(_plain_annotation(arg) for arg in args)]  # noqa: UP007 (a tuple of types)
    return annotation


@cache
def plain(schema: type[Schema]) -> type[Schema]:
    """`schema` (and the schemas inside it) validating an answer built of dicts and lists as it is.

    ninja's Schema reads every field of its input through a wrapper made for ORM objects (DjangoGetter), which
    for a page of 50 items costs more than its query. A view returns `plain(Out).model_validate(answer)`: an
    instance of its response schema, which ninja sends without validating it again; the OpenAPI schema is the
    declared one.
    """
    namespace: dict[str, Any] = {"__module__": schema.__module__, "__annotations__": {},
                                 "_run_root_validator": model_validator(mode="wrap")(classmethod(_direct))}
    for name, field in schema.model_fields.items():
        annotation = _plain_annotation(field.annotation)
        if annotation != field.annotation:
            namespace["__annotations__"][name] = annotation
            namespace[name] = field
    return type(schema.__name__, (schema,), namespace)


def invalid(errors: dict[str, list[str]]) -> Status:
    """A 422 answer naming each field and what is wrong with it."""
    return Status(422, {"code": "invalid", "errors": errors})


def _answer(request: HttpRequest, status: int, code: str, errors: dict[str, list[str]]) -> HttpResponse:
    return api.create_response(request, {"code": code, "errors": errors}, status=status)


def _messages(error: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {field or "body": [str(message) for message in messages]
                for field, messages in error.message_dict.items()}
    return {"body": [str(message) for message in error.messages]}


@api.exception_handler(NinjaValidationError)
def _invalid(request: HttpRequest, error: NinjaValidationError) -> HttpResponse:
    found: dict[str, list[str]] = {}
    for item in error.errors:
        location = [str(part) for part in item.get("loc", ()) if part not in ("body", "query", "path", "payload")]
        found.setdefault(".".join(location) or "body", []).append(str(item.get("msg", "is not valid")))
    return _answer(request, 422, "invalid", found)


@api.exception_handler(DjangoValidationError)
def _refused(request: HttpRequest, error: DjangoValidationError) -> HttpResponse:
    return _answer(request, 422, "invalid", _messages(error))


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
    response = _answer(request, 401, "unauthenticated",
                       {"token": ["Send a valid API token as 'Authorization: Bearer <token>'."]})
    response["WWW-Authenticate"] = 'Bearer realm="leadops"'
    return response


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, error: PermissionDenied) -> HttpResponse:
    return _answer(request, 403, "forbidden", {"token": [str(error) or "The token's owner may not do this."]})


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, error: Exception) -> HttpResponse:
    return _answer(request, 404, "not_found", {"path": ["Nothing is at this address."]})


@api.exception_handler(ObjectDoesNotExist)
def _missing(request: HttpRequest, error: Exception) -> HttpResponse:
    return _not_found(request, error)


@api.exception_handler(Conflict)
def _conflict(request: HttpRequest, error: Conflict) -> HttpResponse:
    return _answer(request, 409, "conflict", {"state": [str(error)]})


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, error: RequestDataTooBig) -> HttpResponse:
    return _answer(request, 413, "too_large", {"body": ["The body is larger than the server accepts."]})


@api.exception_handler(TooManyRequests)
def _too_many(request: HttpRequest, error: TooManyRequests) -> HttpResponse:
    return _answer(request, 429, "rate_limited", {"token": [f"More than {settings.API_RATE_LIMIT} requests."]})


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    codes = {401: "unauthenticated", 403: "forbidden", 404: "not_found", 409: "conflict", 413: "too_large"}
    field = "token" if error.status_code in (401, 403) else "body"
    return _answer(request, error.status_code, codes.get(error.status_code, "invalid"), {field: [str(error)]})
