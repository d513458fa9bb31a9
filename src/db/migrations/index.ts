import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261121000000 } from './Migration20261121000000.js';
import { Migration20261122000000 } from './Migration20261122000000.js';
import { Migration20261122010000 } from './Migration20261122010000.js';
import { Migration20261122020000 } from './Migration20261122020000.js';
import { Migration20261122030000 } from './Migration20261122030000.js';
import { Migration20261201000000 } from './Migration20261201000000.js';
import { Migration20261201010000 } from './Migration20261201010000.js';
import { Migration20261202000000 } from './Migration20261202000000.js';
import { Migration20261202010000 } from './Migration20261202010000.js';
import { Migration20261202020000 } from './Migration20261202020000.js';
import { Migration20261202030000 } from './Migration20261202030000.js';
import { Migration20261202040000 } from './Migration20261202040000.js';
import { Migration20261202050000 } from './Migration20261202050000.js';
import { Migration20261202060000 } from './Migration20261202060000.js';
import { Migration20261204000000 } from './Migration20261204000000.js';
import { Migration20261204010000 } from './Migration20261204010000.js';
import { Migration20261204020000 } from './Migration20261204020000.js';
import { Migration20261204030000 } from './Migration20261204030000.js';
import { Migration20261204040000 } from './Migration20261204040000.js';

/** Every migration, in order. Listed explicitly so the compiled app needs no file globbing. */
export const migrationsList: MigrationObject[] = [
  { name: 'Migration20261121000000', class: Migration20261121000000 },
  { name: 'Migration20261122000000', class: Migration20261122000000 },
  { name: 'Migration20261122010000', class: Migration20261122010000 },
  { name: 'Migration20261122020000', class: Migration20261122020000 },
  { name: 'Migration20261122030000', class: Migration20261122030000 },
  { name: 'Migration20261201000000', class: Migration20261201000000 },
  { name: 'Migration20261201010000', class: Migration20261201010000 },
  { name: 'Migration20261202000000', class: Migration20261202000000 },
  { name: 'Migration20261202010000', class: Migration20261202010000 },
  { name: 'Migration20261202020000', class: Migration20261202020000 },
  { name: 'Migration20261202030000', class: Migration20261202030000 },
  { name: 'Migration20261202040000', class: Migration20261202040000 },
  { name: 'Migration20261202050000', class: Migration20261202050000 },
  { name: 'Migration20261202060000', class: Migration20261202060000 },
  { name: 'Migration20261204000000', class: Migration20261204000000 },
  { name: 'Migration20261204010000', class: Migration20261204010000 },
  { name: 'Migration20261204020000', class: Migration20261204020000 },
  { name: 'Migration20261204030000', class: Migration20261204030000 },
  { name: 'Migration20261204040000', class: Migration20261204040000 },
];
