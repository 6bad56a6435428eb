/*
 * The Setup page: an administrator chooses the pocc service, saves the Constant
 * Contact application's Client ID and Secret and the time zone, then authenticates.
 *
 * The secret is written to its secured column and never read back into the page.
 * Authentication happens in a window on the pocc service; this page follows the
 * configuration row until the connected account appears in it.
 */
(function (root) {
  "use strict";

  const Pocc = root.Pocc;
  const Common = Pocc.Common;
  const { Level } = Common;

  const settings = { pollIntervalMs: 2000, maxWaitMs: 10 * 60 * 1000 };

  const COLUMNS = [
    "pocc_configurationid",
    "pocc_targetservice",
    "pocc_ccclientid",
    "pocc_timezone",
    "pocc_ccaccountname",
    "pocc_ccaccountid",
    "pocc_needsreauthentication",
    "pocc_tokenexpireson",
    "pocc_nextresponseretrievalon",
    "pocc_enabledusers",
    "pocc_enableduserscountedon",
    "pocc_lasterror",
  ].join(",");

  // Used when Dynamics 365's timezonedefinition list cannot be read: Windows ids as
  // D365 stores them, D365's labels, and the IANA zone for showing local times.
  const TIME_ZONES = [
    ["Dateline Standard Time", "(GMT-12:00) International Date Line West", "Etc/GMT+12"],
    ["Hawaiian Standard Time", "(GMT-10:00) Hawaii", "Pacific/Honolulu"],
    ["Alaskan Standard Time", "(GMT-09:00) Alaska", "America/Anchorage"],
    ["Pacific Standard Time", "(GMT-08:00) Pacific Time (US & Canada)", "America/Los_Angeles"],
    ["US Mountain Standard Time", "(GMT-07:00) Arizona", "America/Phoenix"],
    ["Mountain Standard Time", "(GMT-07:00) Mountain Time (US & Canada)", "America/Denver"],
    ["Central America Standard Time", "(GMT-06:00) Central America", "America/Guatemala"],
    ["Central Standard Time", "(GMT-06:00) Central Time (US & Canada)", "America/Chicago"],
    [
      "Central Standard Time (Mexico)",
      "(GMT-06:00) Guadalajara, Mexico City, Monterrey",
      "America/Mexico_City",
    ],
    ["Canada Central Standard Time", "(GMT-06:00) Saskatchewan", "America/Regina"],
    ["SA Pacific Standard Time", "(GMT-05:00) Bogota, Lima, Quito, Rio Branco", "America/Bogota"],
    ["Eastern Standard Time", "(GMT-05:00) Eastern Time (US & Canada)", "America/New_York"],
    ["Atlantic Standard Time", "(GMT-04:00) Atlantic Time (Canada)", "America/Halifax"],
    ["Newfoundland Standard Time", "(GMT-03:30) Newfoundland", "America/St_Johns"],
    ["E. South America Standard Time", "(GMT-03:00) Brasilia", "America/Sao_Paulo"],
    ["Argentina Standard Time", "(GMT-03:00) City of Buenos Aires", "America/Buenos_Aires"],
    ["UTC", "(GMT) Coordinated Universal Time", "Etc/UTC"],
    ["GMT Standard Time", "(GMT) Dublin, Edinburgh, Lisbon, London", "Europe/London"],
    [
      "W. Europe Standard Time",
      "(GMT+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna",
      "Europe/Berlin",
    ],
    [
      "Central Europe Standard Time",
      "(GMT+01:00) Belgrade, Bratislava, Budapest, Ljubljana, Prague",
      "Europe/Budapest",
    ],
    ["Romance Standard Time", "(GMT+01:00) Brussels, Copenhagen, Madrid, Paris", "Europe/Paris"],
    [
      "Central European Standard Time",
      "(GMT+01:00) Sarajevo, Skopje, Warsaw, Zagreb",
      "Europe/Warsaw",
    ],
    ["W. Central Africa Standard Time", "(GMT+01:00) West Central Africa", "Africa/Lagos"],
    ["GTB Standard Time", "(GMT+02:00) Athens, Bucharest", "Europe/Bucharest"],
    [
      "FLE Standard Time",
      "(GMT+02:00) Helsinki, Kyiv, Riga, Sofia, Tallinn, Vilnius",
      "Europe/Kiev",
    ],
    ["South Africa Standard Time", "(GMT+02:00) Harare, Pretoria", "Africa/Johannesburg"],
    ["Egypt Standard Time", "(GMT+02:00) Cairo", "Africa/Cairo"],
    ["Israel Standard Time", "(GMT+02:00) Jerusalem", "Asia/Jerusalem"],
    ["Turkey Standard Time", "(GMT+03:00) Istanbul", "Europe/Istanbul"],
    ["Russian Standard Time", "(GMT+03:00) Moscow, St. Petersburg", "Europe/Moscow"],
    ["Arab Standard Time", "(GMT+03:00) Kuwait, Riyadh", "Asia/Riyadh"],
    ["E. Africa Standard Time", "(GMT+03:00) Nairobi", "Africa/Nairobi"],
    ["Arabian Standard Time", "(GMT+04:00) Abu Dhabi, Muscat", "Asia/Dubai"],
    ["Pakistan Standard Time", "(GMT+05:00) Islamabad, Karachi", "Asia/Karachi"],
    ["India Standard Time", "(GMT+05:30) Chennai, Kolkata, Mumbai, New Delhi", "Asia/Calcutta"],
    ["SE Asia Standard Time", "(GMT+07:00) Bangkok, Hanoi, Jakarta", "Asia/Bangkok"],
    ["China Standard Time", "(GMT+08:00) Beijing, Chongqing, Hong Kong, Urumqi", "Asia/Shanghai"],
    ["Singapore Standard Time", "(GMT+08:00) Kuala Lumpur, Singapore", "Asia/Singapore"],
    ["W. Australia Standard Time", "(GMT+08:00) Perth", "Australia/Perth"],
    ["Tokyo Standard Time", "(GMT+09:00) Osaka, Sapporo, Tokyo", "Asia/Tokyo"],
    ["Korea Standard Time", "(GMT+09:00) Seoul", "Asia/Seoul"],
    ["Cen. Australia Standard Time", "(GMT+09:30) Adelaide", "Australia/Adelaide"],
    ["E. Australia Standard Time", "(GMT+10:00) Brisbane", "Australia/Brisbane"],
    ["AUS Eastern Standard Time", "(GMT+10:00) Canberra, Melbourne, Sydney", "Australia/Sydney"],
    ["New Zealand Standard Time", "(GMT+12:00) Auckland, Wellington", "Pacific/Auckland"],
  ].map(([name, label, iana]) => ({ name, label, iana }));

  const IANA_BY_NAME = new Map(TIME_ZONES.map((zone) => [zone.name.toLowerCase(), zone.iana]));

  const page = {};
  let configuration = null;

  function find(document) {
    const byId = (id) => document.getElementById(id);
    Object.assign(page, {
      document,
      status: byId("pocc-status"),
      form: byId("pocc-setup-form"),
      target: byId("pocc-target"),
      deployments: byId("pocc-deployments"),
      clientId: byId("pocc-client-id"),
      clientSecret: byId("pocc-client-secret"),
      secretHint: byId("pocc-secret-hint"),
      timeZone: byId("pocc-time-zone"),
      save: byId("pocc-save"),
      authenticate: byId("pocc-authenticate"),
      connection: byId("pocc-connection"),
      nextRetrieval: byId("pocc-next-retrieval"),
      enabledUsers: byId("pocc-enabled-users"),
    });
  }

  function showStatus(level, message, link) {
    const levels = {
      [Level.success]: "success",
      [Level.error]: "error",
      [Level.warning]: "warning",
    };
    page.status.hidden = false;
    page.status.className = `pocc-status pocc-${levels[level] || "info"}`;
    page.status.textContent = message;

    if (link) {
      const anchor = page.document.createElement("a");
      anchor.href = link.href;
      anchor.target = "_blank";
      anchor.rel = "noopener";
      anchor.textContent = link.text;
      page.status.append(" ", anchor);
    }
  }

  function problemText(error, action) {
    if (error instanceof Common.PoccProblem) {
      return error.message;
    }

    return Common.describeDataverseError(error, action);
  }

  async function readConfiguration() {
    const result = await Common.xrm().WebApi.retrieveMultipleRecords(
      "pocc_configuration",
      `?$select=${COLUMNS}&$filter=statecode eq 0&$top=1`,
    );
    return result.entities[0] || null;
  }

  /** D365's own time zone list; the built-in list when it cannot be read. */
  async function readTimeZones() {
    try {
      const result = await Common.xrm().WebApi.retrieveMultipleRecords(
        "timezonedefinition",
        "?$select=standardname,userinterfacename&$orderby=bias desc,userinterfacename asc",
      );
      const zones = result.entities
        .filter((row) => row.standardname)
        .map((row) => ({
          name: row.standardname,
          label: row.userinterfacename || row.standardname,
        }));
      return zones.length ? zones : TIME_ZONES;
    } catch (notReadable) {
      return TIME_ZONES;
    }
  }

  /** Deployments offered for Target Service: the page's `data` parameter, then the saved one. */
  function deployments(saved) {
    const search = new URLSearchParams(root.location.search);
    const data = new URLSearchParams(search.get("data") || "");
    const urls = data
      .getAll("deployment")
      .map((url) => url.trim())
      .filter(Boolean);
    return [...new Set(saved ? [saved, ...urls] : urls)];
  }

  function option(label, value) {
    const element = page.document.createElement("option");
    element.value = value;
    element.textContent = label;
    return element;
  }

  function fillOptions(zones) {
    const saved = configuration && configuration.pocc_targetservice;
    page.timeZone.replaceChildren(option("Choose a time zone", ""));
    page.timeZone.append(...zones.map((zone) => option(zone.label, zone.name)));
    page.deployments.replaceChildren(...deployments(saved).map((url) => option(url, url)));
  }

  function render() {
    const row = configuration || {};
    page.target.value = row.pocc_targetservice || page.target.value;
    page.clientId.value = row.pocc_ccclientid || page.clientId.value;
    page.clientSecret.value = "";
    page.clientSecret.placeholder = secretSaved() ? "Saved (hidden)" : "";
    page.secretHint.textContent = secretSaved()
      ? "A secret is saved and is never shown again. Leave this empty to keep it, or type a new one to replace it."
      : "The Client Secret of the Constant Contact application.";

    if (row.pocc_timezone) {
      page.timeZone.value = row.pocc_timezone;
    }

    page.authenticate.disabled = !(row.pocc_targetservice && row.pocc_ccclientid);
    page.connection.textContent = connectionText(row);
    page.nextRetrieval.textContent = retrievalText(row);
    page.enabledUsers.textContent = billingText(row);
  }

  function secretSaved() {
    return Boolean(configuration && configuration.pocc_ccclientid);
  }

  function connectionText(row) {
    if (row.pocc_needsreauthentication) {
      const why = row.pocc_lasterror ? ` ${row.pocc_lasterror}` : "";
      return `Authentication expired: click Authenticate to connect again.${why}`;
    }

    if (row.pocc_ccaccountname || row.pocc_ccaccountid) {
      return `Connected to ${row.pocc_ccaccountname || row.pocc_ccaccountid}`;
    }

    return "Not connected: save, then click Authenticate.";
  }

  /** `moment` as "YYYY-MM-DD HH:MM" in `timeZone` (an IANA name; the browser's if empty). */
  function wallClock(moment, timeZone) {
    const parts = new Intl.DateTimeFormat("en-GB", {
      timeZone: timeZone || undefined,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    }).formatToParts(moment);
    const part = (type) => parts.find((item) => item.type === type).value;
    return `${part("year")}-${part("month")}-${part("day")} ${part("hour")}:${part("minute")}`;
  }

  function retrievalText(row) {
    if (!row.pocc_nextresponseretrievalon) {
      return "Not scheduled: pocc schedules it once Constant Contact is connected.";
    }

    const moment = new Date(row.pocc_nextresponseretrievalon);
    const zone = row.pocc_timezone && IANA_BY_NAME.get(row.pocc_timezone.toLowerCase());
    const local = zone
      ? `${wallClock(moment, zone)} ${row.pocc_timezone}`
      : `${wallClock(moment, "")} (this browser's time)`;
    return `${local} (${wallClock(moment, "UTC")} UTC)`;
  }

  function billingText(row) {
    if (row.pocc_enabledusers == null) {
      return "Not counted yet";
    }

    const counted = row.pocc_enableduserscountedon
      ? `, counted ${wallClock(new Date(row.pocc_enableduserscountedon), "UTC")} UTC`
      : "";
    return `${Number(row.pocc_enabledusers).toLocaleString("en-US")} enabled users${counted}`;
  }

  /** The form's values, or a sentence saying what is missing. */
  function formValues() {
    const target = page.target.value.trim().replace(/\/+$/, "");
    const clientId = page.clientId.value.trim();
    const secret = page.clientSecret.value.trim();
    const timeZone = page.timeZone.value;

    if (!isServiceUrl(target)) {
      return { problem: "Target Service must be the https:// address of a pocc service." };
    }

    if (!clientId) {
      return { problem: "Enter the Client ID of your Constant Contact application." };
    }

    const clientIdChanged = !configuration || configuration.pocc_ccclientid !== clientId;

    if (!secret && (!secretSaved() || clientIdChanged)) {
      return { problem: "Enter the Client Secret of your Constant Contact application." };
    }

    if (!timeZone) {
      return { problem: "Choose the time zone in which campaign responses are retrieved." };
    }

    return { target, clientId, secret, timeZone };
  }

  function isServiceUrl(text) {
    try {
      const url = new URL(text);
      const local = ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
      return url.protocol === "https:" || (url.protocol === "http:" && local);
    } catch (notUrl) {
      return false;
    }
  }

  async function save() {
    const values = formValues();

    if (values.problem) {
      showStatus(Level.warning, values.problem);
      return false;
    }

    const record = {
      pocc_targetservice: values.target,
      pocc_ccclientid: values.clientId,
      pocc_timezone: values.timeZone,
    };

    if (values.secret) {
      record.pocc_ccclientsecret = values.secret;
    }

    page.save.disabled = true;

    try {
      await writeConfiguration(record);
      configuration = await readConfiguration();
      render();
      showStatus(Level.success, "Saved. Click Authenticate to connect Constant Contact.");
      return true;
    } catch (error) {
      page.clientSecret.value = "";
      showStatus(Level.error, problemText(error, "save the pocc configuration"));
      return false;
    } finally {
      page.save.disabled = false;
    }
  }

  async function writeConfiguration(record) {
    const webApi = Common.xrm().WebApi;

    if (configuration) {
      await webApi.updateRecord("pocc_configuration", configuration.pocc_configurationid, record);
      return;
    }

    await webApi.createRecord("pocc_configuration", {
      pocc_name: "PowerConstantContact",
      ...record,
    });
  }

  function consentUrl() {
    const org = encodeURIComponent(Common.organizationName());
    return `${configuration.pocc_targetservice.replace(/\/+$/, "")}/api/registration/authorize?orgidname=${org}`;
  }

  /** Opens Constant Contact's consent in a window and waits for the account to connect. */
  async function authenticate() {
    if (!configuration || !configuration.pocc_targetservice) {
      showStatus(Level.warning, "Save the Target Service and the Client ID and Secret first.");
      return false;
    }

    const url = consentUrl();
    const before = fingerprint(configuration);
    const consent = root.open(url, "pocc-consent", "width=640,height=760");

    if (!consent) {
      showStatus(Level.warning, "Your browser blocked the Constant Contact window.", {
        href: url,
        text: "Open it here",
      });
    } else {
      showStatus(Level.info, "Sign in to Constant Contact in the new window and allow access.");
    }

    return waitForConnection(consent, before);
  }

  function fingerprint(row) {
    return [row.pocc_ccaccountid, row.pocc_tokenexpireson, row.pocc_needsreauthentication].join(
      "|",
    );
  }

  async function waitForConnection(consent, before) {
    const deadline = Date.now() + settings.maxWaitMs;

    while (Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, settings.pollIntervalMs));
      const closed = !consent || consent.closed;

      try {
        configuration = (await readConfiguration()) || configuration;
      } catch (error) {
        showStatus(Level.error, problemText(error, "read the pocc configuration"));
        return false;
      }

      const connected =
        fingerprint(configuration) !== before && !configuration.pocc_needsreauthentication;

      if (connected && (configuration.pocc_ccaccountname || configuration.pocc_ccaccountid)) {
        render();
        const account = configuration.pocc_ccaccountname || configuration.pocc_ccaccountid;
        showStatus(Level.success, `Connected to Constant Contact account ${account}.`);
        return true;
      }

      if (closed && consent) {
        render();
        showStatus(
          Level.warning,
          "The Constant Contact window closed before an account was connected. Click Authenticate to try again.",
        );
        return false;
      }
    }

    showStatus(
      Level.warning,
      "No Constant Contact account was connected. Click Authenticate to try again.",
    );
    return false;
  }

  async function start(document) {
    find(document);
    page.form.addEventListener("submit", (event) => {
      event.preventDefault();
      save();
    });
    page.authenticate.addEventListener("click", () => authenticate());

    try {
      const [row, zones] = await Promise.all([readConfiguration(), readTimeZones()]);
      configuration = row;
      fillOptions(zones);
      render();
    } catch (error) {
      showStatus(Level.error, problemText(error, "read the pocc configuration"));
    }
  }

  Pocc.SetupPage = { settings, TIME_ZONES, start, save, authenticate };
  Pocc.SetupPage.ready = start(root.document);
})(globalThis);
