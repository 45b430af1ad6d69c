// `npm run bench`: every benchmark, each printing its baseline and ratio from the same run.
// BENCH_ONLY=core|sandbox|kernel|neighbours|queue|js|service|mcp|fresh runs one of them.
import { benchCoreOverhead } from './core-overhead.ts';
import { benchFresh } from './fresh.ts';
import { benchJsSandbox } from './js-sandbox.ts';
import { benchKernelStart } from './kernel-start.ts';
import { benchMcp } from './mcp.ts';
import { benchNeighbours } from './neighbours.ts';
import { benchQueue } from './queue.ts';
import { benchSandbox } from './sandbox.ts';
import { benchService } from './service.ts';

const only = process.env['BENCH_ONLY'];
if (!only || only === 'core') await benchCoreOverhead();
if (!only || only === 'sandbox') await benchSandbox();
if (!only || only === 'kernel') await benchKernelStart();
if (!only || only === 'neighbours') await benchNeighbours();
if (!only || only === 'queue') await benchQueue();
if (!only || only === 'js') await benchJsSandbox();
if (!only || only === 'service') await benchService();
if (!only || only === 'mcp') await benchMcp();
if (!only || only === 'fresh') await benchFresh();
