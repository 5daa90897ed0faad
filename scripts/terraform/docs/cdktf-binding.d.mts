import type { TerraformModuleDoc } from './module.mjs';
export function renderCdktfBinding(
  module: TerraformModuleDoc,
  options: { className: string; source: string; version: string; generator: string },
): string;
export function typeScript(expression: string): string;
