"""Safe fetching moved to ckanext.procurement.fetch (a service shared by the
harvesters and the ocds_lifecycle view); these names stay importable from here."""
from ckanext.procurement.fetch import (  # noqa: F401
    MAX_REDIRECTS, RETRY_STATUSES, USER_AGENT, DeadlineError, Fetcher, FetchError, HTTPStatusError, TooLargeError,
    UnsafeURLError, check_url,
)
