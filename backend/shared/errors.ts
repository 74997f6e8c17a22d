/** Errors the handlers raise on purpose, each turned into a definite outcome. */

/** A request the API rejects; `errorResponse` turns it into a 4xx body of type `ErrorResponse`. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** Stable codes of why process-photo rejects an original, used as the `Reason` metric dimension. */
export const RejectReason = {
  NotAnImage: 'NotAnImage',
  UnsupportedType: 'UnsupportedType',
  TypeMismatch: 'TypeMismatch',
  TooLarge: 'TooLarge',
  TooManyPixels: 'TooManyPixels',
  ExtremeAspectRatio: 'ExtremeAspectRatio',
  TooManyScans: 'TooManyScans',
  Corrupt: 'Corrupt',
  UnsupportedHeic: 'UnsupportedHeic',
} as const;

export type RejectReason = (typeof RejectReason)[keyof typeof RejectReason];

/** An original that is not a photo process-photo can index; the message is shown to the visitor. */
export class PhotoRejectedError extends Error {
  constructor(
    readonly reason: RejectReason,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'PhotoRejectedError';
  }
}
