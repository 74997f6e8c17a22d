/**
 * The Powertools Logger shared by the handlers: JSON lines, level from `POWERTOOLS_LOG_LEVEL`.
 * Handlers append the ids of the current request with `appendKeys` and call `resetKeys` when done.
 */
import { Logger } from '@aws-lambda-powertools/logger';

export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'drink-widgets' });
