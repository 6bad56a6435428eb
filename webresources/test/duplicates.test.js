"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const { privilegeError } = require("./support/fake-webapi");
const {
  TARGET,
  fakeFetch,
  makeXrm,
  loadPage,
  seedConfiguration,
  scriptJob,
} = require("./support/harness");

const CONTACT = "11111111-2222-4333-8444-555555555555";
const LEAD = "66666666-7777-4888-9999-aaaaaaaaaaaa";
const ACCOUNT = "bbbbbbbb-cccc-4ddd-8eee-ffffffffffff";

function duplicate(email, records, extra = {}) {
  return {
    pocc_normalizedemail: email,
    pocc_count: records.length,
    pocc_records: JSON.stringify(records),
    pocc_foundon: "2025-03-01T09:30:00Z",
    statecode: 0,
    ...extra,
  };
}

const SHARED = duplicate("ana@example.com", [
  { table: "contact", id: CONTACT, name: "Ana Silva", used_by_send: true },
  { table: "lead", id: LEAD, name: "Ana Silva (lead)" },
  { table: "account", id: `{${ACCOUNT.toUpperCase()}}`, name: "Silva & Filhos" },
]);

async function openDuplicates(rows, { fetchDouble } = {}) {
  const xrm = makeXrm();
  rows.forEach((row) => xrm.webApi.seed("pocc_emailduplicate", row));
  const page = loadPage("duplicates", { Xrm: xrm.Xrm, fetch: fetchDouble && fetchDouble.fetch });
  await page.Pocc.DuplicatesPage.ready;
  const rowsShown = () => [...page.document.querySelectorAll("#pocc-duplicates tbody tr")];
  return { ...xrm, ...page, rowsShown, text: (id) => page.document.getElementById(id).textContent };
}

test("each shared address is listed with its records and the one Send uses", async () => {
  const page = await openDuplicates([
    SHARED,
    duplicate("bo@example.org", [
      { table: "contact", id: CONTACT, name: "Bo" },
      { table: "contact", id: LEAD, name: "Bo again" },
    ]),
  ]);

  const rows = page.rowsShown();
  assert.equal(rows.length, 2);
  const cells = [...rows[0].querySelectorAll("td")].map((cell) => cell.textContent);
  assert.equal(cells[0], "ana@example.com");
  assert.equal(cells[2], "3");
  assert.equal(cells[3], "2025-03-01");
  const records = [...rows[0].querySelectorAll("li")].map((item) => item.textContent);
  assert.deepEqual(records, [
    "Contact: Ana Silva Used by Send",
    "Lead: Ana Silva (lead)",
    "Account: Silva & Filhos",
  ]);
  assert.equal(page.text("pocc-summary"), "2 shared addresses.");
});

test("an address shared by more records than listed says how many more", async () => {
  const page = await openDuplicates([
    duplicate(
      "many@example.com",
      [{ table: "contact", id: CONTACT, name: "First", used_by_send: true }, { more: 2500 }],
      {
        pocc_count: 2501,
      },
    ),
  ]);

  const items = [...page.rowsShown()[0].querySelectorAll("li")].map((item) => item.textContent);
  assert.deepEqual(items, ["Contact: First Used by Send", "and 2,500 more"]);
  assert.equal(page.rowsShown()[0].querySelectorAll("td")[2].textContent, "2,501");
});

test("clicking a record opens its form", async () => {
  const page = await openDuplicates([SHARED]);

  page.rowsShown()[0].querySelectorAll("li button")[2].click();
  await new Promise((resolve) => setTimeout(resolve, 5));

  assert.deepEqual(
    { ...page.Xrm.Navigation.formCalls[0].entityFormOptions },
    { entityName: "account", entityId: ACCOUNT },
  );
});

test("names are shown as text, never as markup", async () => {
  const page = await openDuplicates([
    duplicate("x@example.com", [
      { table: "contact", id: CONTACT, name: '<img src=x onerror="alert(1)">' },
    ]),
  ]);

  assert.equal(page.document.querySelector("#pocc-duplicates img"), null);
  assert.match(page.rowsShown()[0].textContent, /<img src=x/);
});

