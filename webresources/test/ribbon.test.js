"use strict";

const vm = require("node:vm");
const test = require("node:test");
const assert = require("node:assert/strict");
const { privilegeError } = require("./support/fake-webapi");
const {
  TARGET,
  fakeFetch,
  makeXrm,
  listGrid,
  source,
  loadRibbon,
  nudgeAnswer,
  unreachable,
  seedConfiguration,
  scriptJob,
} = require("./support/harness");

const Kind = {
  synchronize: 101500000,
  send: 101500001,
  syncList: 101500003,
  findDuplicates: 101500004,
};
const Status = {
  queued: 101500000,
  running: 101500001,
  succeeded: 101500002,
  partly: 101500003,
  failed: 101500004,
};
const Level = { success: 1, error: 2, warning: 3, info: 4 };

const CAMPAIGN_ID = "7d0c3b1a-2e4f-4a5b-9c8d-0e1f2a3b4c5d";
const SOURCE_ID = "a1b2c3d4-e5f6-4711-8899-aabbccddeeff";
const LIST_ID = "0b9a8c7d-6e5f-4a3b-2c1d-0e9f8a7b6c5d";

const accepted = () => fakeFetch(() => ({ status: 202, body: { status: "Queued" } }));
const runsToEnd = (webApi, last = { pocc_jobstatus: Status.succeeded, pocc_percent: 100 }) =>
  scriptJob(webApi, [{ pocc_jobstatus: Status.running, pocc_percent: 50 }, last]);

function campaignForm({ id = CAMPAIGN_ID, source = true, dirty = false } = {}) {
  const attributes = [
    (Attribute) =>
      Attribute.createLookup(
        "pocc_sourcecampaignid",
        source
          ? [{ id: `{${SOURCE_ID.toUpperCase()}}`, name: "Spring launch", entityType: "campaign" }]
          : null,
      ),
  ];
  const xrm = makeXrm({
    entity: {
      id: id ? `{${id.toUpperCase()}}` : "",
      entityName: "pocc_campaign",
      primaryValue: "April newsletter",
    },
    attributes,
    jobGrid: true,
  });
  // xrm-mock makes up an id for an empty one; Dynamics 365 answers "" for a new record.
  xrm.formContext.data.entity.getId = () => (id ? `{${id.toUpperCase()}}` : "");
  xrm.saved = { times: 0 };
  xrm.formContext.data.entity.getIsDirty = () => dirty && xrm.saved.times === 0;
  xrm.formContext.data.save = async () => {
    xrm.saved.times += 1;
  };
  return xrm;
}

/** ribbon.js without common.js, as a command or enable rule naming only it loads it. */
function ribbonAlone(Xrm) {
  const context = vm.createContext({ Xrm, setTimeout });
  vm.runInContext(source("scripts/ribbon.js"), context);
  return context.Pocc.Ribbon;
}

function setUp(xrm, fetchDouble = accepted()) {
  seedConfiguration(xrm.webApi);
  const Pocc = loadRibbon(xrm.Xrm, fetchDouble.fetch);
  return { ...xrm, Ribbon: Pocc.Ribbon, fetchCalls: fetchDouble.calls };
}

function createdJob(webApi) {
  const creates = webApi.callsOf("createRecord", "pocc_job");
  assert.equal(creates.length, 1, "exactly one pocc_job is created");
  return creates[0].record;
}

test("Synchronize creates a queued Synchronize job, nudges pocc and links to the job", async () => {
  const page = setUp(makeXrm());
  const grid = listGrid("pocc_campaign");
  runsToEnd(page.webApi);

  const outcome = await page.Ribbon.synchronize(grid);

  const record = createdJob(page.webApi);
  assert.equal(record.pocc_kind, Kind.synchronize);
  assert.equal(record.pocc_jobstatus, Status.queued);
  assert.equal(page.fetchCalls.length, 1);
  assert.equal(page.fetchCalls[0].url, `${TARGET}/api/jobs/contoso/${outcome.jobId}`);
  assert.equal(page.fetchCalls[0].options.method, "POST");

  const first = page.history[0];
  assert.equal(first.level, Level.info);
  assert.match(first.message, /^Synchronize: The job is queued/);
  assert.equal(first.action.actionLabel, "Open job");
  first.action.eventHandler();
  await new Promise((resolve) => setTimeout(resolve, 5));
  assert.deepEqual(
    { ...page.Xrm.Navigation.formCalls[0].entityFormOptions },
    { entityName: "pocc_job", entityId: outcome.jobId },
  );

  assert.equal(page.last().level, Level.success);
  assert.equal(page.last().message, "Synchronize succeeded.");
  assert.equal(page.shown().length, 1, "each notice replaces the previous one");
  assert.ok(grid.refreshes >= 2, "the campaign list is refreshed as the job moves");
});

