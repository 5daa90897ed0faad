import type { TerraformModuleDoc } from './module.mjs';
export function renderMarkdownTable(module: TerraformModuleDoc): string;
export function sanitizeMarkdownTable(text: string): string;
