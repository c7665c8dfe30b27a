/**
 * `import ... from 'acs-identity/sign'`
 * @packageDocumentation
 * @module acs-identity/sign
 */
export * from '../../../pkg-template/sign.js';
