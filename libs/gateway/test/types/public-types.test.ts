// Runs the type tests of @sockline/gateway (the `*.test-d.ts` files beside this file) with TypeScript 5.
import { it } from 'node:test';
import { checkTypeTests } from '@sockline/e2e/support';

it('the public types keep their promises under TypeScript 5 (types/*.test-d.ts)', () =>
  checkTypeTests(new URL('../../test/types/', import.meta.url)));