test("an unreadable record list says so instead of failing the page", async () => {
  const page = await openDuplicates([{ ...SHARED, pocc_records: "{not json" }]);

  assert.match(page.rowsShown()[0].textContent, /could not be read; run Find duplicates again/);
});

test("no duplicates says how to scan again", async () => {
  const page = await openDuplicates([]);

  assert.equal(page.rowsShown().length, 0);
  assert.equal(
    page.text("pocc-summary"),
    "No shared addresses. Click Find duplicates to scan again.",
  );
});

test("later pages are read through nextLink", async () => {
  const xrm = makeXrm();
  const first = duplicate("a@example.com", [{ table: "contact", id: CONTACT, name: "A" }]);
  const second = duplicate("b@example.com", [{ table: "lead", id: LEAD, name: "B" }]);
  xrm.webApi.answerQuery("pocc_emailduplicate", (options) =>
    options.includes("skiptoken")
      ? { entities: [second] }
      : {
          entities: [first],
          nextLink:
            "https://contoso.crm.dynamics.com/api/data/v9.2/pocc_emailduplicates?$skiptoken=2",
        },
  );
  const page = loadPage("duplicates", { Xrm: xrm.Xrm });
  await page.Pocc.DuplicatesPage.ready;

  const emails = [
    ...page.document.querySelectorAll("#pocc-duplicates tbody tr td:first-child"),
  ].map((cell) => cell.textContent);
  assert.deepEqual(emails, ["a@example.com", "b@example.com"]);
  assert.equal(
    xrm.webApi.callsOf("retrieveMultipleRecords", "pocc_emailduplicate")[1].options,
    "?$skiptoken=2",
  );
});

test("a user who may not read duplicates is told why", async () => {
  const xrm = makeXrm();
  xrm.webApi.failNext(
    "retrieveMultipleRecords",
    "pocc_emailduplicate",
    privilegeError("prvReadpocc_emailduplicate", "pocc_emailduplicate"),
  );
  const page = loadPage("duplicates", { Xrm: xrm.Xrm });
  await page.Pocc.DuplicatesPage.ready;

  const status = page.document.getElementById("pocc-status");
  assert.equal(status.hidden, false);
  assert.match(status.textContent, /You are not allowed to read the email duplicates/);
});

test("Find duplicates runs the job, follows it here and lists the new result", async () => {
  const fetchDouble = fakeFetch(() => ({ status: 202, body: { status: "Queued" } }));
  const page = await openDuplicates([], { fetchDouble });
  seedConfiguration(page.webApi);
  scriptJob(page.webApi, [
    { pocc_jobstatus: 101500001, pocc_percent: 30 },
    { pocc_jobstatus: 101500002 },
  ]);
  page.webApi.seed("pocc_emailduplicate", SHARED);

  const outcome = await page.Pocc.DuplicatesPage.findDuplicates();

  assert.equal(page.webApi.callsOf("createRecord", "pocc_job")[0].record.pocc_kind, 101500004);
  assert.equal(fetchDouble.calls[0].url, `${TARGET}/api/jobs/contoso/${outcome.jobId}`);
  assert.match(page.text("pocc-status"), /^Find duplicates succeeded\. Open job$/);
  assert.equal(page.rowsShown().length, 1);
  assert.equal(page.document.getElementById("pocc-find-duplicates").disabled, false);
});

test("Find duplicates refused by Dynamics 365 shows the reason on the page", async () => {
  const page = await openDuplicates([SHARED]);
  seedConfiguration(page.webApi);
  page.webApi.failNext("createRecord", "pocc_job", privilegeError("prvCreatepocc_job", "pocc_job"));

  await page.Pocc.DuplicatesPage.findDuplicates();

  assert.match(page.text("pocc-status"), /You are not allowed to start this pocc job/);
  assert.equal(page.rowsShown().length, 1, "the list stays as it was");
});
