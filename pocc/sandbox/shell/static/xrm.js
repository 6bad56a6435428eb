/*
 * The shell's Xrm object: the part of D365's client API that pocc's web resources use.
 *
 * Xrm.WebApi calls the organisation's Web API under the shell (`<clientUrl>/api/data/
 * v9.2/`), where the server adds the signed-in person's token: every answer, refusals
 * included, is the sandbox Dataverse's own. Navigation, dialogs and notifications
 * draw into the shell page (see shell.js, which also builds form and grid contexts).
 */
(function (root) {
  "use strict";

  const model = JSON.parse(root.document.getElementById("shell-model").textContent);
  const apiRoot = `${model.clientUrl}/api/data/v9.2/`;
  const ANNOTATIONS = 'odata.include-annotations="*"';
  const LEVELS = { 1: "success", 2: "error", 3: "warning", 4: "info" };

  /** An error as Xrm.WebApi rejects with: errorCode (a number), message, code. */
  function webApiError(status, body) {
    const error = (body && body.error) || {};
    const hex = String(error.code || "");
    const parsed = /^0x[0-9a-f]+$/i.test(hex) ? parseInt(hex, 16) | 0 : status;
    return {
      errorCode: parsed,
      code: hex || String(status),
      message: error.message || `The request failed with HTTP ${status}.`,
      status,
    };
  }

  async function call(method, path, body, extraHeaders) {
    const headers = {
      Accept: "application/json",
      "OData-MaxVersion": "4.0",
      "OData-Version": "4.0",
      ...extraHeaders,
    };

    if (body !== undefined) {
      headers["Content-Type"] = "application/json; charset=utf-8";
    }

    const response = await root.fetch(apiRoot + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
    });
    const text = await response.text();
    const json = text ? JSON.parse(text) : null;

    if (!response.ok) {
      throw webApiError(response.status, json);
    }

    return { response, json };
  }

  function table(logicalName) {
    const found = model.tables[String(logicalName || "").toLowerCase()];

    if (!found) {
      throw webApiError(404, {
        error: {
          code: "0x80060888",
          message: `Resource not found for the segment '${logicalName}'.`,
        },
      });
    }

    return found;
  }

  const cleanId = (id) => String(id || "").replace(/[{}]/g, "").toLowerCase();
  const query = (options) => (!options ? "" : options.startsWith("?") ? options : `?${options}`);

  function idFromEntityIdHeader(response) {
    const header = response.headers.get("OData-EntityId") || "";
    const match = header.match(/\(([0-9a-f-]{36})\)\s*$/i);
    return match ? match[1] : "";
  }

  const WebApi = {
    async createRecord(entityLogicalName, data) {
      const set = table(entityLogicalName).entitySet;
      const { response } = await call("POST", set, data);
      return { entityType: entityLogicalName, id: idFromEntityIdHeader(response) };
    },

    async retrieveRecord(entityLogicalName, id, options) {
      const set = table(entityLogicalName).entitySet;
      const { json } = await call("GET", `${set}(${cleanId(id)})${query(options)}`, undefined, {
        Prefer: ANNOTATIONS,
      });
      return json;
    },

    async retrieveMultipleRecords(entityLogicalName, options, maxPageSize) {
      const set = table(entityLogicalName).entitySet;
      const prefer = maxPageSize ? `${ANNOTATIONS},odata.maxpagesize=${maxPageSize}` : ANNOTATIONS;
      const { json } = await call("GET", `${set}${query(options)}`, undefined, { Prefer: prefer });
      const result = { entities: json.value || [] };

      if (json["@odata.nextLink"]) {
        result.nextLink = json["@odata.nextLink"];
      }

      if (json["@Microsoft.Dynamics.CRM.fetchxmlpagingcookie"]) {
        result.fetchXmlPagingCookie = json["@Microsoft.Dynamics.CRM.fetchxmlpagingcookie"];
      }

      return result;
    },

    async updateRecord(entityLogicalName, id, data) {
      const set = table(entityLogicalName).entitySet;
      await call("PATCH", `${set}(${cleanId(id)})`, data, { "If-Match": "*" });
      return { entityType: entityLogicalName, id: cleanId(id) };
    },

    async deleteRecord(entityLogicalName, id) {
      const set = table(entityLogicalName).entitySet;
      await call("DELETE", `${set}(${cleanId(id)})`);
      return { entityType: entityLogicalName, id: cleanId(id) };
    },
  };
  WebApi.online = WebApi;

  // -- dialogs and notifications ------------------------------------------------------

  function element(tag, properties = {}, children = []) {
    const made = root.document.createElement(tag);
    Object.assign(made, properties);
    made.append(...children);
    return made;
  }

  /** A modal with buttons; resolves with the label of the button pressed. */
  function modal(title, text, buttons, testId) {
    return new Promise((resolve) => {
      const layer = element("div", { className: "shell-dialog-layer" });
      const dialog = element("div", { className: "shell-dialog" });
      dialog.setAttribute("role", "dialog");
      dialog.setAttribute("aria-modal", "true");
      dialog.dataset.testid = testId;
      const actions = element(
        "div",
        { className: "shell-dialog-actions" },
        buttons.map(([label, value, primary]) => {
          const button = element("button", { type: "button", textContent: label });
          button.className = primary ? "shell-primary" : "";
          button.addEventListener("click", () => {
            layer.remove();
            resolve(value);
          });
          return button;
        }),
      );
      dialog.append(element("h2", { textContent: title }), element("p", { textContent: text }), actions);
      layer.append(dialog);
      root.document.body.append(layer);
      actions.querySelector("button").focus();
    });
  }

  let notificationNumber = 0;

  function addGlobalNotification(notification) {
    notificationNumber += 1;
    const id = `notification-${notificationNumber}`;
    const level = LEVELS[notification.level] || "info";
    const bar = element("div", { id, className: `shell-notification shell-${level}` });
    bar.setAttribute("role", level === "error" ? "alert" : "status");
    bar.append(element("span", { className: "shell-notification-text", textContent: notification.message }));

    if (notification.action && notification.action.actionLabel) {
      const link = element("button", {
        type: "button",
        className: "shell-link",
        textContent: notification.action.actionLabel,
      });
      link.addEventListener("click", () => notification.action.eventHandler());
      bar.append(" ", link);
    }

    if (notification.showCloseButton) {
      const close = element("button", { type: "button", className: "shell-close", textContent: "×" });
      close.setAttribute("aria-label", "Close");
      close.addEventListener("click", () => bar.remove());
      bar.append(close);
    }

    root.document.getElementById("shell-notifications").append(bar);
    return Promise.resolve(id);
  }

  function clearGlobalNotification(id) {
    const bar = root.document.getElementById(id);

    if (bar) {
      bar.remove();
    }

    return Promise.resolve();
  }

  // -- navigation ----------------------------------------------------------------------

  function pageUrl(parameters) {
    return `${model.shellUrl}?${new URLSearchParams(parameters)}`;
  }

  function pageInputUrl(pageInput) {
    switch (pageInput.pageType) {
      case "entityrecord":
        return pageUrl({
          pagetype: "entityrecord",
          etn: pageInput.entityName,
          ...(pageInput.entityId ? { id: cleanId(pageInput.entityId) } : {}),
        });
      case "entitylist":
        return pageUrl({
          pagetype: "entitylist",
          etn: pageInput.entityName,
          ...(pageInput.viewId ? { viewid: cleanId(pageInput.viewId) } : {}),
        });
      case "webresource":
        return pageUrl({
          pagetype: "webresource",
          webresourceName: pageInput.webresourceName,
          ...(pageInput.data ? { data: pageInput.data } : {}),
        });
      default:
        throw new Error(`The shell cannot navigate to a ${pageInput.pageType} page.`);
    }
  }

  const Navigation = {
    openForm(options) {
      root.location.assign(
        pageInputUrl({ pageType: "entityrecord", entityName: options.entityName, entityId: options.entityId }),
      );
      return Promise.resolve({ savedEntityReference: [] });
    },

    openWebResource(webResourceName, windowOptions, data) {
      root.open(pageInputUrl({ pageType: "webresource", webresourceName: webResourceName, data }), "_blank");
    },

    navigateTo(pageInput, navigationOptions) {
      const url = pageInputUrl(pageInput);

      if (navigationOptions && navigationOptions.target === 2) {
        root.open(url, "_blank", "width=900,height=700");
      } else {
        root.location.assign(url);
      }

      return Promise.resolve();
    },

    openUrl(url) {
      root.open(url, "_blank");
    },

    async openAlertDialog(alertStrings) {
      await modal(alertStrings.title || "Alert", alertStrings.text, [[alertStrings.confirmButtonLabel || "OK", true, true]], "alert");
    },

    async openConfirmDialog(confirmStrings) {
      const confirmed = await modal(
        confirmStrings.title || "Confirm",
        confirmStrings.text,
        [
          [confirmStrings.confirmButtonLabel || "OK", true, true],
          [confirmStrings.cancelButtonLabel || "Cancel", false, false],
        ],
        "confirm",
      );
      return { confirmed };
    },

    async openErrorDialog(errorOptions) {
      await modal("Error", errorOptions.message || errorOptions.details || "", [["OK", true, true]], "error");
    },
  };

  // -- context -------------------------------------------------------------------------

  const globalContext = {
    getClientUrl: () => model.clientUrl,
    getOrgUniqueName: () => model.org,
    getVersion: () => "9.2.0.0",
    getCurrentAppUrl: () => model.shellUrl,
    organizationSettings: {
      uniqueName: model.org,
      organizationId: model.orgId,
      languageId: 1033,
    },
    userSettings: {
      userId: `{${model.user.id.toUpperCase()}}`,
      userName: model.user.name,
      languageId: 1033,
      roles: { getAll: () => model.user.roles.map((name) => ({ name })) },
    },
  };

  root.Xrm = {
    WebApi,
    Navigation,
    App: { addGlobalNotification, clearGlobalNotification },
    Utility: {
      getGlobalContext: () => globalContext,
      showProgressIndicator() {},
      closeProgressIndicator() {},
    },
    Page: null,
  };
  root.Xrm.Shell = { model, modal, element, pageInputUrl, webApiError };
})(window);
