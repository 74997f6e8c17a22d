import type {
  BarListResponse,
  CreateUploadRequest,
  CreateUploadResponse,
  DrinkListResponse,
  DrinkResponse,
  ErrorResponse,
  UploadStatusResponse,
} from '../../backend/shared/api.js';

/** A failed API or storage request. `status` is 0 when no HTTP response arrived. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    /** Machine-readable code from the API's error body, for example `NotFound`. */
    readonly code?: string,
    /** The request field the error is about, when the API named one. */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let unreachableWarned = false;

/**
 * Tells the page's developer, once, what a failed fetch may mean: browsers report a request that
 * CORS blocked exactly like a network failure, and the visitor's message cannot say which it was.
 */
function warnUnreachable(base: string): void {
  if (unreachableWarned) return;
  unreachableWarned = true;
  console.warn(`drink-widgets: no response from the API at ${base}. If the network is up, check that its CORS settings allow ${location.origin}.`);
}

/** Client of the drink-widgets HTTP API rooted at `base`, such as `/api`. */
export class ApiClient {
  private readonly base: string;

  constructor(base: string) {
    this.base = base.replace(/\/+$/, '');
  }

  /** Requests a presigned POST for one photo. */
  createUpload(body: CreateUploadRequest, signal?: AbortSignal): Promise<CreateUploadResponse> {
    return this.request('/uploads', signal, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  getUploadStatus(uploadId: string, signal?: AbortSignal): Promise<UploadStatusResponse> {
    return this.request(`/uploads/${encodeURIComponent(uploadId)}`, signal);
  }

  getDrink(barName: string, drinkName: string, signal?: AbortSignal): Promise<DrinkResponse> {
    return this.request(`/bars/${encodeURIComponent(barName)}/drinks/${encodeURIComponent(drinkName)}`, signal);
  }

  listDrinks(barName: string, prefix = '', signal?: AbortSignal): Promise<DrinkListResponse> {
    return this.request(`/bars/${encodeURIComponent(barName)}/drinks?prefix=${encodeURIComponent(prefix)}`, signal);
  }

  listBars(prefix: string, signal?: AbortSignal): Promise<BarListResponse> {
    return this.request(`/bars?prefix=${encodeURIComponent(prefix)}`, signal);
  }

  private async request<T>(path: string, signal?: AbortSignal, init: RequestInit = {}): Promise<T> {
    let response: Response;
    try {
      response = await fetch(this.base + path, { ...init, signal, headers: { accept: 'application/json', ...init.headers } });
    } catch (error) {
      if (signal?.aborted) throw error;
      warnUnreachable(this.base);
      throw new ApiError('', 0);
    }
    const body: unknown = await response.json().catch(() => undefined);
    if (!response.ok) {
      const error = body as Partial<ErrorResponse> | undefined;
      throw new ApiError(error?.message ?? '', response.status, error?.error, error?.field);
    }
    return body as T;
  }
}

/**
 * Sends `file` to a presigned POST as a multipart form: every entry of `fields` first, in order,
 * then the file in the field `file`, as S3 requires. XMLHttpRequest is used because fetch reports
 * no upload progress.
 */
export function sendPresignedPost(
  upload: Pick<CreateUploadResponse, 'url' | 'fields'>,
  file: Blob,
  onProgress: (loaded: number, total: number) => void,
  signal: AbortSignal,
): Promise<void> {
  const form = new FormData();
  for (const [name, value] of Object.entries(upload.fields)) form.append(name, value);
  form.append('file', file);

  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    const abort = (): void => xhr.abort();
    signal.addEventListener('abort', abort, { once: true });
    xhr.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable) onProgress(event.loaded, event.total);
    });
    xhr.addEventListener('loadend', () => {
      signal.removeEventListener('abort', abort);
      if (signal.aborted) reject(signal.reason);
      else if (xhr.status >= 200 && xhr.status < 300) resolve();
      else reject(new ApiError(storageMessage(xhr.responseText), xhr.status, 'StorageError'));
    });
    xhr.open('POST', upload.url);
    xhr.send(form);
  });
}

/** Extracts S3's `<Message>` from an XML error body, if there is one. */
function storageMessage(body: string): string {
  return /<Message>([^<]*)<\/Message>/.exec(body)?.[1] ?? '';
}

/**
 * Polls the upload's status until it is no longer `pending`, waiting `firstDelay` ms and then 1.5
 * times longer each round, up to 5 s between requests. Rejects with an `ApiError` of code `Timeout`
 * after `timeout` ms.
 */
export async function waitForUpload(
  client: ApiClient,
  uploadId: string,
  signal: AbortSignal,
  timeout: number,
  firstDelay = 500,
): Promise<UploadStatusResponse> {
  const deadline = Date.now() + timeout;
  let delay = firstDelay;
  for (;;) {
    await sleep(Math.min(delay, Math.max(0, deadline - Date.now())), signal);
    const status = await client.getUploadStatus(uploadId, signal);
    if (status.status !== 'pending') return status;
    if (Date.now() >= deadline) throw new ApiError('', 0, 'Timeout');
    delay = Math.min(delay * 1.5, 5000);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    }, { once: true });
  });
}
