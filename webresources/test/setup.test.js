"use strict";

const fs = require("node:fs");
const path = require("node:path");
const test = require("node:test");
const assert = require("node:assert/strict");
const { privilegeError } = require("./support/fake-webapi");
const { TARGET, makeXrm, loadPage, seedConfiguration } = require("./support/harness");

const SECRET = "s3cr3t-value-never-shown";
const CONSENT_URL = `${TARGET}/api/registration/authorize?orgidname=contoso`;

const CONNECTED = {
  pocc_ccclientid: "c0ffee00-1111-2222-3333-444455556666",
  pocc_timezone: "Pacific Standard Time",
  pocc_ccaccountname: "Acme Running Club",
  pocc_ccaccountid: "a07e1abc",
  pocc_tokenexpireson: "2025-03-01T16:00:00Z",
  pocc_nextresponseretrievalon: "2025-03-02T10:00:00Z",
  pocc_enabledusers: 1234,
  pocc_enableduserscountedon: "2025-03-01T00:05:00Z",
};

async function openSetup({ configuration, open, query } = {}) {
  const xrm = makeXrm();

  if (configuration) {
    seedConfiguration(xrm.webApi, configuration);
  }

  const page = loadPage("setup", { Xrm: xrm.Xrm, open, query });
  Object.assign(page.Pocc.SetupPage.settings, { pollIntervalMs: 1, maxWaitMs: 2000 });
  await page.Pocc.SetupPage.ready;
  const byId = (id) => page.document.getElementById(id);
  return { ...xrm, ...page, byId, text: (id) => byId(id).textContent };
}

test("a saved configuration is shown, with the secret left out", async () => {
  const page = await openSetup({ configuration: CONNECTED });

  assert.equal(page.byId("pocc-target").value, TARGET);
  assert.equal(page.byId("pocc-client-id").value, CONNECTED.pocc_ccclientid);
  assert.equal(page.byId("pocc-time-zone").value, "Pacific Standard Time");
  assert.equal(page.byId("pocc-client-secret").value, "");
  assert.match(page.text("pocc-secret-hint"), /never shown again/);
  assert.equal(page.text("pocc-connection"), "Connected to Acme Running Club");
  assert.equal(page.byId("pocc-authenticate").disabled, false);

  const selects = page.webApi.callsOf("retrieveMultipleRecords", "pocc_configuration")[0].options;
  assert.doesNotMatch(selects, /pocc_ccclientsecret|pocc_accesstoken|pocc_refreshtoken/);
});

test("the next retrieval shows in the organisation's time zone and in UTC", async () => {
  const page = await openSetup({ configuration: CONNECTED });

  assert.equal(
    page.text("pocc-next-retrieval"),
    "2025-03-02 02:00 Pacific Standard Time (2025-03-02 10:00 UTC)",
  );
});

test("the billing figure is the enabled user count", async () => {
  const page = await openSetup({ configuration: CONNECTED });

  assert.equal(
    page.text("pocc-enabled-users"),
    "1,234 enabled users, counted 2025-03-01 00:05 UTC",
  );
});

test("an expired authentication says to authenticate again and why", async () => {
  const page = await openSetup({
    configuration: {
      ...CONNECTED,
      pocc_needsreauthentication: true,
      pocc_lasterror: "Constant Contact refused the refresh token.",
    },
  });

  assert.match(page.text("pocc-connection"), /^Authentication expired: click Authenticate/);
  assert.match(page.text("pocc-connection"), /refused the refresh token/);
});

test("time zones come from Dynamics 365 when it lists them", async () => {
  const xrm = makeXrm();
  xrm.webApi.answerQuery("timezonedefinition", () => ({
    entities: [
      { standardname: "Hawaiian Standard Time", userinterfacename: "(GMT-10:00) Hawaii" },
      {
        standardname: "Tokyo Standard Time",
        userinterfacename: "(GMT+09:00) Osaka, Sapporo, Tokyo",
      },
    ],
  }));
  const page = loadPage("setup", { Xrm: xrm.Xrm });
  await page.Pocc.SetupPage.ready;

  const options = [...page.document.querySelectorAll("#pocc-time-zone option")].map(
    (item) => item.value,
  );

  assert.deepEqual(options, ["", "Hawaiian Standard Time", "Tokyo Standard Time"]);
});

