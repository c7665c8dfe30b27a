/**
 * `import ... from 'acs-identity'`
 * @packageDocumentation
 * @module acs-identity
 */
export * from '../../../pkg-template/index.js';
