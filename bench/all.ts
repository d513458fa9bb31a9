/**
 * `npm run bench`: every benchmark in bench/, one after the other, each with
 * sizes that keep the whole run under 15 minutes on a 2-core machine, each
 * printing its figure next to a baseline measured in the same run. Writes
 * BENCHMARKS.md (figures, machine, command lines).
 *
 *   npm run bench [-- --only load,subscribers] [-- --out BENCHMARKS.md]
 */
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { machine } from './support/harness.js';

interface Bench {
  name: string;
  file: string;
  args: string[];
  what: string;
  /** Earlier figures this run is read against (kept in the report). */
  history?: string;
}

const BENCHES: Bench[] = [
  { name: 'ingest', file: 'ingest.js', args: ['--photos', '80'], what: 'photos through the whole pipeline (faces off) against the sharp stage alone' },
  {
    name: 'faces',
    file: 'faces.js',
    args: ['--photos', '10', '--big', '4', '--textured', '2', '--crowd', '4'],
    what: 'the local face engine: naive single-threaded loop vs the worker-thread pool vs the whole worker; then 24-megapixel photos (plain background, textured, a crowd), engine and end to end, against a plain face-api pass',
  },
  { name: 'rematch', file: 'rematch.js', args: ['--faces', '50000', '--runs', '10'], what: 'selfie rematch on an event of 50,000 stored faces, against reading the vectors from PostgreSQL' },
  { name: 'rematch-festival', file: 'rematch.js', args: ['--faces', '500000', '--runs', '6'], what: 'the same at festival scale: an event of 500,000 stored faces (target: p50 under 2 s)' },
  {
    name: 'recall-levers',
    file: 'recall-levers.js',
    args: [],
    what: "the three levers on recall, on the dev set, every identity photo searched as a selfie in the 5 group photos: test-time flips for event faces (at three cutoffs, with the descriptor stage's cost), the turned passes (the group photos stored turned 90°, 180° and 270° with no orientation, and their cost on upright photos), and a per-event adaptive cutoff",
  },
  {
    name: 'runtimes',
    file: 'runtimes.js',
    args: [],
    what: "why the face engine runs on onnxruntime-node: the SSD detector's MobileNetV1 backbone at 512 × 512 in tfjs wasm (SIMD, one thread, what the engine used before) against the same graph in onnxruntime-node, in floating point and in 8 bits",
  },
  {
    name: 'people',
    file: 'people.js',
    args: [],
    what: "a guest's own corrections on the dev set: recall with 1, 2 and 3 selfies, and the \"this is me\" cutoff's false-accept rate (strangers' faces accepted) against own faces refused",
  },
  {
    name: 'compare-cutoff',
    file: 'compare-cutoff.js',
    args: [],
    what: "where `findme faces compare` draws the line for two photos: every pair of the dev set's 40 identity photos, at the selfie cutoff and at the photo-to-photo cutoff",
  },
  { name: 'rekognition', file: 'rekognition.js', args: ['--photos', '200'], what: 'Rekognition calls per photo against the older design (1 + 2 × faces)' },
  {
    name: 'load',
    file: 'load.js',
    args: ['--photos', '10000', '--guests', '300', '--seconds', '30', '--baseline-seconds', '20'],
    what: 'guests against an event of 10,000 photos, against a bare Apollo Server answering a constant',
    history:
      'Before the read-path work (run of 2026-11-22, same command with one 10 s baseline run): myPhotos 95 req/s, 0.23× the baseline (406 req/s); ' +
      '300 guests p50 455 ms, p95 3151 ms, p99 3532 ms.',
  },
  { name: 'subscribers', file: 'subscribers.js', args: ['--subscribers', '2000', '--rounds', '5'], what: '2,000 graphql-ws subscribers receiving status events, against a bare ws broadcast' },
  {
    name: 'event-day',
    file: 'event-day.js',
    args: ['--guests', '50', '--idle', '5', '--burst', '10'],
    what: 'shutter to phone: 24 MP frames written into a findme upload --watch folder until the guest in them gets them on myNewPhotos, idle and in a burst',
    history: 'Measured by hand before bench/event-day (2026-12-03): p50 11.2 s idle, the last of a burst of 21 after 138–148 s.',
  },
];

/** Sections in the order of BENCHES. */
const order = (section: string) => BENCHES.findIndex((b) => section.startsWith(`## ${b.name}\n`));

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};

async function run(bench: Bench): Promise<{ output: string; seconds: number; ok: boolean }> {
  const started = Date.now();
  const file = fileURLToPath(new URL(bench.file, import.meta.url));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [file, ...bench.args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      process.stdout.write(d);
    });
    // Server warnings (JSON log lines) stay on the console, out of the report.
    child.stderr.on('data', (d: Buffer) => process.stderr.write(d));
    child.on('exit', (code) => resolve({ output, seconds: (Date.now() - started) / 1000, ok: code === 0 }));
  });
}

async function main(): Promise<void> {
  const only = arg('--only')?.split(',');
  const out = arg('--out') ?? 'BENCHMARKS.md';
  const selected = BENCHES.filter((b) => !only || only.includes(b.name));
  const sections: string[] = [];
  const started = Date.now();
  let failed = 0;
  for (const bench of selected) {
    process.stdout.write(`\n== bench/${bench.name} ${bench.args.join(' ')}\n`);
    const result = await run(bench);
    if (!result.ok) failed += 1;
    sections.push(
      [
        `## ${bench.name}`,
        '',
        `${bench.what}.`,
        '',
        ...(bench.history ? [bench.history, ''] : []),
        `Command: \`node dist/bench/${bench.file} ${bench.args.join(' ')}\` (${result.seconds.toFixed(0)} s${result.ok ? '' : ', FAILED'})`,
        '',
        '```',
        result.output.trim(),
        '```',
        '',
      ].join('\n'),
    );
  }
  const header = [
    '# Benchmarks',
    '',
    `Written by \`npm run bench\` (last run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC${only ? `, --only ${only.join(',')}` : `, ${((Date.now() - started) / 60000).toFixed(1)} minutes`}); each section gives its own command and duration.`,
    '',
    `Machine: ${machine()}, ${os.platform()} ${os.release()}. Every benchmark runs its baseline in the same run, on the same machine, so the figures read as ratios.`,
    '',
    'Run one alone with `npm run bench:<name>` (sizes can be changed with the flags shown).',
    '',
  ];
  // With --only, the other benchmarks' sections of an existing report are kept.
  const previous = only ? await readFile(out, 'utf8').catch(() => '') : '';
  const kept = previous
    .split(/\n(?=## )/)
    .slice(1)
    .filter((section) => !selected.some((b) => section.startsWith(`## ${b.name}\n`)));
  const ordered = [...kept, ...sections].sort((a, b) => order(a) - order(b));
  await writeFile(out, `${[...header, ...ordered].join('\n')}\n`);
  process.stdout.write(`\nwrote ${out}\n`);
  if (failed > 0) process.exit(1);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