test("the built-in time zone list is used when Dynamics 365's cannot be read", async () => {
  const xrm = makeXrm();
  xrm.webApi.failNext(
    "retrieveMultipleRecords",
    "timezonedefinition",
    privilegeError("prvReadTimeZoneDefinition", "timezonedefinition"),
  );
  const page = loadPage("setup", { Xrm: xrm.Xrm });
  await page.Pocc.SetupPage.ready;

  const options = [...page.document.querySelectorAll("#pocc-time-zone option")];

  assert.equal(options.length, page.Pocc.SetupPage.TIME_ZONES.length + 1);
  assert.ok(options.some((item) => item.value === "W. Europe Standard Time"));
});

test("every built-in time zone is one pocc's scheduler knows, with the same IANA zone", () => {
  const backend = path.resolve(__dirname, "..", "..", "pocc", "schedule", "windows_zones.json");
  const known = new Map(
    JSON.parse(fs.readFileSync(backend, "utf8")).zones.map((zone) => [zone.windows, zone.iana]),
  );
  const xrm = makeXrm();
  const page = loadPage("setup", { Xrm: xrm.Xrm });

  for (const zone of page.Pocc.SetupPage.TIME_ZONES) {
    assert.ok(known.has(zone.name), `${zone.name} is a Windows id pocc knows`);
    const sameInstant = (iana) =>
      new Intl.DateTimeFormat("en-GB", {
        timeZone: iana,
        timeStyle: "short",
        dateStyle: "short",
      }).format(new Date("2025-07-01T12:00:00Z"));
    assert.equal(sameInstant(zone.iana), sameInstant(known.get(zone.name)), zone.name);
  }
});

test("deployments from the page's data parameter are offered for Target Service", async () => {
  const data = encodeURIComponent(
    "deployment=https://pocc-eu.example.com&deployment=https://pocc-us.example.com",
  );
  const page = await openSetup({ query: `?data=${data}` });

  const offered = [...page.document.querySelectorAll("#pocc-deployments option")].map(
    (item) => item.value,
  );

  assert.deepEqual(offered, ["https://pocc-eu.example.com", "https://pocc-us.example.com"]);
});

test("saving writes the secret once and never shows it back", async () => {
  const page = await openSetup({ configuration: CONNECTED });
  page.byId("pocc-client-secret").value = SECRET;

  assert.equal(await page.Pocc.SetupPage.save(), true);

  const update = page.webApi.callsOf("updateRecord", "pocc_configuration")[0];
  assert.equal(update.data.pocc_ccclientsecret, SECRET);
  assert.equal(update.data.pocc_targetservice, TARGET);
  assert.equal(update.data.pocc_timezone, "Pacific Standard Time");
  assert.equal(page.byId("pocc-client-secret").value, "");
  assert.ok(
    !page.document.documentElement.outerHTML.includes(SECRET),
    "the secret is nowhere on the page",
  );
  assert.match(page.text("pocc-status"), /^Saved\. Click Authenticate/);
});

test("saving with the secret left empty keeps the saved one", async () => {
  const page = await openSetup({ configuration: CONNECTED });

  assert.equal(await page.Pocc.SetupPage.save(), true);

  const update = page.webApi.callsOf("updateRecord", "pocc_configuration")[0];
  assert.equal("pocc_ccclientsecret" in update.data, false);
});

test("the first save creates the configuration and needs every field", async () => {
  const page = await openSetup();
  page.byId("pocc-target").value = "https://pocc.example.com/";
  page.byId("pocc-client-id").value = "c0ffee00";
  page.byId("pocc-time-zone").value = "UTC";

  assert.equal(await page.Pocc.SetupPage.save(), false);
  assert.equal(
    page.text("pocc-status"),
    "Enter the Client Secret of your Constant Contact application.",
  );
  assert.equal(page.webApi.callsOf("createRecord").length, 0);

  page.byId("pocc-client-secret").value = SECRET;
  assert.equal(await page.Pocc.SetupPage.save(), true);

  const created = page.webApi.callsOf("createRecord", "pocc_configuration")[0].record;
  assert.equal(created.pocc_targetservice, "https://pocc.example.com");
  assert.equal(created.pocc_name, "PowerConstantContact");
  assert.equal(page.byId("pocc-authenticate").disabled, false);
});

