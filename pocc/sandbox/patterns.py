"""Text patterns both simulated services match, written once."""

# A GUID as both services print one: 8-4-4-4-12 hex digits, any case, no braces.
GUID = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
