// A @web/test-runner plugin that runs the embedded default (the real handlers on s3rver and
// dynalite) beside the test server, so a browser test can upload through the whole pipeline.
// The page reads the API's URL from `/__embedded.json`.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { tsImport } from 'tsx/esm/api';

export function embeddedBackend() {
  let embedded;
  let dataDir;

  return {
    name: 'embedded-backend',

    async serverStart({ app }) {
      // The AWS SDK's multi-line notice about Node.js 22 would sit above every test run's output.
      process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
      dataDir = await mkdtemp(join(tmpdir(), 'drink-wtr-'));
      const { startEmbedded } = await tsImport('../../backend/local/embedded.ts', import.meta.url);
      // The test server's port is chosen later, so any origin may call this throwaway backend.
      embedded = await startEmbedded({ dataDir, port: 0, allowedOrigins: ['*'] });

      app.use(async (context, next) => {
        if (context.path !== '/__embedded.json') return next();
        context.type = 'application/json';
        context.body = JSON.stringify({ apiUrl: embedded.apiUrl });
      });
    },

    async serverStop() {
      await embedded?.stop();
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
