// `npm run bench`: every benchmark, each printing its baseline and ratio from the same run.
import { benchCoreOverhead } from './core-overhead.ts';

await benchCoreOverhead();
