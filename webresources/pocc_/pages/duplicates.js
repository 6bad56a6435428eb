/*
 * The Duplicates page: each email address shared by several records, the records
 * (each opens its form) and which one a Send uses, plus a button that scans again.
 *
 * pocc_records holds JSON written by the Find duplicates job (pocc/duplicates/results.py),
 * the record Send uses first: [{"table": "contact", "id": "<guid>", "name": "Ana Silva",
 * "used_by_send": true}, ..., {"more": 12}], the last entry only when the list was cut.
 */
(function (root) {
  "use strict";

  const Pocc = root.Pocc;
  const Common = Pocc.Common;
  const { Level } = Common;

  const PAGE_SIZE = 500;
  const MOST_ROWS = 5000;
  const TABLE_LABELS = { contact: "Contact", lead: "Lead", account: "Account" };
  const QUERY =
    "?$select=pocc_normalizedemail,pocc_count,pocc_records,pocc_foundon" +
    "&$filter=statecode eq 0&$orderby=pocc_count desc,pocc_normalizedemail asc";

  const page = {};

  function find(document) {
    Object.assign(page, {
      document,
      button: document.getElementById("pocc-find-duplicates"),
      status: document.getElementById("pocc-status"),
      summary: document.getElementById("pocc-summary"),
      body: document.querySelector("#pocc-duplicates tbody"),
    });
  }

  function showStatus(level, message, jobId) {
    const levels = {
      [Level.success]: "success",
      [Level.error]: "error",
      [Level.warning]: "warning",
    };
    page.status.hidden = false;
    page.status.className = `pocc-status pocc-${levels[level] || "info"}`;
    page.status.textContent = message;

    if (jobId) {
      page.status.append(
        " ",
        linkButton("Open job", () => Common.openJob(jobId)),
      );
    }
  }

  function linkButton(text, onClick) {
    const button = page.document.createElement("button");
    button.type = "button";
    button.className = "pocc-link";
    button.textContent = text;
    button.addEventListener("click", onClick);
    return button;
  }

  /** Every active duplicate row, following nextLink up to MOST_ROWS. */
  async function readDuplicates() {
    const webApi = Common.xrm().WebApi;
    const rows = [];
    let options = QUERY;

    while (options && rows.length < MOST_ROWS) {
      const result = await webApi.retrieveMultipleRecords(
        "pocc_emailduplicate",
        options,
        PAGE_SIZE,
      );
      rows.push(...result.entities);
      options = result.nextLink ? new URL(result.nextLink).search : "";
    }

    return { rows: rows.slice(0, MOST_ROWS), more: Boolean(options) || rows.length > MOST_ROWS };
  }

  /** The records of one duplicate and how many were left out, or null if unreadable. */
  function parseRecords(text) {
    try {
      const parsed = JSON.parse(text || "[]");

      if (!Array.isArray(parsed)) {
        return null;
      }

      const records = parsed
        .filter((item) => item && item.id && item.table)
        .map((item) => ({
          table: String(item.table).toLowerCase(),
          id: Common.cleanId(item.id),
          name: item.name ? String(item.name) : "(no name)",
          used: Boolean(item.used_by_send),
        }));
      const more = parsed.reduce(
        (sum, item) => sum + (item && Number(item.more) > 0 ? Number(item.more) : 0),
        0,
      );
      return { records, more };
    } catch (notJson) {
      return null;
    }
  }

  function recordItem(record) {
    const item = page.document.createElement("li");
    const label = `${TABLE_LABELS[record.table] || record.table}: ${record.name}`;
    item.append(
      linkButton(label, () =>
        Common.xrm().Navigation.openForm({ entityName: record.table, entityId: record.id }),
      ),
    );

    if (record.used) {
      const badge = page.document.createElement("span");
      badge.className = "pocc-badge";
      badge.textContent = "Used by Send";
      item.append(" ", badge);
    }

    return item;
  }

  function cell(content) {
    const element = page.document.createElement("td");
    element.append(content);
    return element;
  }

  function formatCount(count) {
    return count == null ? "" : Number(count).toLocaleString("en-US");
  }

  function duplicateRow(row) {
    const parsed = parseRecords(row.pocc_records);
    const list = page.document.createElement("ul");
    list.className = "pocc-records";

    if (parsed) {
      list.append(...parsed.records.map(recordItem));
    } else {
      list.append("The list of records could not be read; run Find duplicates again.");
    }

    if (parsed && parsed.more) {
      const rest = page.document.createElement("li");
      rest.textContent = `and ${parsed.more.toLocaleString("en-US")} more`;
      list.append(rest);
    }

    const tr = page.document.createElement("tr");
    const found = row.pocc_foundon ? new Date(row.pocc_foundon).toISOString().slice(0, 10) : "";
    tr.append(
      cell(row.pocc_normalizedemail || ""),
      cell(list),
      cell(formatCount(row.pocc_count ?? (parsed ? parsed.records.length + parsed.more : null))),
      Object.assign(cell(found), { className: "pocc-nowrap" }),
    );
    return tr;
  }

  function render({ rows, more }) {
    page.body.replaceChildren(...rows.map(duplicateRow));

    if (!rows.length) {
      page.summary.textContent = "No shared addresses. Click Find duplicates to scan again.";
      return;
    }

    const shown =
      rows.length === 1
        ? "1 shared address"
        : `${rows.length.toLocaleString("en-US")} shared addresses`;
    page.summary.textContent = more
      ? `${shown} shown (the first ${MOST_ROWS.toLocaleString("en-US")}).`
      : `${shown}.`;
  }

  async function load() {
    try {
      render(await readDuplicates());
      return true;
    } catch (error) {
      showStatus(Level.error, Common.describeDataverseError(error, "read the email duplicates"));
      return false;
    }
  }

  /** Starts a Find duplicates job, follows it here, and lists the new result. */
  async function findDuplicates() {
    page.button.disabled = true;

    try {
      const outcome = await Common.startJob({
        kind: Common.JobKind.findDuplicates,
        name: "Find duplicates",
        title: "Find duplicates",
        show: Common.notifier(showStatus),
      });

      if (outcome.job) {
        await load();
      }

      return outcome;
    } finally {
      page.button.disabled = false;
    }
  }

  function start(document) {
    find(document);
    page.button.addEventListener("click", () => findDuplicates());
    return load();
  }

  Pocc.DuplicatesPage = { start, load, findDuplicates, parseRecords };
  Pocc.DuplicatesPage.ready = start(root.document);
})(globalThis);