test("a user Dynamics 365 refuses the create gets a clear notice and no nudge", async () => {
  const page = setUp(makeXrm());
  page.webApi.failNext("createRecord", "pocc_job", privilegeError("prvCreatepocc_job", "pocc_job"));

  const outcome = await page.Ribbon.synchronize(listGrid("pocc_campaign"));

  assert.equal(outcome.jobId, null);
  assert.equal(page.fetchCalls.length, 0);
  assert.equal(page.history.length, 1);
  assert.equal(page.last().level, Level.error);
  assert.match(page.last().message, /You are not allowed to start this pocc job/);
  assert.match(page.last().message, /prvCreatepocc_job/);
  assert.doesNotMatch(page.last().message, /at .*\.js:\d+/, "no stack trace");
});

test("an unreachable pocc service warns, and the job is still followed to its end", async () => {
  const page = setUp(makeXrm(), unreachable());
  runsToEnd(page.webApi);

  const outcome = await page.Ribbon.synchronize(listGrid("pocc_campaign"));

  assert.equal(page.history[0].level, Level.warning);
  assert.match(page.history[0].message, /could not be reached/);
  assert.equal(page.history[0].action.actionLabel, "Open job");
  assert.equal(outcome.job.pocc_jobstatus, Status.succeeded);
  assert.equal(page.last().message, "Synchronize succeeded.");
});

test("a 404 from pocc becomes an error notice with pocc's advice", async () => {
  const message = "pocc does not serve the organisation 'contoso'. Check the Target service URL.";
  const page = setUp(makeXrm(), nudgeAnswer(404, { error: "unknown_organization", message }));
  const outcome = await page.Ribbon.synchronize(listGrid("pocc_campaign"));

  assert.equal(page.history.length, 1, "a job pocc refused is not followed");
  assert.equal(page.last().level, Level.error);
  assert.match(page.last().message, /HTTP 404/);
  assert.match(page.last().message, /does not serve the organisation 'contoso'/);
  assert.equal(page.last().action.actionLabel, "Open job");
  assert.match(outcome.problem, /HTTP 404/);
  assert.equal(page.webApi.callsOf("retrieveRecord", "pocc_job").length, 0);
});

test("a 409 because the job already runs is shown as started, not as a failure", async () => {
  const page = setUp(
    makeXrm(),
    nudgeAnswer(409, { error: "job_not_queued", status: "Running", message: "x" }),
  );
  runsToEnd(page.webApi);

  await page.Ribbon.synchronize(listGrid("pocc_campaign"));

  assert.equal(page.history[0].level, Level.info);
  assert.match(page.history[0].message, /already started \(Running\)/);
  assert.equal(page.last().level, Level.success);
});

test("an organisation that is not set up is told so before any job is made", async () => {
  const xrm = makeXrm();
  const Pocc = loadRibbon(xrm.Xrm, accepted().fetch);

  await Pocc.Ribbon.synchronize(listGrid("pocc_campaign"));

  assert.equal(xrm.webApi.callsOf("createRecord").length, 0);
  assert.equal(xrm.last().level, Level.error);
  assert.match(xrm.last().message, /pocc is not set up yet/);
});

test("a button whose command did not load common.js says so instead of failing silently", async () => {
  const xrm = makeXrm();

  const outcome = await ribbonAlone(xrm.Xrm).synchronize(listGrid("pocc_campaign"));

  assert.match(outcome.problem, /pocc_\/scripts\/common\.js was not loaded/);
  const alert = xrm.Xrm.Navigation.alertDialogCalls[0].alertStrings;
  assert.match(alert.text, /import the PowerConstantContact solution again/);
});

test("Send asks first, then creates a Send job bound to the campaign and refreshes its job grid", async () => {
  const page = setUp(campaignForm());
  runsToEnd(page.webApi);

  const outcome = await page.Ribbon.send(page.formContext);

  const confirm = page.Xrm.Navigation.confirmDialogCalls[0].confirmStrings;
  assert.match(confirm.text, /Send "April newsletter"/);
  assert.match(confirm.text, /"Spring launch"/);
  const record = createdJob(page.webApi);
  assert.equal(record.pocc_kind, Kind.send);
  assert.equal(record["pocc_CampaignId@odata.bind"], `/pocc_campaigns(${CAMPAIGN_ID})`);
  assert.equal(record.pocc_name, "Send: April newsletter");
  assert.ok(page.refreshed.jobGrid >= 2, "the form's job sub-grid follows the job");
  assert.equal(outcome.job.pocc_jobstatus, Status.succeeded);
  assert.equal(page.last().message, "Send succeeded.");
});

test("Send that is not confirmed creates nothing", async () => {
  const page = setUp(campaignForm());
  page.Xrm.Navigation.openConfirmDialog = async () => ({ confirmed: false });

  const outcome = await page.Ribbon.send(page.formContext);

  assert.equal(outcome.jobId, null);
  assert.equal(page.webApi.callsOf("createRecord").length, 0);
  assert.equal(page.history.length, 0);
});

