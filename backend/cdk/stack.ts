import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

import { DrinkPhotos, type DrinkPhotosProps } from './drink-photos.js';

/** Properties of `DrinkWidgetsStack`. */
export interface DrinkWidgetsStackProps extends StackProps {
  /** Properties of the photo pipeline. */
  readonly photos: DrinkPhotosProps;
  /** URL of the widget bundle that the printed embed snippet loads. */
  readonly widgetScriptUrl: string;
}

/** The drink-widgets backend in one stack, with the outputs a site owner needs to embed the widgets. */
export class DrinkWidgetsStack extends Stack {
  public readonly photos: DrinkPhotos;

  constructor(scope: Construct, id: string, props: DrinkWidgetsStackProps) {
    super(scope, id, props);

    this.photos = new DrinkPhotos(this, 'Photos', props.photos);

    new CfnOutput(this, 'ApiUrl', {
      description: 'Base URL of the API, the value of the widgets\' api attribute',
      value: this.photos.apiUrl,
    });
    new CfnOutput(this, 'EmbedSnippet', {
      description: 'HTML to paste into a static page to show the uploader',
      value: embedSnippet(props.widgetScriptUrl, this.photos.apiUrl),
    });
    new CfnOutput(this, 'BucketName', { description: 'Bucket of originals and renditions', value: this.photos.bucket.bucketName });
    new CfnOutput(this, 'AlarmTopicArn', {
      description: 'SNS topic of the alarms, for more subscriptions',
      value: this.photos.alarmTopic.topicArn,
    });
    new CfnOutput(this, 'DashboardName', { description: 'CloudWatch dashboard of the pipeline', value: this.photos.monitoring.dashboard.dashboardName });
    if (this.photos.distribution) {
      new CfnOutput(this, 'RenditionsCdnDomain', {
        description: 'CloudFront domain that serves renditions/',
        value: this.photos.distribution.distributionDomainName,
      });
    }
  }
}

/** Builds the two lines a static page needs: the module script and an uploader bound to the API. */
export function embedSnippet(widgetScriptUrl: string, apiUrl: string): string {
  return `<script type="module" src="${widgetScriptUrl}"></script>\n<drink-uploader api="${apiUrl}"></drink-uploader>`;
}
