// In-memory state of one emulated ACS resource, optionally persisted to a JSON file.
//
// Every mutating method is synchronous (lookup, change and persistence happen without an
// `await` in between), so concurrent requests in this single process can never interleave
// inside one operation: no lost or duplicated identity, and customId creation is atomic.
// When a data file is set, each mutation is written atomically (temp file + fsync + rename +
// directory fsync) before the method returns, i.e. before the response is sent.

import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { loadOrCreateSigningKey } from './tokens.mjs';

const FORMAT = 'acs-identity-emulator/1';

/**
 * @typedef {object} IdentityRecord
 * @property {string} id                 raw id `8:acs:<resource>_<id>`
 * @property {string} [customId]
 * @property {number} createdAt          epoch ms
 * @property {number} [lastTokenIssuedAt] epoch ms
 * @property {number} [revokedAt]        epoch ms: tokens issued before are revoked
 * @property {number} [deletedAt]        epoch ms: the identity is deleted (kept as a tombstone)
 */

export class Store {
  /**
   * @param {object} init
   * @param {string} init.resourceId
   * @param {import('./tokens.mjs').SigningKey} init.signingKey
   * @param {string | undefined} init.accessKey
   * @param {number} init.nextSeq
   * @param {IdentityRecord[]} init.identities
   * @param {string | undefined} init.dataFile
   */
  constructor({ resourceId, signingKey, accessKey, nextSeq, identities, dataFile }) {
    this.resourceId = resourceId;
    this.signingKey = signingKey;
    this.accessKey = accessKey;
    this.nextSeq = nextSeq;
    this.dataFile = dataFile;
    /** @type {Map<string, IdentityRecord>} */
    this.identities = new Map();
    /** @type {Map<string, string>} customId → raw id (live identities only) */
    this.customIds = new Map();
    for (const rec of identities) {
      this.identities.set(rec.id, rec);
      if (rec.customId !== undefined && rec.deletedAt === undefined) this.customIds.set(rec.customId, rec.id);
    }
  }

  /**
   * Open the state: load `dataFile` when it exists, else start fresh (and write it at once).
   * @param {{dataFile?: string, accessKey?: string}} [options]
   * @returns {Store}
   */
  static open({ dataFile, accessKey } = {}) {
    if (dataFile && fs.existsSync(dataFile)) {
      let data;
      try {
        data = JSON.parse(fs.readFileSync(dataFile, 'utf8'));
      } catch (e) {
        throw new Error(`Cannot read emulator data file '${dataFile}': ${e.message}`);
      }
      if (data?.format !== FORMAT) {
        throw new Error(`'${dataFile}' is not an ACS Identity emulator data file (format '${data?.format}').`);
      }
      const store = new Store({
        resourceId: data.resourceId,
        signingKey: loadOrCreateSigningKey(data.signingKey),
        accessKey: accessKey ?? data.accessKey,
        nextSeq: data.nextSeq,
        identities: data.identities,
        dataFile,
      });
      if (store.accessKey !== data.accessKey) store.persist();
      return store;
    }
    const store = new Store({
      resourceId: randomUUID(),
      signingKey: loadOrCreateSigningKey(),
      accessKey,
      nextSeq: 1,
      identities: [],
      dataFile,
    });
    store.persist();
    return store;
  }

  /** Write the state atomically (no-op without a data file). */
  persist() {
    if (!this.dataFile) return;
    const data = {
      format: FORMAT,
      resourceId: this.resourceId,
      accessKey: this.accessKey,
      signingKey: this.signingKey.pem,
      nextSeq: this.nextSeq,
      identities: [...this.identities.values()],
    };
    const file = path.resolve(this.dataFile);
    const dir = path.dirname(file);
    const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    const fd = fs.openSync(tmp, 'w', 0o600);
    try {
      fs.writeSync(fd, JSON.stringify(data));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
    try {
      const dfd = fs.openSync(dir, 'r');
      try {
        fs.fsyncSync(dfd);
      } finally {
        fs.closeSync(dfd);
      }
    } catch {
      // Directory fsync is not supported everywhere (e.g. Windows); the rename is still atomic.
    }
  }

  /** A fresh, unique id in the service's shape. */
  #newRawId() {
    for (;;) {
      const r = randomBytes(10).toString('hex');
      const seq = (this.nextSeq++ % 0x1000000).toString(16).padStart(6, '0');
      const local = `000000${r.slice(0, 2)}-${r.slice(2, 6)}-${r.slice(6, 10)}-${r.slice(10, 14)}-${r.slice(14, 20)}${seq}`;
      const id = `8:acs:${this.resourceId}_${local}`;
      if (!this.identities.has(id)) return id;
    }
  }

  /**
   * Create an identity, or return the live one that already has `customId`.
   * Synchronous, so atomic with respect to concurrent requests.
   * @param {{customId?: string, nowMs: number}} p
   * @returns {{record: IdentityRecord, created: boolean}}
   */
  createIdentity({ customId, nowMs }) {
    if (customId !== undefined) {
      const existing = this.customIds.get(customId);
      if (existing !== undefined) return { record: /** @type {IdentityRecord} */ (this.identities.get(existing)), created: false };
    }
    /** @type {IdentityRecord} */
    const record = { id: this.#newRawId(), createdAt: nowMs };
    if (customId !== undefined) {
      record.customId = customId;
      this.customIds.set(customId, record.id);
    }
    this.identities.set(record.id, record);
    this.persist();
    return { record, created: true };
  }

  /**
   * The live identity with this raw id, or undefined (unknown or deleted).
   * @param {string} rawId
   */
  getLive(rawId) {
    const rec = this.identities.get(rawId);
    return rec && rec.deletedAt === undefined ? rec : undefined;
  }

  /**
   * Any identity ever created here, deleted ones included.
   * @param {string} rawId
   */
  getAny(rawId) {
    return this.identities.get(rawId);
  }

  /**
   * Note that a token was issued (for `lastTokenIssuedAt`).
   * @param {IdentityRecord} rec
   * @param {number} nowMs
   */
  recordTokenIssued(rec, nowMs) {
    rec.lastTokenIssuedAt = nowMs;
    this.persist();
  }

  /**
   * Revoke every token issued to the identity before now.
   * @param {IdentityRecord} rec
   * @param {number} nowMs
   */
  revoke(rec, nowMs) {
    rec.revokedAt = nowMs;
    this.persist();
  }

  /**
   * Delete an identity: its tokens are revoked and its customId is freed.
   * @param {IdentityRecord} rec
   * @param {number} nowMs
   */
  delete(rec, nowMs) {
    rec.deletedAt = nowMs;
    rec.revokedAt = nowMs;
    if (rec.customId !== undefined && this.customIds.get(rec.customId) === rec.id) this.customIds.delete(rec.customId);
    this.persist();
  }

  /** Counts for /emulator/stats. */
  counts() {
    let live = 0;
    let deleted = 0;
    for (const rec of this.identities.values()) {
      if (rec.deletedAt === undefined) live++;
      else deleted++;
    }
    return { identities: live, deletedIdentities: deleted, customIds: this.customIds.size };
  }
}