test("a target service that is not https is refused before anything is written", async () => {
  const page = await openSetup({ configuration: CONNECTED });
  page.byId("pocc-target").value = "http://pocc.example.com";

  assert.equal(await page.Pocc.SetupPage.save(), false);
  assert.match(page.text("pocc-status"), /https:\/\/ address of a pocc service/);
  assert.equal(page.webApi.callsOf("updateRecord").length, 0);
});

test("a save Dynamics 365 refuses says who may, and drops the typed secret", async () => {
  const page = await openSetup({ configuration: CONNECTED });
  page.webApi.failNext(
    "updateRecord",
    "pocc_configuration",
    privilegeError("prvWritepocc_configuration", "pocc_configuration"),
  );
  page.byId("pocc-client-secret").value = SECRET;

  assert.equal(await page.Pocc.SetupPage.save(), false);

  assert.match(page.text("pocc-status"), /You are not allowed to save the pocc configuration/);
  assert.match(page.text("pocc-status"), /prvWritepocc_configuration/);
  assert.equal(page.byId("pocc-client-secret").value, "");
});

test("the Save button submits the form", async () => {
  const page = await openSetup({ configuration: CONNECTED });

  page.byId("pocc-save").click();
  for (let tries = 0; tries < 100 && !page.webApi.callsOf("updateRecord").length; tries += 1) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }

  assert.equal(page.webApi.callsOf("updateRecord", "pocc_configuration").length, 1);
});

test("Authenticate opens consent and shows the account once pocc stored it", async () => {
  const consent = { closed: false };
  const opened = [];
  const page = await openSetup({
    configuration: {
      ...CONNECTED,
      pocc_ccaccountname: null,
      pocc_ccaccountid: null,
      pocc_tokenexpireson: null,
    },
    open: (url, name) => {
      opened.push({ url, name });
      return consent;
    },
  });
  const row = [...page.webApi.rows("pocc_configuration").values()][0];
  let reads = 0;
  page.webApi.answerQuery("pocc_configuration", () => {
    reads += 1;

    // The register callback stores the tokens and the account while the window is open.
    if (reads === 3) {
      Object.assign(row, {
        pocc_ccaccountname: "Acme Running Club",
        pocc_ccaccountid: "a07e1abc",
        pocc_tokenexpireson: "2025-03-01T18:00:00Z",
      });
    }

    return { entities: [{ ...row }] };
  });

  assert.equal(await page.Pocc.SetupPage.authenticate(), true);

  assert.deepEqual(opened, [{ url: CONSENT_URL, name: "pocc-consent" }]);
  assert.equal(
    page.text("pocc-status"),
    "Connected to Constant Contact account Acme Running Club.",
  );
  assert.equal(page.text("pocc-connection"), "Connected to Acme Running Club");
});

test("closing the consent window without connecting says to try again", async () => {
  const page = await openSetup({
    configuration: { ...CONNECTED, pocc_ccaccountname: null, pocc_ccaccountid: null },
    open: () => ({ closed: true }),
  });

  assert.equal(await page.Pocc.SetupPage.authenticate(), false);

  assert.match(page.text("pocc-status"), /closed before an account was connected/);
});

test("a blocked consent window nobody opens ends saying no account was connected", async () => {
  const page = await openSetup({
    configuration: { ...CONNECTED, pocc_ccaccountname: null, pocc_ccaccountid: null },
  });
  Object.assign(page.Pocc.SetupPage.settings, { maxWaitMs: 20 });

  assert.equal(await page.Pocc.SetupPage.authenticate(), false);

  const link = page.document.querySelector("#pocc-status a");
  assert.equal(link, null, "the final notice replaces the blocked-window notice");
  assert.match(page.text("pocc-status"), /No Constant Contact account was connected/);
});

test("a blocked consent window first shows the consent address as a link", async () => {
  const page = await openSetup({
    configuration: { ...CONNECTED, pocc_ccaccountname: null, pocc_ccaccountid: null },
  });
  Object.assign(page.Pocc.SetupPage.settings, { pollIntervalMs: 50, maxWaitMs: 60 });

  const waiting = page.Pocc.SetupPage.authenticate();

  const link = page.document.querySelector("#pocc-status a");
  assert.equal(link.href, CONSENT_URL);
  assert.match(page.text("pocc-status"), /blocked the Constant Contact window/);
  await waiting;
});

test("Authenticate before saving asks to save first", async () => {
  const page = await openSetup();

  assert.equal(await page.Pocc.SetupPage.authenticate(), false);
  assert.match(page.text("pocc-status"), /Save the Target Service/);
});
