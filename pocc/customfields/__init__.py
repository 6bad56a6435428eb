"""Custom fields: D365 columns carried to Constant Contact contact custom fields.

An administrator maps a column with a `pocc_customfield` row (table, column logical
name, Constant Contact field name). Before a Send or a list sync imports anything,
the job checks every active mapping and, with Constant Contact at hand, makes sure
each field exists there:

- `mappings`: the rows as stored, oldest first (the first 24 of a table count);
- `columns`: which Dataverse column types pocc carries, and as which field types;
- `validation`: refuses a 25th mapping for a table, a column the table does not have
  and a type that cannot be carried, each with a message that names the mapping;
- `provisioning`: finds or creates the Constant Contact field with a fitting type and
  stores its id and system name on the mapping;
- `values`: a record's value as Constant Contact takes it (dates, labels, names);
- `loading`: the steps above in order, as Send and list sync call them;
- `command`: `python -m pocc customfields check --org ORG`, the same checks on demand.
"""

from pocc.customfields.columns import CustomField
from pocc.customfields.loading import load_custom_fields
from pocc.customfields.validation import CustomFieldError

__all__ = ["CustomField", "CustomFieldError", "load_custom_fields"]
