/** Output files of the commands. */
import { renameSync, writeFileSync } from 'node:fs';

/** Write through a temporary file, so that a failure never leaves half a file behind. */
export function writeAtomically(file: string, content: string | Buffer): void {
  const temporary = `${file}.partial-${process.pid}`;
  writeFileSync(temporary, content);
  renameSync(temporary, file);
}
