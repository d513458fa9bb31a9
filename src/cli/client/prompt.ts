import { createInterface } from 'node:readline/promises';
import { CliError } from './api.js';

/** The first line of standard input (a password piped in by a script). */
export async function readStdinLine(what: string): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) {
    text += String(chunk);
    if (text.includes('\n')) break;
  }
  const line = text.split(/\r?\n/)[0] ?? '';
  if (!line) throw new CliError(`${what} is required on standard input.`);
  return line;
}

/** Asks on the terminal; `secret` hides what is typed. */
export async function ask(question: string, secret = false): Promise<string> {
  if (!process.stdin.isTTY) throw new CliError(`${question.replace(/: $/, '')} is required (no terminal to ask on).`);
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  if (secret) {
    const write = (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput.bind(rl);
    (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => write(s.startsWith(question) ? s : '');
  }
  try {
    const answer = (await rl.question(question)).trim();
    if (secret) process.stdout.write('\n');
    if (!answer) throw new CliError(`${question.replace(/: $/, '')} is required.`);
    return answer;
  } finally {
    rl.close();
  }
}
