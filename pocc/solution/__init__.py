"""The packaged Dynamics 365 solution: `solution/` assembled for import."""
