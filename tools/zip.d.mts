export interface ZipFile {
  name: string;
  data: Buffer;
  /** Unix permissions: createZip writes 0o644 when absent, readZip always returns them. */
  mode?: number;
}
export function createZip(files: ZipFile[]): Buffer;
export function readZip(buffer: Buffer): ZipFile[];
