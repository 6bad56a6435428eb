"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const { privilegeError } = require("./support/fake-webapi");
const { makeXrm, loadPage } = require("./support/harness");

const CAMPAIGN = "7d0c3b1a-2e4f-4a5b-9c8d-0e1f2a3b4c5d";
const QUERY = `?id=%7B${CAMPAIGN.toUpperCase()}%7D&typename=pocc_campaign`;
// The chart's bar track: its width less the label and value columns.
const TRACK = 520 - 96 - 110;

const SENT = {
  pocc_name: "April newsletter",
  pocc_sends: 2000,
  pocc_opens: 900,
  pocc_uniqueopens: 500,
  pocc_clicks: 260,
  pocc_uniqueclicks: 120,
  pocc_bounces: 40,
  pocc_optouts: 12,
  pocc_forwards: 3,
  pocc_abusereports: 1,
  pocc_didnotopens: 1460,
  pocc_openrate: 26.04,
  pocc_clickrate: 6.47,
  pocc_lastsynchronizedon: "2025-03-08T07:15:00Z",
};

const NOTHING_SENT = {
  pocc_name: "Draft",
  pocc_sends: 0,
  pocc_opens: 0,
  pocc_uniqueopens: 0,
  pocc_clicks: 0,
  pocc_uniqueclicks: 0,
  pocc_bounces: 0,
  pocc_optouts: 0,
  pocc_openrate: null,
  pocc_clickrate: null,
};

const LINKS = [
  { pocc_url: "https://example.com/spring-sale", pocc_clicks: 200, pocc_uniqueclicks: 90 },
  { pocc_url: "https://example.com/blog", pocc_clicks: 60, pocc_uniqueclicks: 30 },
];

async function openStatistics(campaign, { links = [], query = QUERY } = {}) {
  const xrm = makeXrm();

  if (campaign) {
    xrm.webApi.seed("pocc_campaign", { pocc_campaignid: CAMPAIGN, ...campaign });
  }

  xrm.webApi.answerQuery("pocc_emaillink", () => ({ entities: links }));
  const page = loadPage("statistics", { Xrm: xrm.Xrm, query });
  await page.Pocc.StatisticsPage.ready;
  const all = (selector) => [...page.document.querySelectorAll(selector)];
  return { ...xrm, ...page, all, text: (id) => page.document.getElementById(id).textContent };
}

function figures(page) {
  return page.all(".pocc-figure").map((box) => box.textContent);
}

function bars(page) {
  return page.all("rect.pocc-bar").map((bar) => Number(bar.getAttribute("width")));
}

test("a sent campaign shows its numbers, rates and a chart on one scale", async () => {
  const page = await openStatistics(SENT, { links: LINKS });

  assert.deepEqual(figures(page), [
    "2,000Sends",
    "26.0%Open rate500 contacts opened",
    "6.5%Click rate120 contacts clicked",
    "40Bounces",
    "12Opt-outs",
  ]);
  assert.deepEqual(bars(page), [
    TRACK,
    Math.round(TRACK / 4),
    Math.round((TRACK * 120) / 2000),
    Math.round((TRACK * 40) / 2000),
    Math.round((TRACK * 12) / 2000),
  ]);
  assert.deepEqual(
    page.all("text.pocc-bar-label").map((label) => label.textContent),
    ["Sends", "Opens", "Clicks", "Bounces", "Opt-outs"],
  );
  assert.deepEqual(
    page.all("text.pocc-bar-value").map((value) => value.textContent),
    ["2,000", "500", "120", "40", "12"],
  );
  assert.equal(
    page.document.querySelector("svg").getAttribute("aria-label"),
    "Sends 2,000, Opens 500, Clicks 120, Bounces 40, Opt-outs 12",
  );
  assert.equal(page.text("pocc-synchronized"), "Statistics as of 2025-03-08 07:15 UTC.");
  assert.equal(page.document.getElementById("pocc-statistics").hidden, false);
});

