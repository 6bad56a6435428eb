"use strict";
/*
 * Loads the web resources as Dynamics 365 does (classic scripts sharing one global),
 * with a fake Xrm from xrm-mock, an in-memory Xrm.WebApi and a scripted fetch.
 */

const fs = require("node:fs");
const path = require("node:path");
const vm = require("node:vm");
const { JSDOM } = require("jsdom");
const { XrmMockGenerator } = require("xrm-mock");
const { FakeWebApi } = require("./fake-webapi");

const WEB_RESOURCES = path.resolve(__dirname, "..", "..", "pocc_");
const ORG = "contoso";
const ORG_URL = "https://contoso.crm.dynamics.com";
const TARGET = "https://pocc.example.com";
// Polls at once, and a job that never ends stops a test within seconds, not minutes.
const FAST = { pollIntervalMs: 1, maxWatchMs: 3000 };

function source(relative) {
  return fs.readFileSync(path.join(WEB_RESOURCES, relative), "utf8");
}

/**
 * A fetch that answers from `answer(url, options)`: {status, body} or a thrown error
 * (as a browser's fetch throws TypeError when the host cannot be reached).
 */
function fakeFetch(answer) {
  const calls = [];
  const fetch = async (url, options = {}) => {
    calls.push({ url, options });
    const { status, body } = await answer(url, options);
    const text = typeof body === "string" ? body : JSON.stringify(body ?? {});
    return {
      status,
      ok: status >= 200 && status < 300,
      json: async () => JSON.parse(text),
    };
  };
  return { fetch, calls };
}

const accepted = (jobIdFromUrl) => ({ status: 202, body: { id: jobIdFromUrl, status: "Queued" } });

function nudgeAnswer(status, body) {
  return fakeFetch(() => ({ status, body }));
}

function unreachable() {
  return fakeFetch(() => {
    throw new TypeError("Failed to fetch");
  });
}

/**
 * A fake Xrm: xrm-mock's form, navigation and notifications, the in-memory WebApi,
 * and a global context naming the organisation.
 */
function makeXrm({ entity, attributes = [], jobGrid = false, webApi = new FakeWebApi() } = {}) {
  const Xrm = XrmMockGenerator.initialise({ entity });
  attributes.forEach((create) => create(XrmMockGenerator.Attribute));
  const formContext = XrmMockGenerator.getFormContext();
  const refreshed = { jobGrid: 0 };

  if (jobGrid) {
    const grid = XrmMockGenerator.Control.createGrid({ name: "Jobs", entityName: "pocc_job" });
    grid.refresh = () => {
      refreshed.jobGrid += 1;
    };
  }

  const history = [];
  const addGlobalNotification = Xrm.App.addGlobalNotification.bind(Xrm.App);
  Xrm.App.addGlobalNotification = (notification) => {
    history.push(notification);
    return addGlobalNotification(notification);
  };

  Xrm.WebApi = webApi;
  Xrm.Utility.getGlobalContext = () => ({
    organizationSettings: { uniqueName: ORG },
    getOrgUniqueName: () => ORG,
    getClientUrl: () => ORG_URL,
  });

  return {
    Xrm,
    formContext,
    webApi,
    refreshed,
    history,
    shown: () => Object.values(Xrm.App.globalNotifications),
    last: () => history[history.length - 1],
  };
}

/** A list view's grid control, as PrimaryControl on a home page grid. */
function listGrid(entityName) {
  const grid = { refreshes: 0, getEntityName: () => entityName, getGrid: () => ({}) };
  grid.refresh = () => {
    grid.refreshes += 1;
  };
  return grid;
}

/** common.js and ribbon.js run in one fresh global, as a form's command libraries do. */
function loadRibbon(Xrm, fetch) {
  const context = vm.createContext({
    Xrm,
    fetch,
    setTimeout,
    clearTimeout,
    AbortController,
    URL,
    URLSearchParams,
  });
  vm.runInContext(source("scripts/common.js"), context, { filename: "common.js" });
  vm.runInContext(source("scripts/ribbon.js"), context, { filename: "ribbon.js" });
  Object.assign(context.Pocc.Common.settings, FAST);
  return context.Pocc;
}

/** A page loaded in jsdom, with its scripts run against `Xrm`, `fetch` and `open`. */
function loadPage(name, { Xrm, fetch, open, query = "" }) {
  const html = source(`pages/${name}.html`);
  const url = `${ORG_URL}/WebResources/pocc_/pages/${name}.html${query}`;
  const dom = new JSDOM(html, { url, runScripts: "outside-only", pretendToBeVisual: true });
  const { window } = dom;
  window.Xrm = Xrm;
  window.fetch = fetch || fakeFetch(() => ({ status: 202, body: {} })).fetch;
  window.open = open || (() => null);
  window.eval(source("scripts/common.js"));
  Object.assign(window.Pocc.Common.settings, FAST);
  window.eval(source(`pages/${name}.js`));
  return { window, document: window.document, Pocc: window.Pocc };
}

/** The pocc_configuration row an organisation has after Setup was saved. */
function seedConfiguration(webApi, columns = {}) {
  return webApi.seed("pocc_configuration", {
    pocc_name: "PowerConstantContact",
    pocc_targetservice: TARGET,
    statecode: 0,
    ...columns,
  });
}

/** Makes pocc_job reads walk through `steps` (column changes), the last one sticking. */
function scriptJob(webApi, steps) {
  let index = 0;
  webApi.answerRead("pocc_job", (id, options, stored) => {
    const step = steps[Math.min(index, steps.length - 1)];
    index += 1;
    Object.assign(stored, step);
    return { ...stored };
  });
}

module.exports = {
  ORG,
  ORG_URL,
  TARGET,
  WEB_RESOURCES,
  source,
  fakeFetch,
  accepted,
  nudgeAnswer,
  unreachable,
  makeXrm,
  listGrid,
  loadRibbon,
  loadPage,
  seedConfiguration,
  scriptJob,
};
