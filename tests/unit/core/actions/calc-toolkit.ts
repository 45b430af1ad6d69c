// The toolkit of the inventory's verified executor table: Lagent's `Calc.add(a: int, b: int = 1)`,
// plus a `div` that throws, for the API_ERROR row.
import { z } from 'zod';
import { defineToolApi, defineToolkit } from '../../../../core/index.ts';
import type { Action } from '../../../../core/index.ts';

export function createCalc(): Action {
  return defineToolkit({
    name: 'Calc',
    description: 'A calculator',
    apis: {
      add: defineToolApi({
        description: 'Add operation',
        parameters: z.object({
          a: z.number().int().describe('augend'),
          b: z.number().int().default(1),
        }),
        execute: ({ a, b }) => a + b,
      }),
      div: defineToolApi({
        description: 'Division',
        parameters: z.object({ a: z.number(), b: z.number() }),
        execute: ({ a, b }) => {
          if (b === 0) throw new Error('division by zero');
          return a / b;
        },
      }),
    },
  });
}
