/**
 * `import ... from 'acs-identity/slim'`
 * @packageDocumentation
 * @module acs-identity/slim
 */
export * from '../../../pkg-template/slim.js';
