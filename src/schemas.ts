/**
 * The Avro schemas shipped in schemas/ (the public contract of the input and dead-letter
 * topics), read from next to the code: ../schemas from src/ (tsx, vitest), ../../schemas from
 * dist/src/ (built).
 */
import { readFileSync } from 'node:fs';
import { SyncError } from './errors.js';

export function readSchema(name: 'membership-change' | 'dead-letter'): object {
  for (const rel of [`../schemas/${name}.avsc`, `../../schemas/${name}.avsc`]) {
    try {
      return JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as object;
    } catch {
      /* try the built layout */
    }
  }
  throw new SyncError('INTERNAL', `schemas/${name}.avsc not found next to the code`);
}
