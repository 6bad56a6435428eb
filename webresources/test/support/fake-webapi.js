"use strict";
/*
 * An in-memory Xrm.WebApi: rows per table, a log of every call, and errors shaped as
 * Xrm.WebApi rejects with ({errorCode, message}) to make any call fail.
 */

const { randomUUID } = require("node:crypto");

// What Xrm.WebApi reports when Dataverse answers 0x80040220 (privilege denied).
const PRIVILEGE_DENIED = -2147220960;

function privilegeError(privilege, table) {
  return {
    errorCode: PRIVILEGE_DENIED,
    message:
      "Principal user (Id=5b7a1e20-0000-0000-0000-000000000001, type=8, roleCount=1) is " +
      `missing ${privilege} privilege (Id=6f1c2d34-0000-0000-0000-000000000002) on ` +
      `OTC=10001 for entity '${table}'.`,
  };
}

class FakeWebApi {
  constructor() {
    this.tables = new Map();
    this.calls = [];
    this.failures = [];
    this.queries = new Map();
    this.reads = new Map();
  }

  rows(table) {
    if (!this.tables.has(table)) {
      this.tables.set(table, new Map());
    }

    return this.tables.get(table);
  }

  seed(table, row) {
    const id = row[`${table}id`] || randomUUID();
    this.rows(table).set(id, { ...row, [`${table}id`]: id });
    return id;
  }

  /** Makes the next call of `method` on `table` reject with `error`. */
  failNext(method, table, error) {
    this.failures.push({ method, table, error });
  }

  /** Answers retrieveMultipleRecords on `table` with `answer(options)`. */
  answerQuery(table, answer) {
    this.queries.set(table, answer);
  }

  /** Answers retrieveRecord on `table` with `answer(id, options, stored)`. */
  answerRead(table, answer) {
    this.reads.set(table, answer);
  }

  callsOf(method, table) {
    return this.calls.filter((call) => call.method === method && (!table || call.table === table));
  }

  async enter(method, table, details) {
    this.calls.push({ method, table, ...details });
    const index = this.failures.findIndex((item) => item.method === method && item.table === table);

    if (index >= 0) {
      const [failure] = this.failures.splice(index, 1);
      throw failure.error;
    }
  }

  async createRecord(table, record) {
    await this.enter("createRecord", table, { record });
    const id = this.seed(table, record);
    return { entityType: table, id: `{${id.toUpperCase()}}` };
  }

  async updateRecord(table, id, data) {
    await this.enter("updateRecord", table, { id, data });
    const row = this.rows(table).get(id);

    if (!row) {
      throw { errorCode: -2147220969, message: `${table} With Id = ${id} Does Not Exist` };
    }

    Object.assign(row, data);
    return { entityType: table, id };
  }

  async retrieveRecord(table, id, options) {
    await this.enter("retrieveRecord", table, { id, options });
    const stored = this.rows(table).get(id);

    if (this.reads.has(table)) {
      return this.reads.get(table)(id, options, stored);
    }

    if (!stored) {
      throw { errorCode: -2147220969, message: `${table} With Id = ${id} Does Not Exist` };
    }

    return { ...stored };
  }

  async retrieveMultipleRecords(table, options, maxPageSize) {
    await this.enter("retrieveMultipleRecords", table, { options, maxPageSize });

    if (this.queries.has(table)) {
      return this.queries.get(table)(options, maxPageSize);
    }

    return { entities: [...this.rows(table).values()].map((row) => ({ ...row })) };
  }
}

module.exports = { FakeWebApi, privilegeError, PRIVILEGE_DENIED };
