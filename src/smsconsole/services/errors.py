"""Typed refusals. A service raises one of these and changes nothing.

Each carries a message key (see ``smsconsole.i18n``) and parameters, so the UI and CLI
can show it in Chinese or English, and optionally the field it is about, so a form can
show it next to that field.
"""

from __future__ import annotations

from enum import Enum

from smsconsole.i18n import enum_label, t


class ServiceError(Exception):
    """A refusal with a message key, parameters and (optionally) the field at fault."""

    def __init__(self, key: str, field: str | None = None, **params: object) -> None:
        self.key = key
        self.field = field
        self.params = params
        super().__init__(key)

    def message(self, lang: str | None = None) -> str:
        """The refusal in ``lang``; enum parameters (a status, a type) are translated too."""
        params = {k: enum_label(v, lang) if isinstance(v, Enum) else v
                  for k, v in self.params.items()}
        return t(self.key, lang, **params)

    def __str__(self) -> str:
        return self.message("en")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.key!r}, field={self.field!r})"


class Invalid(ServiceError):
    """Bad input: a value that fails validation."""


class InvalidFields(Invalid):
    """Several fields failed at once (``errors``, in form order): a form shows each under
    its field; anything else shows the first."""

    def __init__(self, errors: list[ServiceError]) -> None:
        first = errors[0]
        super().__init__(first.key, first.field, **first.params)
        self.errors = list(errors)


class NotFound(ServiceError):
    """An id or name that does not exist."""


class Conflict(ServiceError):
    """The operation does not fit the current state (already set up, order already paid...)."""


class Refused(ServiceError):
    """A business rule says no (frozen user, too little quota, limit reached...)."""


class AuthError(ServiceError):
    """Login failed or the account is locked."""


class CloudFailure(ServiceError):
    """The cloud said no or could not be reached; ``cloud_error`` keeps the details."""

    def __init__(self, key: str, cloud_error: Exception | None = None, field: str | None = None,
                 **params: object) -> None:
        super().__init__(key, field, **params)
        self.cloud_error = cloud_error