test("the top links are listed most clicked first, for this campaign only", async () => {
  const page = await openStatistics(SENT, { links: LINKS });

  const rows = page
    .all("#pocc-links tbody tr")
    .map((row) => [...row.children].map((cell) => cell.textContent));
  assert.deepEqual(rows, [
    ["https://example.com/spring-sale", "200", "90"],
    ["https://example.com/blog", "60", "30"],
  ]);
  assert.equal(
    page.document.querySelector("#pocc-links a").getAttribute("href"),
    "https://example.com/spring-sale",
  );
  const query = page.webApi.callsOf("retrieveMultipleRecords", "pocc_emaillink")[0].options;
  assert.match(query, new RegExp(`_pocc_campaignid_value eq ${CAMPAIGN}`));
  assert.match(query, /\$orderby=pocc_clicks desc/);
  assert.match(query, /\$top=10/);
  assert.equal(page.document.getElementById("pocc-no-links").hidden, true);
});

test("a campaign not sent yet shows zeros and an empty chart, with no NaN", async () => {
  const page = await openStatistics(NOTHING_SENT);

  assert.deepEqual(figures(page), [
    "0Sends",
    "–Open rate0 contacts opened",
    "–Click rate0 contacts clicked",
    "0Bounces",
    "0Opt-outs",
  ]);
  assert.deepEqual(bars(page), [0, 0, 0, 0, 0]);
  assert.doesNotMatch(page.document.body.innerHTML, /NaN|Infinity|undefined/);
  assert.equal(
    page.text("pocc-chart-caption"),
    "Nothing has been sent yet: the chart fills in after the first send.",
  );
  assert.equal(page.document.getElementById("pocc-no-links").hidden, false);
  assert.equal(page.text("pocc-synchronized"), "Not synchronized yet.");
});

test("rates missing from the row are worked out over delivered emails", async () => {
  const page = await openStatistics({ ...SENT, pocc_openrate: null, pocc_clickrate: null });

  // 500 and 120 unique of 2,000 sent less 40 bounced.
  assert.match(figures(page)[1], /^25\.5%Open rate/);
  assert.match(figures(page)[2], /^6\.1%Click rate/);
});

test("a link that is not http(s) is shown as text, not as a link", async () => {
  const page = await openStatistics(SENT, {
    links: [{ pocc_url: "javascript:alert(1)", pocc_clicks: 1, pocc_uniqueclicks: 1 }],
  });

  assert.equal(page.document.querySelector("#pocc-links a"), null);
  assert.equal(page.all("#pocc-links td")[0].textContent, "javascript:alert(1)");
});

test("the form can hand over its context instead of the id parameter", async () => {
  const page = await openStatistics(SENT, { query: "" });
  const formContext = { data: { entity: { getId: () => `{${CAMPAIGN.toUpperCase()}}` } } };

  assert.equal(await page.window.setClientApiContext(page.Xrm, formContext), true);

  assert.equal(page.webApi.callsOf("retrieveRecord", "pocc_campaign").at(-1).id, CAMPAIGN);
  assert.equal(figures(page)[0], "2,000Sends");
});

test("a new campaign without an id says when statistics appear", async () => {
  const xrm = makeXrm();
  xrm.Xrm.Page.data.entity.getId = () => "";
  const page = loadPage("statistics", { Xrm: xrm.Xrm, query: "" });

  assert.equal(await page.Pocc.StatisticsPage.ready, false);
  assert.match(
    page.document.getElementById("pocc-status").textContent,
    /once the campaign is saved and synchronized/,
  );
  assert.equal(xrm.webApi.calls.length, 0);
});

test("statistics Dynamics 365 refuses to read give a clear message", async () => {
  const xrm = makeXrm();
  xrm.webApi.failNext(
    "retrieveRecord",
    "pocc_campaign",
    privilegeError("prvReadpocc_campaign", "pocc_campaign"),
  );
  xrm.webApi.answerQuery("pocc_emaillink", () => ({ entities: [] }));
  const page = loadPage("statistics", { Xrm: xrm.Xrm, query: QUERY });

  assert.equal(await page.Pocc.StatisticsPage.ready, false);
  const status = page.document.getElementById("pocc-status");
  assert.equal(status.hidden, false);
  assert.match(status.textContent, /You are not allowed to read the campaign's statistics/);
  assert.equal(page.document.getElementById("pocc-statistics").hidden, true);
});
