/*
 * Pocc.Common: what every pocc button and page does the same way.
 *
 * A job is a pocc_job row created through Xrm.WebApi, so Dynamics 365's own security
 * decides who may start one. The pocc service is then nudged with a POST; workers also
 * poll, so a lost nudge only delays the job. Every failure becomes a sentence a CRM user
 * can act on: nothing here throws into Dynamics 365, which would show a raw stack.
 */
(function (root) {
  "use strict";

  const Pocc = (root.Pocc = root.Pocc || {});

  const JobKind = Object.freeze({
    synchronize: 101500000,
    send: 101500001,
    retrieveResponses: 101500002,
    syncMarketingList: 101500003,
    findDuplicates: 101500004,
    refreshStatistics: 101500005,
  });

  const JobStatus = Object.freeze({
    queued: 101500000,
    running: 101500001,
    succeeded: 101500002,
    partlySucceeded: 101500003,
    failed: 101500004,
    cancelled: 101500005,
  });

  const STATUS_LABELS = Object.freeze({
    [JobStatus.queued]: "Queued",
    [JobStatus.running]: "Running",
    [JobStatus.succeeded]: "Succeeded",
    [JobStatus.partlySucceeded]: "Partly succeeded",
    [JobStatus.failed]: "Failed",
    [JobStatus.cancelled]: "Cancelled",
  });

  // Xrm.App.addGlobalNotification's levels.
  const Level = Object.freeze({ success: 1, error: 2, warning: 3, info: 4 });

  // 0x80040220 as the signed number Xrm.WebApi reports in errorCode.
  const PRIVILEGE_DENIED_CODES = ["0x80040220", "-2147220960"];

  const settings = {
    pollIntervalMs: 3000,
    maxWatchMs: 30 * 60 * 1000,
    nudgeTimeoutMs: 15000,
    readFailuresTolerated: 3,
  };

  /** A failure already phrased for a CRM user, with the notification level to use. */
  class PoccProblem extends Error {
    constructor(message, level = Level.error) {
      super(message);
      this.name = "PoccProblem";
      this.level = level;
    }
  }

  /** The Xrm object: a ribbon script's own, or the hosting form's for a page. */
  function xrm() {
    if (root.Xrm) {
      return root.Xrm;
    }

    try {
      if (root.parent && root.parent !== root && root.parent.Xrm) {
        return root.parent.Xrm;
      }
    } catch (crossOrigin) {
      // A page opened outside Dynamics 365 cannot see its opener's Xrm.
    }

    throw new PoccProblem(
      "This page must be opened inside Dynamics 365: it cannot reach Dynamics 365 here.",
    );
  }

  /** The organisation's unique name, which the pocc service knows it by. */
  function organizationName() {
    const context = xrm().Utility.getGlobalContext();
    const fromSettings = context.organizationSettings && context.organizationSettings.uniqueName;
    return fromSettings || context.getOrgUniqueName();
  }

  /** A GUID as the Web API wants it: no braces, lower case. */
  function cleanId(id) {
    return String(id || "")
      .replace(/[{}]/g, "")
      .toLowerCase();
  }

  function statusLabel(status) {
    return STATUS_LABELS[status] || "Unknown";
  }

  function isFinished(status) {
    return status !== JobStatus.queued && status !== JobStatus.running;
  }

  /** The one active pocc_configuration row with its target service, or a problem. */
  async function readConfiguration() {
    let result;

    try {
      result = await xrm().WebApi.retrieveMultipleRecords(
        "pocc_configuration",
        "?$select=pocc_configurationid,pocc_targetservice&$filter=statecode eq 0&$top=1",
      );
    } catch (error) {
      throw new PoccProblem(describeDataverseError(error, "read the pocc configuration"));
    }

    const row = result.entities[0];
    const target = row && (row.pocc_targetservice || "").trim();

    if (!target) {
      throw new PoccProblem(
        "pocc is not set up yet: an administrator must choose the Target Service on " +
          "the PowerConstantContact Setup page and save it.",
      );
    }

    return { id: row.pocc_configurationid, targetService: target.replace(/\/+$/, "") };
  }

  /** A sentence for a Dataverse refusal; `action` says what the user was doing. */
  function describeDataverseError(error, action) {
    const code = String((error && (error.errorCode ?? error.code)) ?? "").toLowerCase();
    const message = String((error && error.message) || "").trim();

    if (PRIVILEGE_DENIED_CODES.includes(code) || /missing \w+ privilege/i.test(message)) {
      const privilege = (message.match(/missing (prv\w+) privilege/i) || [])[1];
      const named = privilege ? ` (${privilege})` : "";
      return (
        `You are not allowed to ${action}: Dynamics 365 refused it${named}. Ask your ` +
        "administrator for the PowerConstantContact User security role."
      );
    }

    if (!message) {
      return `Dynamics 365 could not ${action}. Try again; if it keeps failing, tell your administrator.`;
    }

    return `Dynamics 365 could not ${action}: ${message}`;
  }

  /** Creates a Queued pocc_job row of `kind` with `fields`; its id, or a problem. */
  async function createJob(kind, name, fields = {}) {
    const record = {
      pocc_name: String(name).slice(0, 200),
      pocc_kind: kind,
      pocc_jobstatus: JobStatus.queued,
      ...fields,
    };

    try {
      const created = await xrm().WebApi.createRecord("pocc_job", record);
      return cleanId(created.id);
    } catch (error) {
      throw new PoccProblem(describeDataverseError(error, "start this pocc job"));
    }
  }

  /**
   * Tells the pocc service the job is waiting. Never throws: the job row exists
   * either way, so the answer is a notice ({level, message}) for the user.
   */
  async function nudge(configuration, jobId) {
    const url =
      `${configuration.targetService}/api/jobs/` +
      `${encodeURIComponent(organizationName())}/${encodeURIComponent(jobId)}`;
    let response;

    try {
      response = await fetchWithTimeout(url, { method: "POST", mode: "cors", credentials: "omit" });
    } catch (error) {
      return {
        level: Level.warning,
        message:
          `The job is queued, but the pocc service at ${configuration.targetService} ` +
          "could not be reached to start it now. A pocc worker will still pick it up; " +
          "if it stays Queued, ask your administrator to check the Target Service on " +
          "the Setup page and that the pocc service is running.",
      };
    }

    return describeNudgeAnswer(response.status, await readJson(response));
  }

  async function fetchWithTimeout(url, options) {
    const controller = typeof AbortController === "function" ? new AbortController() : null;
    const timer = controller && setTimeout(() => controller.abort(), settings.nudgeTimeoutMs);

    try {
      return await root.fetch(
        url,
        controller ? { ...options, signal: controller.signal } : options,
      );
    } finally {
      clearTimeout(timer);
    }
  }

  async function readJson(response) {
    try {
      return await response.json();
    } catch (notJson) {
      return {};
    }
  }

  function describeNudgeAnswer(status, body) {
    const said = body && typeof body.message === "string" ? body.message : "";

    if (status === 202 || status === 200) {
      return { level: Level.info, message: "The job is queued; pocc will start it shortly." };
    }

    // A worker that polls may claim the job before the nudge arrives: not a failure.
    if (status === 409 && (body.status === "Running" || body.status === "Succeeded")) {
      return { level: Level.info, message: `The job has already started (${body.status}).` };
    }

    if (status === 409) {
      return {
        level: Level.warning,
        message: said || `The job is ${body.status || "no longer queued"}.`,
      };
    }

    if (status >= 500) {
      return {
        level: Level.warning,
        message:
          `The pocc service had a problem (HTTP ${status}) starting the job. ` +
          `${said || "A pocc worker will still pick the job up."}`.trim(),
      };
    }

    return {
      level: Level.error,
      message: `The pocc service refused to start the job (HTTP ${status}). ${said}`.trim(),
    };
  }

  /** The job's progress columns, as the watcher shows them. */
  async function readJob(jobId) {
    return xrm().WebApi.retrieveRecord(
      "pocc_job",
      jobId,
      "?$select=pocc_name,pocc_jobstatus,pocc_percent,pocc_processed,pocc_total,pocc_error",
    );
  }

  function progressText(job) {
    const label = statusLabel(job.pocc_jobstatus);

    if (job.pocc_jobstatus === JobStatus.running && job.pocc_percent != null) {
      return `${label}, ${job.pocc_percent}% done`;
    }

    return label;
  }

  const wait = (milliseconds) => new Promise((resolve) => setTimeout(resolve, milliseconds));

  /**
   * Reads the job until it ends, calling `onChange(job)` whenever its status or
   * progress moves. Resolves with the last job read, or null if it could not be read.
   */
  async function watchJob(jobId, onChange) {
    const deadline = Date.now() + settings.maxWatchMs;
    let failures = 0;
    let seen = "";

    while (Date.now() < deadline) {
      let job;

      try {
        job = await readJob(jobId);
        failures = 0;
      } catch (error) {
        failures += 1;

        if (failures >= settings.readFailuresTolerated) {
          return null;
        }

        await wait(settings.pollIntervalMs);
        continue;
      }

      const state = `${job.pocc_jobstatus}:${job.pocc_percent}`;

      if (state !== seen) {
        seen = state;
        await onChange(job);
      }

      if (isFinished(job.pocc_jobstatus)) {
        return job;
      }

      await wait(settings.pollIntervalMs);
    }

    return undefined;
  }

  function openJob(jobId) {
    return xrm().Navigation.openForm({ entityName: "pocc_job", entityId: jobId });
  }

  /**
   * A function that shows a notice, replacing the previous one. Ribbon buttons use
   * Dynamics 365's global notification bar (with an "Open job" link); a page passes
   * `onPage` to show notices in itself instead.
   */
  function notifier(onPage) {
    let current = null;

    return async function show(level, message, jobId) {
      if (onPage) {
        onPage(level, message, jobId);
        return;
      }

      try {
        const app = xrm().App;

        if (current) {
          await app.clearGlobalNotification(current);
        }

        const notification = { type: 2, level, message, showCloseButton: true };

        if (jobId) {
          notification.action = { actionLabel: "Open job", eventHandler: () => openJob(jobId) };
        }

        current = await app.addGlobalNotification(notification);
      } catch (noNotificationBar) {
        if (level !== Level.info) {
          await xrm().Navigation.openAlertDialog({ text: message });
        }
      }
    };
  }

  /** Refreshes the job sub-grids of a form, or the grid a list button was on. */
  function refreshGrids(control) {
    try {
      if (control && control.ui && control.ui.controls) {
        control.ui.controls
          .get()
          .filter(isJobGrid)
          .forEach((grid) => grid.refresh());
      } else if (control && typeof control.refresh === "function") {
        control.refresh();
      }
    } catch (gridGone) {
      // The user may have left the form; the job goes on regardless.
    }
  }

  function isJobGrid(control) {
    return (
      typeof control.getControlType === "function" &&
      control.getControlType() === "subgrid" &&
      typeof control.getEntityName === "function" &&
      control.getEntityName() === "pocc_job"
    );
  }

  function finalNotice(title, job) {
    if (job === null) {
      return [
        Level.warning,
        `${title}: pocc could not follow the job. Open it to see how it is going.`,
      ];
    }

    if (job === undefined) {
      return [Level.info, `${title} is still running. Open the job to follow it.`];
    }

    switch (job.pocc_jobstatus) {
      case JobStatus.succeeded:
        return [Level.success, `${title} succeeded.`];
      case JobStatus.partlySucceeded:
        return [Level.warning, `${title} partly succeeded. Open the job to see what was left out.`];
      case JobStatus.cancelled:
        return [Level.warning, `${title} was cancelled.`];
      default:
        return [Level.error, `${title} failed: ${job.pocc_error || "open the job to see why."}`];
    }
  }

  /**
   * What every button does: create the job, nudge pocc, tell the user, follow the job
   * to its end while refreshing grids. Never rejects; resolves with {jobId, job}.
   */
  async function startJob({ kind, name, title, fields, control, show = notifier() }) {
    let jobId = null;

    try {
      const configuration = await readConfiguration();
      jobId = await createJob(kind, name, fields);

      const answer = await nudge(configuration, jobId);
      await show(answer.level, `${title}: ${answer.message}`, jobId);
      refreshGrids(control);

      // pocc refused the job (unknown organisation, origin, id): no worker will run it.
      if (answer.level === Level.error) {
        return { jobId, job: undefined, problem: answer.message };
      }

      const job = await watchJob(jobId, async (progress) => {
        refreshGrids(control);

        if (!isFinished(progress.pocc_jobstatus)) {
          await show(Level.info, `${title}: ${progressText(progress)}.`, jobId);
        }
      });

      const [level, message] = finalNotice(title, job);
      await show(level, message, jobId);
      return { jobId, job };
    } catch (error) {
      const known = error instanceof PoccProblem;
      const message = known
        ? error.message
        : `${title} could not be started: ${error && error.message}`;
      await show(known ? error.level : Level.error, message, jobId);
      return { jobId, job: undefined, problem: message };
    }
  }

  Pocc.Common = {
    JobKind,
    JobStatus,
    Level,
    PoccProblem,
    settings,
    xrm,
    organizationName,
    cleanId,
    statusLabel,
    isFinished,
    readConfiguration,
    describeDataverseError,
    createJob,
    nudge,
    readJob,
    progressText,
    watchJob,
    openJob,
    notifier,
    refreshGrids,
    startJob,
  };
})(globalThis);
