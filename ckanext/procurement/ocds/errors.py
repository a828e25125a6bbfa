"""Exceptions raised by the OCDS package.

Every error derives from :class:`OcdsError`, so the CKAN glue can catch one class
and show the message (which always names what failed and where) to the user.
"""

from __future__ import annotations


class OcdsError(Exception):
    """Base class of every error raised by ``ckanext.procurement.ocds``."""


class SchemaError(OcdsError):
    """The OCDS release schema could not be loaded (the message names its location)."""


class FeedError(OcdsError):
    """A feed is not valid JSON or not in any OCDS shape we can read."""


class IntegerTooLong(FeedError):
    """The feed holds an integer beyond 64 bits, valid JSON that the fast parser (yajl) can't read.

    The reader that raised it read nothing wrong: the same feed read with ``exact_integers=True``
    (ijson's own parser, slower) gives every value."""
