/**
 * `import ... from 'acs-identity/emulator'`
 * @packageDocumentation
 * @module acs-identity/emulator
 */
export * from '../../../emulator/emulator.js';
