"""pocc: Dynamics 365 (Dataverse) and Constant Contact email marketing, connected."""

__version__ = "0.1.0"
