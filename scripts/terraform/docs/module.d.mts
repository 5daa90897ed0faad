export interface TerraformModuleDoc {
  requirements: { name: string; version: string }[];
  providers: { name: string; version: string }[];
  modules: { name: string; source: string; version: string }[];
  resources: {
    provider: string;
    alias: string;
    type: string;
    name: string;
    mode: 'managed' | 'data';
    source: string;
    version: string;
  }[];
  inputs: { name: string; description: string; type: string; default: unknown; required: boolean }[];
  outputs: { name: string; description: string }[];
}
export function loadModule(dir: string): TerraformModuleDoc;
