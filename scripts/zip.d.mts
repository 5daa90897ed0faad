export interface ZipFile {
  name: string;
  data: Buffer;
}
export function createZip(files: ZipFile[]): Buffer;
export function readZip(buffer: Buffer): ZipFile[];
