/**
 * `import ... from 'acs-identity/worker'`
 * @packageDocumentation
 * @module acs-identity/worker
 */
export * from '../../../pkg-template/worker.js';
export { default } from '../../../pkg-template/worker.js';
