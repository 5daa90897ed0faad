import type { ZipFile } from '../tools/zip.mjs';

export const LAMBDAS: readonly string[];
/** The Lambda runtimes the bundles are built for, oldest first. */
export const RUNTIMES: readonly string[];
export function nodeMajorOf(runtime: string): number;
/** esbuild's target, e.g. `node22`: the Node of the oldest runtime. */
export const TARGET: string;
export const ESM_REQUIRE_BANNER: string;
export function bundle(entry: string, options?: { minify?: boolean }): Promise<ZipFile[]>;
