/*
 * Pocc.Ribbon: the pocc buttons of Dynamics 365's command bar.
 *
 * Each command receives PrimaryControl: the form context on a form, the grid control
 * on a list. Each creates its pocc_job through Pocc.Common.startJob, which nudges the
 * pocc service, shows notices with an "Open job" link and refreshes the job grids
 * until the job ends. Commands resolve, never reject: Dynamics 365 would show a raw
 * error dialog for a rejection.
 */
(function (root) {
  "use strict";

  const Pocc = (root.Pocc = root.Pocc || {});

  // Read when a command runs, not when this file loads: Dynamics 365 may load the
  // command's libraries in either order.
  const common = () => Pocc.Common;

  const MISSING_COMMON =
    "This pocc button cannot run: its script pocc_/scripts/common.js was not loaded. " +
    "Ask your administrator to import the PowerConstantContact solution again.";

  /** A GUID as the Web API wants it; canSend needs it before common.js may be loaded. */
  function cleanId(id) {
    return String(id || "")
      .replace(/[{}]/g, "")
      .toLowerCase();
  }

  function recordId(formContext) {
    return cleanId(formContext.data.entity.getId());
  }

  function recordName(formContext) {
    const name = formContext.data.entity.getPrimaryAttributeValue();
    return name ? String(name) : "";
  }

  /** Saves pending edits first, since the job reads the saved record. */
  async function saveIfDirty(formContext, what) {
    if (!recordId(formContext)) {
      throw new (common().PoccProblem)(`Save the ${what} first.`, common().Level.warning);
    }

    if (!formContext.data.entity.getIsDirty()) {
      return;
    }

    try {
      await formContext.data.save();
    } catch (error) {
      throw new (common().PoccProblem)(
        `The ${what} has unsaved changes that could not be saved: ` +
          `${(error && error.message) || "check the highlighted fields"}. Save it and try again.`,
      );
    }
  }

  /** Runs `prepare` (which may refuse with a PoccProblem), then the job it describes. */
  async function run(title, control, prepare) {
    if (!common()) {
      await root.Xrm.Navigation.openAlertDialog({ text: MISSING_COMMON });
      return { jobId: null, problem: MISSING_COMMON };
    }

    const { Level, PoccProblem, notifier, startJob } = common();
    const show = notifier();
    let job;

    try {
      job = await prepare();
    } catch (error) {
      const known = error instanceof PoccProblem;
      const message = known ? error.message : `${title}: ${error && error.message}`;
      await show(known ? error.level : Level.error, message);
      return { jobId: null, problem: message };
    }

    if (!job) {
      return { jobId: null };
    }

    return startJob({ title, control, show, ...job });
  }

  /** Campaign list: import Constant Contact's email campaigns. */
  function synchronize(primaryControl) {
    return run("Synchronize", primaryControl, async () => ({
      kind: common().JobKind.synchronize,
      name: "Synchronize campaigns",
    }));
  }

  /** The source campaign's id, or "" when none is set on the form. */
  function sourceCampaignId(formContext) {
    const attribute = formContext.getAttribute("pocc_sourcecampaignid");
    const value = attribute && attribute.getValue();
    return value && value.length ? cleanId(value[0].id) : "";
  }

  /**
   * Enable rule of Send: the campaign is saved and its source campaign has at least
   * one marketing list. Any failure to tell disables the button rather than erring.
   */
  async function canSend(primaryControl) {
    try {
      const source = sourceCampaignId(primaryControl);

      if (!source || !recordId(primaryControl)) {
        return false;
      }

      const campaign = await root.Xrm.WebApi.retrieveRecord(
        "campaign",
        source,
        "?$select=campaignid&$expand=campaignlist_association($select=listid)",
      );
      return (campaign.campaignlist_association || []).length > 0;
    } catch (error) {
      return false;
    }
  }

  /** Campaign form: send the email to the source campaign's marketing lists now. */
  function send(primaryControl) {
    return run("Send", primaryControl, async () => {
      await saveIfDirty(primaryControl, "campaign");

      const name = recordName(primaryControl);
      const lookup = primaryControl.getAttribute("pocc_sourcecampaignid").getValue() || [];
      const lists = lookup.length ? lookup[0].name : "";

      const answer = await common()
        .xrm()
        .Navigation.openConfirmDialog({
          title: "Send campaign",
          text:
            `Send "${name}" through Constant Contact now to the members of the marketing ` +
            `lists of ${lists ? `"${lists}"` : "its source campaign"}?`,
          confirmButtonLabel: "Send",
          cancelButtonLabel: "Cancel",
        });

      if (!answer || !answer.confirmed) {
        return null;
      }

      return {
        kind: common().JobKind.send,
        name: `Send: ${name}`,
        fields: { "pocc_CampaignId@odata.bind": `/pocc_campaigns(${recordId(primaryControl)})` },
      };
    });
  }

  /** Marketing list form: mirror the list into a Constant Contact list. */
  function syncList(primaryControl) {
    return run("Sync to Constant Contact", primaryControl, async () => {
      await saveIfDirty(primaryControl, "marketing list");
      return {
        kind: common().JobKind.syncMarketingList,
        name: `Sync marketing list: ${recordName(primaryControl)}`,
        fields: { "pocc_MarketingListId@odata.bind": `/lists(${recordId(primaryControl)})` },
      };
    });
  }

  /** Duplicates list: scan contacts, leads and accounts for shared addresses. */
  function findDuplicates(primaryControl) {
    return run("Find duplicates", primaryControl, async () => ({
      kind: common().JobKind.findDuplicates,
      name: "Find duplicates",
    }));
  }

  Pocc.Ribbon = { synchronize, canSend, send, syncList, findDuplicates };
})(globalThis);
