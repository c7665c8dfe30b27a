/**
 * `import ... from 'acs-identity/credential'`
 * @packageDocumentation
 * @module acs-identity/credential
 */
export * from '../../../pkg-template/credential.js';
