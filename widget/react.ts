// React wrappers of both components, made with @lit/react, mapping each event to an `on*` prop.
// Importing this module defines the tags.
import * as React from 'react';
import { createComponent } from '@lit/react';
import type { EventName } from '@lit/react';
import { DrinkUploader } from './drink-uploader/drink-uploader.js';
import { DrinkViewer } from './drink-viewer/drink-viewer.js';
import type {
  DrinkErrorEvent,
  DrinkIndexedEvent,
  DrinkRejectedEvent,
  DrinkShowEvent,
  DrinkUploadProgressEvent,
  DrinkUploadStartEvent,
  DrinkUploadedEvent,
} from './shared/events/index.js';

export const DrinkUploaderReact = createComponent({
  react: React,
  tagName: 'drink-uploader',
  elementClass: DrinkUploader,
  events: {
    onDrinkUploadStart: 'drink-upload-start' as EventName<DrinkUploadStartEvent>,
    onDrinkUploadProgress: 'drink-upload-progress' as EventName<DrinkUploadProgressEvent>,
    onDrinkUploaded: 'drink-uploaded' as EventName<DrinkUploadedEvent>,
    onDrinkIndexed: 'drink-indexed' as EventName<DrinkIndexedEvent>,
    onDrinkRejected: 'drink-rejected' as EventName<DrinkRejectedEvent>,
    onDrinkError: 'drink-error' as EventName<DrinkErrorEvent>,
  },
});

export const DrinkViewerReact = createComponent({
  react: React,
  tagName: 'drink-viewer',
  elementClass: DrinkViewer,
  events: {
    onDrinkShow: 'drink-show' as EventName<DrinkShowEvent>,
    onDrinkError: 'drink-error' as EventName<DrinkErrorEvent>,
  },
});
