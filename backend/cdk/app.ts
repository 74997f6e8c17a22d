// The drink-widgets CDK app: one stack, configured from CDK context, checked by cdk-nag's
// AwsSolutions pack at every synth. `cdk.json` at the repository root runs this file.
import { readFileSync } from 'node:fs';

import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';

import { type AppSettings, InvalidContextError, readAppSettings } from './context.js';
import { DrinkWidgetsStack } from './stack.js';

const packageJson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

const app = new App();
let settings: AppSettings;
try {
  settings = readAppSettings(app.node, packageJson.version);
} catch (error) {
  // A configuration mistake needs its message, not a stack trace.
  if (!(error instanceof InvalidContextError)) throw error;
  console.error(error.message);
  process.exit(1);
}

new DrinkWidgetsStack(app, settings.stackName, {
  description: 'drink-widgets: photo uploads, processing and queries for the drink widgets',
  // The CLI sets both from the shell's AWS configuration. Without credentials the account stays
  // unset, so synth needs no AWS access.
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  photos: settings.photos,
  widgetScriptUrl: settings.widgetScriptUrl,
});

Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
