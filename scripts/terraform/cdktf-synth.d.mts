export function synthesize(projectDir: string, outdir: string): string[];
export function useLocalModule(stackDir: string, registrySource: string, localDir: string): number;
