import { esbuildPlugin } from '@web/dev-server-esbuild';
import { chromeLauncher } from '@web/test-runner-chrome';
import { embeddedBackend } from './widget/testing/embedded-backend.mjs';
import { fakeApi } from './widget/testing/fake-api.mjs';

// Browser tests of the widgets in Chromium. The fake API serves `/api/*` and a presigned POST
// endpoint on the test server itself, for the states a real backend rarely shows. The embedded
// backend runs the real pipeline for the tests that upload through it.
export default {
  files: ['widget/**/*.test.ts'],
  nodeResolve: true,
  plugins: [esbuildPlugin({ ts: true, tsconfig: 'tsconfig.json', target: 'es2022' }), embeddedBackend()],
  middleware: [fakeApi()],
  browsers: [
    chromeLauncher({
      launchOptions: {
        executablePath: process.env.CHROME_PATH || '/usr/bin/chromium',
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--no-first-run',
        ],
      },
    }),
  ],
  testFramework: {
    config: { timeout: 10000 },
  },
};
