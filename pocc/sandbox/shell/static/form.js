/*
 * A record's main form and its form context (formContext / Xrm.Page): attributes,
 * controls, sub-grids, web resource controls, form notifications and save. Values are
 * read and written through Xrm.WebApi as the signed-in person; fields.js holds the
 * attributes and their inputs.
 */
(function (root) {
  "use strict";

  const Xrm = root.Xrm;
  const { model, element, pageInputUrl } = Xrm.Shell;
  const pages = () => root.ShellPages;
  const FORM_CREATE = 1;
  const FORM_UPDATE = 2;
  const NOTIFICATION_LEVELS = { ERROR: "error", WARNING: "warning", INFO: "info" };
  const { makeAttribute, payload, fieldInput, showValue } = root.ShellFields;

  function draw() {
    const etn = model.page.etn;
    const table = pages().metadata(etn);
    const attributes = new Map();
    const controls = new Map();
    const grids = [];
    const notifications = root.document.getElementById("shell-form-notifications");
    let recordId = model.page.id;
    let refreshRibbon = async () => {};

    const fields = [];

    for (const tab of model.form) {
      for (const section of tab.sections) {
        for (const control of section.controls) {
          if (control.kind === "field" && table.columns[control.field]) {
            fields.push(control.field);
          }
        }
      }
    }

    for (const name of new Set([...fields, table.primaryName])) {
      if (table.columns[name]) {
        attributes.set(name, makeAttribute(name, table.columns[name], null));
      }
    }

    const formContext = {
      data: {
        entity: {
          getId: () => pages().braced(recordId),
          getEntityName: () => etn,
          getPrimaryAttributeValue: () => {
            const attribute = attributes.get(table.primaryName);
            return attribute ? attribute.getValue() : null;
          },
          getIsDirty: () => [...attributes.values()].some((attribute) => attribute.getIsDirty()),
          attributes: { get: () => [...attributes.values()] },
          save: () => save(),
        },
        save: () => save(),
        refresh: async (saveFirst) => {
          if (saveFirst) {
            await save();
          }

          await load();
        },
      },
      getAttribute: (name) => (name === undefined ? [...attributes.values()] : attributes.get(name) || null),
      getControl: (name) => (name === undefined ? [...controls.values()] : controls.get(name) || null),
      ui: {
        getFormType: () => (recordId ? FORM_UPDATE : FORM_CREATE),
        setFormNotification(message, level, uniqueId) {
          clearNotification(uniqueId);
          const bar = element("div", { className: `shell-notification shell-${NOTIFICATION_LEVELS[level] || "info"}`, textContent: message });
          bar.dataset.notificationId = uniqueId;
          bar.setAttribute("role", level === "ERROR" ? "alert" : "status");
          notifications.append(bar);
          return true;
        },
        clearFormNotification: (uniqueId) => clearNotification(uniqueId),
        controls: { get: (which) => pick([...controls.values()], which) },
        refreshRibbon: () => refreshRibbon(),
        close: () => root.history.back(),
      },
    };

    function clearNotification(uniqueId) {
      const found = [...notifications.children].find((bar) => bar.dataset.notificationId === uniqueId);

      if (found) {
        found.remove();
        return true;
      }

      return false;
    }

    async function load() {
      if (!recordId) {
        return;
      }

      const select = [...attributes.values()]
        .map((attribute) => (attribute.column.targets ? `_${attribute.getName()}_value` : attribute.getName()))
        .join(",");

      try {
        const row = await Xrm.WebApi.retrieveRecord(etn, recordId, `?$select=${select}`);

        for (const attribute of attributes.values()) {
          attribute.setValue(pages().clientValue(row, attribute.getName(), attribute.column));
          attribute.markSaved();
        }

        root.document.getElementById("shell-record-title").textContent =
          formContext.data.entity.getPrimaryAttributeValue() || table.displayName;
      } catch (error) {
        content().replaceChildren(pages().refusal(error, `this ${table.displayName}`));
      }
    }

    async function save() {
      const creating = !recordId;
      const body = payload(attributes, !creating);

      if (!creating && !Object.keys(body).length) {
        return;
      }

      try {
        if (creating) {
          const created = await Xrm.WebApi.createRecord(etn, body);
          recordId = created.id;
          root.history.replaceState(null, "", pageInputUrl({ pageType: "entityrecord", entityName: etn, entityId: recordId }));
        } else {
          await Xrm.WebApi.updateRecord(etn, recordId, body);
        }

        attributes.forEach((attribute) => attribute.markSaved());
        formContext.ui.clearFormNotification("shell-save");
        await load();
        await refreshRibbon();
      } catch (error) {
        formContext.ui.setFormNotification(`The record was not saved: ${error.message}`, "ERROR", "shell-save");
        throw error;
      }
    }

    function content() {
      return pages().content();
    }

    function fieldControl(definition) {
      const attribute = attributes.get(definition.field);
      const column = table.columns[definition.field] || {};
      const input = fieldInput(attribute, definition.disabled);
      const label = element("label", { textContent: definition.label || column.label || definition.field });
      const control = {
        getName: () => definition.id,
        getControlType: () => (column.targets ? "lookup" : column.choices ? "optionset" : "standard"),
        getAttribute: () => attribute,
        getLabel: () => label.textContent,
        setLabel: (text) => {
          label.textContent = text;
        },
        getDisabled: () => input.disabled,
        setDisabled: (disabled) => {
          input.disabled = disabled;
        },
        getVisible: () => !wrapper.hidden,
        setVisible: (visible) => {
          wrapper.hidden = !visible;
        },
        setNotification: (message) => {
          input.setCustomValidity(message);
          input.title = message;
          return true;
        },
        clearNotification: () => {
          input.setCustomValidity("");
          input.title = "";
          return true;
        },
        show: () => showValue(input, attribute),
      };
      const wrapper = element("div", { className: "shell-field" }, [label, input]);
      label.htmlFor = input.id = `field-${definition.id}`;
      attribute.bindControl(control);
      controls.set(definition.id, control);
      return wrapper;
    }

    function subgridControl(definition) {
      const holder = element("div", { className: "shell-subgrid" });

      if (!definition.view) {
        holder.append(element("p", { textContent: `The view of sub-grid ${definition.id} is not in the solution.` }));
        return holder;
      }

      const grid = pages().gridControl(definition.view, {
        name: definition.id,
        controlType: "subgrid",
        rows: definition.rows,
        filterColumn: definition.filterColumn,
        filterId: recordId,
      });
      grid.element.dataset.control = definition.id;
      controls.set(definition.id, grid);
      grids.push(grid);
      holder.append(element("h3", { textContent: definition.label }), grid.element);
      return holder;
    }

    function webResourceControl(definition) {
      const parameters = new URLSearchParams();

      if (definition.passParameters) {
        parameters.set("id", pages().braced(recordId));
        parameters.set("typename", etn);
        parameters.set("orgname", model.org);
        parameters.set("userlcid", "1033");
      }

      const frame = element("iframe", {
        className: "shell-webresource-control",
        title: definition.label || definition.name,
        src: `${model.clientUrl}/WebResources/${definition.name}${parameters.size ? `?${parameters}` : ""}`,
      });
      frame.dataset.control = definition.id;
      const loaded = new Promise((resolve) => frame.addEventListener("load", () => resolve(frame.contentWindow), { once: true }));
      controls.set(definition.id, {
        getName: () => definition.id,
        getControlType: () => "webresource",
        getContentWindow: () => loaded,
        getObject: () => frame,
        getSrc: () => frame.src,
        setVisible: (visible) => {
          frame.hidden = !visible;
        },
      });
      return frame;
    }

    function drawControl(definition) {
      if (definition.kind === "field" && attributes.has(definition.field)) {
        return fieldControl(definition);
      }

      if (definition.kind === "subgrid") {
        return recordId ? subgridControl(definition) : element("p", { textContent: `${definition.label}: save the record first.` });
      }

      if (definition.kind === "webresource") {
        return webResourceControl(definition);
      }

      return element("div");
    }

    const title = element("h1", { id: "shell-record-title", textContent: recordId ? table.displayName : `New ${table.displayName}` });
    const tabs = model.form.map((tab) =>
      element("section", { className: "shell-tab" }, [
        element("h2", { textContent: tab.label }),
        ...tab.sections.map((section) =>
          element("fieldset", { className: "shell-section" }, [
            ...(section.showLabel ? [element("legend", { textContent: section.label })] : []),
            ...section.controls.map(drawControl),
          ]),
        ),
      ]),
    );
    content().append(element("p", { className: "shell-table-name", textContent: table.displayName }), title, ...tabs);
    Xrm.Page = formContext;

    const context = { primaryControl: formContext, formType: () => formContext.ui.getFormType(), recordId: () => recordId };
    const saveButton = ["Save", () => save().catch(() => {})];
    const backButton = ["Back to list", () => root.location.assign(pageInputUrl({ pageType: "entitylist", entityName: etn }))];
    refreshRibbon = pages().drawCommandBar(context, [backButton, saveButton]);

    load().then(() => {
      grids.forEach((grid) => grid.refresh());
      return refreshRibbon();
    });
  }

  function pick(list, which) {
    if (typeof which === "number") {
      return list[which];
    }

    if (typeof which === "string") {
      return list.find((item) => item.getName() === which) || null;
    }

    if (typeof which === "function") {
      return list.filter((item, index) => which(item, index));
    }

    return list;
  }

  root.ShellForm = { draw };
})(window);
