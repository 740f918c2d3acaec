import { filterKnownWarnings } from '../../src/node-warnings.js';

filterKnownWarnings();
