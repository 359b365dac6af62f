/** Where the command line writes: stdout for results, stderr for diagnostics. Injectable for tests. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** stderr is a terminal (progress lines by default with --input). */
  readonly stderrIsTty?: boolean;
}

let epipeGuarded = false;

/** The process's own streams. A closed pipe (`sealcheck --help | head -1`) is not an error. */
export function processIo(): CliIo {
  if (!epipeGuarded) {
    epipeGuarded = true;
    for (const stream of [process.stdout, process.stderr]) {
      stream.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code !== 'EPIPE') throw err;
      });
    }
  }
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    stderrIsTty: process.stderr.isTTY,
  };
}
