"""The fun's domain errors (loyalty.errors.DomainError: each caller turns them into its answer)."""

from loyalty.errors import DomainError


class TooManyIdeas(DomainError):
    code = "too_many_ideas"
