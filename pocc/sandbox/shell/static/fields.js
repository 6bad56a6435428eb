/*
 * The form's fields: attributes as the client API holds their values (lookups as
 * arrays, dates as Date), the inputs that edit them, and the Web API payload a save
 * sends (lookups as @odata.bind to the target's entity set).
 */
(function (root) {
  "use strict";

  const Xrm = root.Xrm;
  const { element } = Xrm.Shell;
  const pages = () => root.ShellPages;

  function attributeType(column) {
    if (column.targets) {
      return "lookup";
    }

    return (
      {
        Boolean: "boolean",
        DateTime: "datetime",
        Picklist: "optionset",
        State: "optionset",
        Status: "optionset",
        Integer: "integer",
        BigInt: "integer",
        Decimal: "decimal",
        Double: "double",
        Money: "money",
        Memo: "memo",
      }[column.type] || "string"
    );
  }

  function makeAttribute(name, column, value) {
    let current = value;
    let dirty = false;
    const handlers = [];
    const controls = [];
    const attribute = {
      getName: () => name,
      getValue: () => current,
      setValue(next) {
        current = next;
        dirty = true;
        controls.forEach((control) => control.show(current));
      },
      getIsDirty: () => dirty,
      getAttributeType: () => attributeType(column),
      getRequiredLevel: () => (column.required === "ApplicationRequired" || column.required === "SystemRequired" ? "required" : "none"),
      setRequiredLevel() {},
      addOnChange: (handler) => handlers.push(handler),
      removeOnChange(handler) {
        const index = handlers.indexOf(handler);

        if (index >= 0) {
          handlers.splice(index, 1);
        }
      },
      fireOnChange() {
        handlers.forEach((handler) => handler({ getEventSource: () => attribute }));
      },
      getOptions: () => (column.choices || []).map(([value, text]) => ({ value, text })),
      controls: { get: () => controls.slice() },
      // The shell's own: used by save and by the controls.
      markSaved() {
        dirty = false;
      },
      changedByUser(next) {
        current = next;
        dirty = true;
        attribute.fireOnChange();
      },
      bindControl: (control) => controls.push(control),
      column,
    };
    return attribute;
  }

  /** The payload of a create or update: changed columns, lookups as @odata.bind. */
  function payload(attributes, onlyDirty) {
    const body = {};

    for (const attribute of attributes.values()) {
      if (onlyDirty && !attribute.getIsDirty()) {
        continue;
      }

      const { column } = attribute;
      const value = attribute.getValue();

      if (column.targets) {
        if (value && value.length) {
          const target = pages().metadata(value[0].entityType);
          body[`${column.navigation}@odata.bind`] = `/${target.entitySet}(${pages().cleanId(value[0].id)})`;
        }
      } else if (value instanceof Date) {
        body[attribute.getName()] = value.toISOString().replace(/\.\d{3}Z$/, "Z");
      } else {
        body[attribute.getName()] = value;
      }
    }

    return body;
  }

  function fieldInput(attribute, disabled) {
    const { column } = attribute;
    const type = attributeType(column);
    let input;

    if (type === "optionset" || type === "boolean") {
      const options = type === "boolean" ? [[true, "Yes"], [false, "No"]] : column.choices || [];
      input = element("select", {}, [
        element("option", { value: "", textContent: "---" }),
        ...options.map(([value, text]) => element("option", { value: String(value), textContent: text })),
      ]);
      input.addEventListener("change", () => {
        const raw = input.value;
        attribute.changedByUser(raw === "" ? null : type === "boolean" ? raw === "true" : Number(raw));
      });
    } else if (type === "lookup") {
      input = element("select", {}, [element("option", { value: "", textContent: "---" })]);
      input.addEventListener("focus", () => fillLookup(input, attribute), { once: true });
      input.addEventListener("change", () => {
        const option = input.selectedOptions[0];
        attribute.changedByUser(
          option && option.value
            ? [{ id: `{${option.value.toUpperCase()}}`, name: option.textContent, entityType: option.dataset.table }]
            : null,
        );
      });
    } else if (type === "memo") {
      input = element("textarea", { rows: 6 });
      input.addEventListener("change", () => attribute.changedByUser(input.value || null));
    } else {
      input = element("input", { type: "text" });
      input.addEventListener("change", () => {
        const numeric = ["integer", "decimal", "double", "money"].includes(type);
        attribute.changedByUser(input.value === "" ? null : numeric ? Number(input.value) : input.value);
      });
    }

    input.disabled = disabled;
    input.name = attribute.getName();
    return input;
  }

  /** A lookup's choices: the first rows of its target table the person may read. */
  async function fillLookup(select, attribute) {
    const table = pages().metadata(attribute.column.targets[0]);

    try {
      const result = await Xrm.WebApi.retrieveMultipleRecords(
        table.logicalName,
        `?$select=${table.primaryName}&$orderby=${table.primaryName} asc&$top=50`,
      );
      const current = (attribute.getValue() || [])[0];
      const options = result.entities
        .filter((row) => !current || pages().cleanId(current.id) !== row[table.primaryId])
        .map((row) => {
          const option = element("option", { value: row[table.primaryId], textContent: row[table.primaryName] || "(no name)" });
          option.dataset.table = table.logicalName;
          return option;
        });
      select.append(...options);
    } catch (error) {
      select.title = error.message;
    }
  }

  function showValue(input, attribute) {
    const value = attribute.getValue();
    const type = attributeType(attribute.column);

    if (type === "lookup") {
      const chosen = (value || [])[0];

      if (chosen && ![...input.options].some((option) => option.value === pages().cleanId(chosen.id))) {
        const option = element("option", { value: pages().cleanId(chosen.id), textContent: chosen.name || "(no name)" });
        option.dataset.table = chosen.entityType;
        input.append(option);
      }

      input.value = chosen ? pages().cleanId(chosen.id) : "";
    } else if (value instanceof Date) {
      input.value = value.toISOString().slice(0, 16).replace("T", " ") + " UTC";
    } else {
      input.value = value === null || value === undefined ? "" : String(value);
    }
  }

  root.ShellFields = { attributeType, makeAttribute, payload, fieldInput, showValue };
})(window);
