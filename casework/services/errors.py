"""Exceptions that services raise; the views turn them into form messages or JSON errors."""


class ServiceError(Exception):
    status = 422

    def __init__(self, message, fields=None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class ValidationFailed(ServiceError):
    """Input breaks a rule of the practice (422), e.g. a phase move that is not allowed."""


class StaleVersion(ServiceError):
    """Someone else changed the record since the caller read it (409)."""

    status = 409

    def __init__(self, message="This record was changed by someone else since you opened it."):
        super().__init__(message, {"version": [message]})


class Conflict(ServiceError):
    """The record is not in a state that allows this (409), e.g. no closure is pending."""

    status = 409


class NotFound(ServiceError):
    """Unknown, or outside the caller's scope: the two are deliberately indistinguishable."""

    status = 404

    def __init__(self, message="Not found."):
        super().__init__(message)


class Forbidden(ServiceError):
    """The caller's role may not use this at all (403)."""

    status = 403

    def __init__(self, message="Your role does not allow this."):
        super().__init__(message)
