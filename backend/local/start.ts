/**
 * Entry point of `npm start`: runs the whole pipeline on this machine (see embedded.ts) and prints
 * the demo site's URL, then one line per pipeline step.
 *
 * Environment: PORT (default 8080), HOST (default 127.0.0.1), S3_PORT (default PORT + 1, or a free
 * port when that one is taken), DATA_DIR (default `.data/`), ALLOWED_ORIGINS (origins of other
 * sites that may call the API, comma-separated), LOG_FORMAT=json to print the handlers' raw JSON
 * log lines instead of the step lines.
 */
// The AWS SDK warns at its first call, over several lines, that its releases from January 2027 need
// Node.js 22. One line here prints it once, before the demo URL, instead of amid the step lines.
if (Number(process.versions.node.split('.')[0]) < 22 && process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED === undefined) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  console.warn(`note: Node.js ${process.versions.node} runs this, but AWS SDK releases from January 2027 need Node.js 22 or newer`);
}

const { startEmbedded } = await import('./embedded.js');
import { formatStep, type PipelineStep } from './steps.js';

function readPort(name: string, fallback?: number): number | undefined {
  const raw = process.env[name]?.trim();
  if (!raw) return fallback;

  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`${name} is ${JSON.stringify(raw)}; set it to a port number from 0 to 65535`);
    process.exit(2);
  }

  return port;
}

/** Reads a comma-separated list of origins such as `http://127.0.0.1:5500,https://example.com`. */
function readOrigins(name: string): string[] {
  const origins = (process.env[name] ?? '').split(',').map((origin) => origin.trim()).filter((origin) => origin !== '');
  for (const origin of origins) {
    if (origin !== '*' && !/^https?:\/\/[^/?#\s]+$/.test(origin)) {
      console.error(`${name} contains ${JSON.stringify(origin)}, which is not an origin; write it as scheme and host, like http://127.0.0.1:5500, without a path or trailing slash`);
      process.exit(2);
    }
  }

  return origins;
}

const jsonLogs = process.env.LOG_FORMAT === 'json';

function printStep(step: PipelineStep): void {
  // With LOG_FORMAT=json the handlers' own lines go to the terminal, so only runtime steps print.
  if (jsonLogs && step.outcome !== undefined && ['WARN', 'ERROR', 'CRITICAL'].includes(step.outcome)) return;

  const line = formatStep(step);
  if (step.level === 'error' || step.level === 'warn') console.error(line);
  else console.log(line);
}

const embedded = await startEmbedded({
  dataDir: process.env.DATA_DIR?.trim() || '.data',
  port: readPort('PORT', 8080),
  host: process.env.HOST?.trim() || '127.0.0.1',
  s3Port: readPort('S3_PORT'),
  allowedOrigins: readOrigins('ALLOWED_ORIGINS'),
  passThroughLogs: jsonLogs,
  onStep: printStep,
}).catch((error: unknown) => {
  const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
  console.error(`drink-widgets failed to start: ${error instanceof Error ? error.message : String(error)}${cause}`);
  process.exit(1);
});

console.log(`drink-widgets demo at ${embedded.url} (inspector ${embedded.url}inspector.html, data in ${embedded.dataDir})`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) {
      // A second Ctrl-C skips the graceful stop.
      process.exit(130);
    }
    stopping = true;
    embedded.stop().then(
      () => {
        console.log(`drink-widgets stopped; the data stays in ${embedded.dataDir}`);
        process.exit(0);
      },
      (error: unknown) => {
        console.error(`stop failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      },
    );
  });
}
