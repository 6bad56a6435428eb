"""D365 data for the list sync, custom field and duplicate tests, made as an admin.

Every name carries a random tag, so tests that share an organisation never see each
other's lists, addresses or Constant Contact fields.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from pocc.customfields.mappings import CUSTOM_FIELDS, TABLE_CHOICES
from pocc.dataverse import DataverseClient, Query, column

TABLE_SETS = {"contact": "contacts", "lead": "leads", "account": "accounts"}
MEMBER_CODES = {"account": 1, "contact": 2, "lead": 4}


def tag() -> str:
    return uuid.uuid4().hex[:8]


@dataclass
class Crm:
    admin: DataverseClient
    mapping_ids: list[str] = field(default_factory=list)

    def record(self, table: str, **columns: Any) -> str:
        return self.admin.create(TABLE_SETS[table], columns)

    def static_list(self, table: str, member_ids: list[str], name: str = "") -> str:
        list_id = self.admin.create(
            "lists",
            {
                "listname": name or f"Roasters {table}s {tag()}",
                "type": False,
                "createdfromcode": MEMBER_CODES[table],
            },
        )

        for member_id in member_ids:
            self.add_member(list_id, member_id)

        return list_id

    def dynamic_list(self, table: str, fetch_xml: str) -> str:
        return self.admin.create(
            "lists",
            {
                "listname": f"Dynamic {table}s {tag()}",
                "type": True,
                "createdfromcode": MEMBER_CODES[table],
                "query": fetch_xml,
            },
        )

    def add_member(self, list_id: str, member_id: str) -> None:
        self.admin.call_action(
            "AddMemberList", {"EntityId": member_id}, bound_to=("lists", list_id)
        )

    def remove_member(self, list_id: str, member_id: str) -> None:
        self.admin.call_action(
            "RemoveMemberList", {"EntityId": member_id}, bound_to=("lists", list_id)
        )

    def mapping(self, table: str, column_name: str, cc_name: str, **extra: Any) -> str:
        mapping_id = self.admin.create(
            CUSTOM_FIELDS,
            {
                "pocc_name": extra.pop("name", cc_name),
                "pocc_table": TABLE_CHOICES[table],
                "pocc_columnname": column_name,
                "pocc_ccname": cc_name,
                **extra,
            },
        )
        self.mapping_ids.append(mapping_id)
        return mapping_id

    def mapping_row(self, mapping_id: str) -> dict[str, Any]:
        return self.admin.retrieve(CUSTOM_FIELDS, mapping_id)

    def remove_mappings(self) -> None:
        """Deletes this test's mappings and any an earlier test left behind."""
        rows = self.admin.query(CUSTOM_FIELDS, Query(select=["pocc_customfieldid"]))

        for row in list(rows):
            self.admin.delete(CUSTOM_FIELDS, row["pocc_customfieldid"])

        self.mapping_ids.clear()

    def cc_list_id(self, list_id: str) -> str:
        row = self.admin.retrieve("lists", list_id, select=["pocc_cclistid"])
        return str(row.get("pocc_cclistid") or "")

    def active_mappings(self) -> int:
        query = Query(select=["pocc_customfieldid"], filter=column("statecode").eq(0))
        return len(list(self.admin.query(CUSTOM_FIELDS, query)))
