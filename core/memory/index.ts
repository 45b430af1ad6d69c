export type { GetMemoryOptions, MemoryInput, MemoryOptions } from './memory.ts';
export { Memory } from './memory.ts';
export type { MemoryFactory, SessionId } from './memory-manager.ts';
export { DEFAULT_SESSION_ID, MemoryManager } from './memory-manager.ts';
