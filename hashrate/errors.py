from hashrate.sources.base import PayloadRefused

__all__ = ["PayloadRefused", "UpstreamError", "UpstreamUnavailable"]


class UpstreamError(Exception):
    """The upstream answered with something other than data (a 4xx): retrying will not help."""


class UpstreamUnavailable(UpstreamError):
    """The upstream could not be reached, timed out, cut the body short or answered 5xx/429: worth a retry."""
