import pino, { type Logger } from 'pino';

/** Paths redacted from every log line: credentials never reach the logs. */
export const REDACT_PATHS = [
  'password',
  '*.password',
  'newPassword',
  '*.newPassword',
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'secretKey',
  '*.secretKey',
  'privateKey',
  '*.privateKey',
  'private_key',
  '*.private_key',
  'assertion',
  '*.assertion',
  'access_token',
  '*.access_token',
  'variables.password',
  'variables.input.password',
  'variables.newPassword',
  'variables.token',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'findme' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