test("Send on an unsaved campaign asks to save it first", async () => {
  const page = setUp(campaignForm({ id: "" }));

  await page.Ribbon.send(page.formContext);

  assert.equal(page.webApi.callsOf("createRecord").length, 0);
  assert.equal(page.last().level, Level.warning);
  assert.equal(page.last().message, "Save the campaign first.");
});

test("Send saves pending edits before the job reads the campaign", async () => {
  const page = setUp(campaignForm({ dirty: true }));
  runsToEnd(page.webApi);

  await page.Ribbon.send(page.formContext);

  assert.equal(page.saved.times, 1);
  createdJob(page.webApi);
});

test("a failed Send shows the job's own error", async () => {
  const page = setUp(campaignForm());
  runsToEnd(page.webApi, {
    pocc_jobstatus: Status.failed,
    pocc_error: "The source campaign has no marketing lists: attach one and send again.",
  });

  await page.Ribbon.send(page.formContext);

  assert.equal(page.last().level, Level.error);
  assert.equal(
    page.last().message,
    "Send failed: The source campaign has no marketing lists: attach one and send again.",
  );
});

test("a partly successful job is a warning pointing at the job", async () => {
  const page = setUp(campaignForm());
  runsToEnd(page.webApi, { pocc_jobstatus: Status.partly });

  await page.Ribbon.send(page.formContext);

  assert.equal(page.last().level, Level.warning);
  assert.match(page.last().message, /partly succeeded\. Open the job/);
});

test("canSend is true for a saved campaign whose source campaign has marketing lists", async () => {
  const page = setUp(campaignForm());
  page.webApi.seed("campaign", {
    campaignid: SOURCE_ID,
    campaignlist_association: [{ listid: LIST_ID }],
  });

  assert.equal(await page.Ribbon.canSend(page.formContext), true);
  const read = page.webApi.callsOf("retrieveRecord", "campaign")[0];
  assert.equal(read.id, SOURCE_ID);
  assert.match(read.options, /\$expand=campaignlist_association/);
});

test("canSend needs only ribbon.js, since an enable rule names a single library", async () => {
  const xrm = campaignForm();
  xrm.webApi.seed("campaign", {
    campaignid: SOURCE_ID,
    campaignlist_association: [{ listid: LIST_ID }],
  });

  assert.equal(await ribbonAlone(xrm.Xrm).canSend(xrm.formContext), true);
});

test("canSend is false when the source campaign has no lists", async () => {
  const page = setUp(campaignForm());
  page.webApi.seed("campaign", { campaignid: SOURCE_ID, campaignlist_association: [] });

  assert.equal(await page.Ribbon.canSend(page.formContext), false);
});

test("canSend is false without a source campaign, and asks Dynamics 365 nothing", async () => {
  const page = setUp(campaignForm({ source: false }));

  assert.equal(await page.Ribbon.canSend(page.formContext), false);
  assert.equal(page.webApi.callsOf("retrieveRecord", "campaign").length, 0);
});

test("canSend is false when the source campaign cannot be read", async () => {
  const page = setUp(campaignForm());
  page.webApi.failNext("retrieveRecord", "campaign", privilegeError("prvReadCampaign", "campaign"));

  assert.equal(await page.Ribbon.canSend(page.formContext), false);
});

test("Sync to Constant Contact creates a list job bound to the marketing list", async () => {
  const xrm = makeXrm({
    entity: {
      id: `{${LIST_ID.toUpperCase()}}`,
      entityName: "list",
      primaryValue: "Newsletter subscribers",
    },
    jobGrid: true,
  });
  xrm.formContext.data.entity.getIsDirty = () => false;
  const page = setUp(xrm);
  runsToEnd(page.webApi);

  await page.Ribbon.syncList(page.formContext);

  const record = createdJob(page.webApi);
  assert.equal(record.pocc_kind, Kind.syncList);
  assert.equal(record["pocc_MarketingListId@odata.bind"], `/lists(${LIST_ID})`);
  assert.equal(record.pocc_name, "Sync marketing list: Newsletter subscribers");
  assert.equal(page.last().message, "Sync to Constant Contact succeeded.");
});

test("Find duplicates creates its job and refreshes the duplicates list when it ends", async () => {
  const page = setUp(makeXrm());
  const grid = listGrid("pocc_emailduplicate");
  runsToEnd(page.webApi);

  await page.Ribbon.findDuplicates(grid);

  assert.equal(createdJob(page.webApi).pocc_kind, Kind.findDuplicates);
  assert.ok(grid.refreshes >= 2);
  assert.equal(page.last().message, "Find duplicates succeeded.");
});
