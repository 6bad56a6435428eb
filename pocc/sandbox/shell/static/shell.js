/*
 * The shell's pages: the site map, a table's list (its views), a record's form (fields,
 * sub-grids, web resource controls) and a hosted web resource, each with the command
 * bar the solution's ribbon defines. Every row comes through Xrm.WebApi as the
 * signed-in person, so what D365's security refuses shows up as D365 refuses it.
 */
(function (root) {
  "use strict";

  const Xrm = root.Xrm;
  const { model, element, pageInputUrl } = Xrm.Shell;
  const FORMATTED = "@OData.Community.Display.V1.FormattedValue";
  const LOOKUP_TABLE = "@Microsoft.Dynamics.CRM.lookuplogicalname";
  const GRID_ROWS = 50;
  const content = () => root.document.getElementById("shell-content");

  const cleanId = (id) => String(id || "").replace(/[{}]/g, "").toLowerCase();
  const braced = (id) => (id ? `{${cleanId(id).toUpperCase()}}` : "");
  const metadata = (name) => model.tables[name] || { columns: {} };

  // -- site map ------------------------------------------------------------------------

  function drawSiteMap() {
    const nav = root.document.getElementById("shell-sitemap");
    nav.append(element("h2", { textContent: model.siteMap.title || "App" }));

    for (const group of model.siteMap.groups || []) {
      const list = element("ul");

      for (const item of group.items) {
        const href = item.entity
          ? pageInputUrl({ pageType: "entitylist", entityName: item.entity })
          : pageInputUrl({ pageType: "webresource", webresourceName: item.webResource });
        const current =
          (item.entity && model.page.etn === item.entity) ||
          (item.webResource && model.page.name === item.webResource);
        const link = element("a", { href, textContent: item.title });

        if (current) {
          link.setAttribute("aria-current", "page");
        }

        list.append(element("li", {}, [link]));
      }

      nav.append(element("h3", { textContent: group.title }), list);
    }
  }

  // -- values --------------------------------------------------------------------------

  /** What a grid cell shows: the formatted value when Dataverse gives one. */
  function cellText(row, name, column) {
    const key = column && column.targets ? `_${name}_value` : name;
    const value = row[key];
    const formatted = row[key + FORMATTED];

    if (formatted !== undefined) {
      return formatted;
    }

    if (value === null || value === undefined) {
      return "";
    }

    return typeof value === "boolean" ? (value ? "Yes" : "No") : String(value);
  }

  /** A value as the client API holds it (lookups as arrays, dates as Date). */
  function clientValue(row, name, column) {
    if (column.targets) {
      const id = row[`_${name}_value`];
      return id
        ? [{ id: braced(id), name: row[`_${name}_value${FORMATTED}`] || "", entityType: row[`_${name}_value${LOOKUP_TABLE}`] || column.targets[0] }]
        : null;
    }

    const value = row[name];

    if (value === undefined || value === null) {
      return null;
    }

    return column.type === "DateTime" ? new Date(value) : value;
  }

  // -- grids ---------------------------------------------------------------------------

  /** The view's FetchXML, limited to `count` rows, optionally filtered by a lookup. */
  function viewQuery(view, count, filterColumn, filterId) {
    const document = new DOMParser().parseFromString(view.fetchXml, "application/xml");
    const fetch = document.documentElement;

    if (!fetch.getAttribute("count")) {
      fetch.setAttribute("count", String(count));
    }

    if (filterColumn && filterId) {
      const entity = fetch.querySelector("entity");
      const filter = document.createElement("filter");
      filter.setAttribute("type", "and");
      const condition = document.createElement("condition");
      condition.setAttribute("attribute", filterColumn);
      condition.setAttribute("operator", "eq");
      condition.setAttribute("value", cleanId(filterId));
      filter.append(condition);
      entity.append(filter);
    }

    return `?fetchXml=${encodeURIComponent(new XMLSerializer().serializeToString(document))}`;
  }

  function refusal(error, what) {
    const box = element("div", { className: "shell-refusal" });
    box.setAttribute("role", "alert");
    const denied = /privilege/i.test(error.message || "") || error.status === 403;
    box.append(
      element("strong", {
        textContent: denied ? `You do not have permission to view ${what}.` : `${what} could not be loaded.`,
      }),
      element("p", { textContent: `Dynamics 365 answered: ${error.message}` }),
    );
    return box;
  }

  /** A grid control drawing `view`; its refresh() re-reads the rows. */
  function gridControl(view, options) {
    const table = metadata(view.table);
    const holder = element("div", { className: "shell-grid" });
    holder.dataset.entity = view.table;
    let total = 0;

    async function refresh() {
      try {
        const result = await Xrm.WebApi.retrieveMultipleRecords(
          view.table,
          viewQuery(view, options.rows || GRID_ROWS, options.filterColumn, options.filterId),
        );
        total = result.entities.length;
        holder.replaceChildren(drawTable(result.entities));
      } catch (error) {
        holder.replaceChildren(refusal(error, table.collectionName || view.table));
      }
    }

    function drawTable(rows) {
      const head = element(
        "tr",
        {},
        view.columns.map((cell) =>
          element("th", { scope: "col", textContent: (table.columns[cell.name] || {}).label || cell.name }),
        ),
      );
      const body = rows.map((row) => {
        const id = row[table.primaryId];
        const tr = element(
          "tr",
          {},
          view.columns.map((cell, index) => {
            const text = cellText(row, cell.name, table.columns[cell.name]);

            if (index === 0 && id) {
              const link = element("a", {
                href: pageInputUrl({ pageType: "entityrecord", entityName: view.table, entityId: id }),
                textContent: text || "(no name)",
              });
              return element("td", {}, [link]);
            }

            return element("td", { textContent: text });
          }),
        );
        tr.dataset.id = id || "";
        return tr;
      });
      const empty = element("tr", {}, [
        element("td", { colSpan: view.columns.length, className: "shell-empty", textContent: "No data available." }),
      ]);
      return element("table", { className: "shell-table" }, [
        element("thead", {}, [head]),
        element("tbody", {}, body.length ? body : [empty]),
      ]);
    }

    return {
      element: holder,
      refresh,
      getName: () => options.name || view.table,
      getControlType: () => options.controlType || "grid",
      getEntityName: () => view.table,
      getViewSelector: () => ({ getCurrentView: () => ({ id: braced(view.id), name: view.name }) }),
      getGrid: () => ({ getTotalRecordCount: () => total }),
      setVisible: (visible) => {
        holder.hidden = !visible;
      },
    };
  }

  // -- command bar ---------------------------------------------------------------------

  const libraries = new Map();

  /** Loads a web resource library once, as D365 does for a command's libraries. */
  function loadLibrary(name) {
    if (!libraries.has(name)) {
      libraries.set(
        name,
        new Promise((resolve, reject) => {
          const script = element("script", { src: `${model.clientUrl}/WebResources/${name}` });
          script.addEventListener("load", () => resolve());
          script.addEventListener("error", () => reject(new Error(`The web resource ${name} could not be loaded.`)));
          root.document.head.append(script);
        }),
      );
    }

    return libraries.get(name);
  }

  function resolveFunction(path) {
    return path.split(".").reduce((found, part) => (found == null ? undefined : found[part]), root);
  }

  function parameterValue(name, context) {
    switch (name) {
      case "PrimaryControl":
      case "SelectedControl":
        return context.primaryControl;
      case "PrimaryEntityTypeName":
        return model.page.etn;
      case "FirstPrimaryItemId":
        return context.recordId ? braced(context.recordId()) : null;
      default:
        return name;
    }
  }

  async function runFunction(action, context) {
    await loadLibrary(action.library);
    const target = resolveFunction(action.function);

    if (typeof target !== "function") {
      throw new Error(`${action.function} is not a function in ${action.library}.`);
    }

    return target(...action.parameters.map((name) => parameterValue(name, context)));
  }

  async function ruleAllows(rule, context) {
    if (rule.kind === "formState") {
      const creating = context.formType ? context.formType() === 1 : false;
      const matches = rule.state === "Create" ? creating : !creating;
      return rule.invert ? !matches : matches;
    }

    try {
      const answer = Boolean(await runFunction(rule, context));
      return rule.invert ? !answer : answer;
    } catch (error) {
      root.console.error("enable rule failed", error);
      return rule.default;
    }
  }

  function drawCommandBar(context, extraButtons = []) {
    const bar = root.document.getElementById("shell-commandbar");
    const buttons = [];

    for (const [label, onClick] of extraButtons) {
      const button = element("button", { type: "button", textContent: label });
      button.addEventListener("click", onClick);
      bar.append(button);
    }

    for (const definition of model.ribbon) {
      const button = element("button", { type: "button", textContent: definition.label, title: definition.tooltip });
      button.dataset.command = definition.command;
      button.addEventListener("click", async () => {
        try {
          for (const action of definition.actions) {
            await runFunction(action, context);
          }
        } catch (error) {
          await Xrm.Navigation.openErrorDialog({ message: `${definition.label} failed: ${error.message}` });
        }
      });
      bar.append(button);
      buttons.push([definition, button]);
    }

    async function refreshRibbon() {
      for (const [definition, button] of buttons) {
        const answers = await Promise.all(definition.enableRules.map((rule) => ruleAllows(rule, context)));
        button.disabled = !answers.every(Boolean);
      }

      bar.dataset.ready = "true";
    }

    return refreshRibbon;
  }

  // -- pages ---------------------------------------------------------------------------

  function drawList() {
    const table = metadata(model.page.etn);
    const views = model.views;
    const title = element("h1", { textContent: table.collectionName || model.page.etn });

    if (!views.length) {
      content().append(title, element("p", { textContent: "The solution defines no public view of this table." }));
      return;
    }

    const view = views.find((found) => found.id === model.page.viewId) || views[0];
    const picker = element(
      "select",
      { id: "shell-view-picker" },
      views.map((found) => element("option", { value: found.id, textContent: found.name, selected: found === view })),
    );
    picker.setAttribute("aria-label", "View");
    picker.addEventListener("change", () =>
      root.location.assign(pageInputUrl({ pageType: "entitylist", entityName: model.page.etn, viewId: picker.value })),
    );
    const grid = gridControl(view, { name: "grid", controlType: "grid" });
    content().append(title, picker, grid.element);
    const refreshRibbon = drawCommandBar({ primaryControl: grid }, [["Refresh", () => grid.refresh()]]);
    grid.refresh();
    refreshRibbon();
  }

  function drawWebResource() {
    const name = model.page.name;
    const parameters = new URLSearchParams({ orgname: model.org, userlcid: "1033", orglcid: "1033" });

    if (model.page.data) {
      parameters.set("data", model.page.data);
    }

    const frame = element("iframe", {
      className: "shell-webresource-page",
      title: name,
      src: `${model.clientUrl}/WebResources/${name}?${parameters}`,
    });
    frame.id = "shell-webresource";
    content().append(frame);
    drawCommandBar({ primaryControl: null });
  }

  function start() {
    drawSiteMap();

    switch (model.page.type) {
      case "entitylist":
        drawList();
        break;
      case "entityrecord":
        root.ShellForm.draw();
        break;
      case "webresource":
        drawWebResource();
        break;
      default:
        content().append(element("p", { textContent: "The solution's site map has no pages." }));
    }
  }

  root.ShellPages = {
    FORMATTED,
    cleanId,
    braced,
    metadata,
    clientValue,
    cellText,
    gridControl,
    refusal,
    drawCommandBar,
    content,
  };
  root.addEventListener("DOMContentLoaded", start);
})(window);
