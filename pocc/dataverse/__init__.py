"""pocc's client for the Dataverse Web API (Dynamics 365), real or sandboxed.

Start with `DataverseClient.from_settings(settings, "contoso")`.
"""

from pocc.dataverse.batch import ChangeSet, Operation, Outcome, in_change_sets
from pocc.dataverse.client import DataverseClient, WhoAmI
from pocc.dataverse.query import Query, all_of, any_of, column, literal

__all__ = [
    "ChangeSet",
    "DataverseClient",
    "Operation",
    "Outcome",
    "Query",
    "WhoAmI",
    "all_of",
    "any_of",
    "column",
    "in_change_sets",
    "literal",
]
