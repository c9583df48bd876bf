/**
 * `npm run test:heavy`: tests too slow for `npm test` on a 2-core machine (README "Tests").
 * Same transform as jest.config.js; files end in `.heavy.ts` so `npm test` never picks them up.
 */
const base = require('./jest.config.js');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  testMatch: ['**/*.heavy.ts'],
  testTimeout: 3_600_000,
};
