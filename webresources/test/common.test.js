"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const { privilegeError } = require("./support/fake-webapi");
const {
  TARGET,
  fakeFetch,
  makeXrm,
  loadRibbon,
  nudgeAnswer,
  unreachable,
  seedConfiguration,
  scriptJob,
} = require("./support/harness");

const JOB_ID = "2f1e9c6a-5b4d-4e3f-8a7b-1c2d3e4f5a6b";
const Level = { success: 1, error: 2, warning: 3, info: 4 };

function setUp(fetchDouble = nudgeAnswer(202, { status: "Queued" })) {
  const xrm = makeXrm();
  seedConfiguration(xrm.webApi);
  const Pocc = loadRibbon(xrm.Xrm, fetchDouble.fetch);
  return { ...xrm, Common: Pocc.Common, fetchCalls: fetchDouble.calls };
}

test("the configuration's target service is read without a trailing slash", async () => {
  const { Common, webApi } = setUp();
  webApi.rows("pocc_configuration").clear();
  seedConfiguration(webApi, { pocc_targetservice: " https://pocc.example.com/ " });

  const configuration = await Common.readConfiguration();

  assert.equal(configuration.targetService, "https://pocc.example.com");
});

test("an organisation without a configuration is told to open Setup", async () => {
  const { Common, webApi } = setUp();
  webApi.rows("pocc_configuration").clear();

  await assert.rejects(Common.readConfiguration(), (error) => {
    assert.match(error.message, /pocc is not set up yet/);
    assert.match(error.message, /Setup page/);
    return true;
  });
});

test("a privilege refusal names the privilege and the role to ask for", () => {
  const { Common } = setUp();

  const message = Common.describeDataverseError(
    privilegeError("prvCreatepocc_job", "pocc_job"),
    "start this pocc job",
  );

  assert.match(message, /^You are not allowed to start this pocc job/);
  assert.match(message, /prvCreatepocc_job/);
  assert.match(message, /PowerConstantContact User security role/);
  assert.doesNotMatch(message, /Principal user/);
});

test("other Dataverse errors keep Dataverse's own message", () => {
  const { Common } = setUp();

  const message = Common.describeDataverseError(
    { errorCode: -2147220969, message: "pocc_job With Id = 1 Does Not Exist" },
    "read the job",
  );

  assert.equal(message, "Dynamics 365 could not read the job: pocc_job With Id = 1 Does Not Exist");
});

test("the nudge is a POST to the job's address on the target service", async () => {
  const { Common, fetchCalls } = setUp();

  const answer = await Common.nudge({ targetService: TARGET }, JOB_ID);

  assert.equal(fetchCalls.length, 1);
  assert.equal(fetchCalls[0].url, `${TARGET}/api/jobs/contoso/${JOB_ID}`);
  assert.equal(fetchCalls[0].options.method, "POST");
  assert.equal(answer.level, Level.info);
});

const NUDGE_CASES = [
  {
    title: "an unreachable service leaves the job queued for the worker's poll",
    double: unreachable(),
    level: Level.warning,
    says: [/job is queued/, /pocc\.example\.com could not be reached/, /Target Service/],
  },
  {
    title: "404 for an unknown organisation shows the service's advice",
    double: nudgeAnswer(404, {
      error: "unknown_organization",
      message: "pocc does not serve the organisation 'contoso'.",
    }),
    level: Level.error,
    says: [/refused to start the job \(HTTP 404\)/, /does not serve the organisation 'contoso'/],
  },
  {
    title: "409 because a worker already claimed the job is not a failure",
    double: nudgeAnswer(409, {
      error: "job_not_queued",
      message: "The job is Running, not Queued.",
      status: "Running",
    }),
    level: Level.info,
    says: [/already started \(Running\)/],
  },
  {
    title: "409 for a cancelled job says so",
    double: nudgeAnswer(409, {
      error: "job_not_queued",
      message: "The job is Cancelled, not Queued.",
      status: "Cancelled",
    }),
    level: Level.warning,
    says: [/The job is Cancelled, not Queued/],
  },
  {
    title: "400 for a malformed id is an error with the service's message",
    double: nudgeAnswer(400, { error: "malformed_job_id", message: "'x' is not a job id." }),
    level: Level.error,
    says: [/HTTP 400/, /is not a job id/],
  },
  {
    title: "a 503 without a JSON body still reads as a sentence",
    double: fakeFetch(() => ({ status: 503, body: "<html>Service Unavailable</html>" })),
    level: Level.warning,
    says: [/had a problem \(HTTP 503\)/, /worker will still pick the job up/],
  },
];

for (const { title, double, level, says } of NUDGE_CASES) {
  test(title, async () => {
    const { Common } = setUp(double);

    const answer = await Common.nudge({ targetService: TARGET }, JOB_ID);

    assert.equal(answer.level, level);
    says.forEach((pattern) => assert.match(answer.message, pattern));
  });
}

test("watching a job reports each change and ends with its final row", async () => {
  const { Common, webApi } = setUp();
  webApi.seed("pocc_job", { pocc_jobid: JOB_ID, pocc_jobstatus: 101500000 });
  scriptJob(webApi, [
    { pocc_jobstatus: 101500000 },
    { pocc_jobstatus: 101500001, pocc_percent: 40 },
    { pocc_jobstatus: 101500001, pocc_percent: 40 },
    { pocc_jobstatus: 101500002, pocc_percent: 100 },
  ]);
  const seen = [];

  const job = await Common.watchJob(JOB_ID, (row) => seen.push(Common.progressText(row)));

  assert.deepEqual(seen, ["Queued", "Running, 40% done", "Succeeded"]);
  assert.equal(job.pocc_jobstatus, 101500002);
});

test("watching gives up with null after repeated read failures", async () => {
  const { Common, webApi } = setUp();
  const refusal = { errorCode: -2147204784, message: "Generic SQL error." };
  [1, 2, 3].forEach(() => webApi.failNext("retrieveRecord", "pocc_job", refusal));

  const job = await Common.watchJob(JOB_ID, () => assert.fail("no job was read"));

  assert.equal(job, null);
  assert.equal(webApi.callsOf("retrieveRecord", "pocc_job").length, 3);
});
