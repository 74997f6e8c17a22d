// An in-memory stand-in for the drink-widgets API and for S3's presigned POST, as Koa middleware
// for @web/dev-server and @web/test-runner. It serves the browser tests and a local preview of the
// demo page; the real API is exercised by the end-to-end test.
//
// Names steer the behaviour, so tests running in parallel need no shared switches:
// - bar "Error Bar": POST /uploads returns 400 with field "barName", and reading drinks returns 500.
// - drink "Rejected": the upload status becomes "rejected".
// - drink "Storage Fails": the presigned POST returns 403 with an S3 XML error.
// - drink "Slow": the presigned POST responds after 3 s, so a test can cancel it.
// - drink "Never": the upload status stays "pending".

const seed = () => ({
  bars: new Map([
    [
      'the crown',
      {
        barName: 'The Crown',
        drinks: new Map([
          ['negroni', { drinkName: 'Negroni', photos: [photo('n2', 1200, 900, '2026-11-20T19:30:00Z', true), photo('n1', 800, 800, '2026-10-02T18:00:00Z')] }],
          ['mojito', { drinkName: 'Mojito', photos: [photo('m1', 900, 1200, '2026-09-12T21:00:00Z')] }],
        ]),
      },
    ],
    ['empty tavern', { barName: 'Empty Tavern', drinks: new Map() }],
  ]),
  uploads: new Map(),
  storage: new Map(),
});

const state = seed();

/** Builds a photo whose URLs point at generated SVG images of the given size. */
function photo(id, width, height, uploadedAt, withMetadata = false) {
  const image = (w, h) => `/fake-img/${id}-${w}x${h}.svg`;
  const scale = (edge) => {
    const factor = Math.min(1, edge / Math.max(width, height));
    return [Math.round(width * factor), Math.round(height * factor)];
  };
  const [tw, th] = scale(320);
  const [dw, dh] = scale(1600);
  return {
    uploadId: id,
    url: image(dw, dh),
    width: dw,
    height: dh,
    contentType: 'image/jpeg',
    uploadedAt,
    renditions: [
      { size: 'thumb', format: 'jpeg', width: tw, height: th, url: image(tw, th) },
      { size: 'display', format: 'jpeg', width: dw, height: dh, url: image(dw, dh) },
      { size: 'thumb', format: 'webp', width: tw, height: th, url: image(tw, th) + '?webp' },
      { size: 'display', format: 'webp', width: dw, height: dh, url: image(dw, dh) + '?webp' },
    ],
    ...(withMetadata ? { capturedAt: '2026-11-20T19:12:00Z', cameraMake: 'Apple', cameraModel: 'iPhone 15' } : {}),
  };
}

function sendJson(ctx, status, body) {
  ctx.status = status;
  ctx.type = 'application/json';
  ctx.body = JSON.stringify(body);
}

function notFound(ctx, message) {
  sendJson(ctx, 404, { error: 'NotFound', message });
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Splits a multipart/form-data body into its parts, in order. */
function parseMultipart(body, contentType) {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType ?? '');
  if (!boundary) return [];
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  const parts = [];
  let start = body.indexOf(delimiter) + delimiter.length + 2;
  for (;;) {
    const end = body.indexOf(delimiter, start);
    if (end < 0) break;
    const part = body.subarray(start, end - 2);
    const headerEnd = part.indexOf('\r\n\r\n');
    const headers = part.subarray(0, headerEnd).toString();
    const name = /name="([^"]*)"/.exec(headers)?.[1];
    const type = /content-type:\s*(\S+)/i.exec(headers)?.[1];
    parts.push({ name, type, data: part.subarray(headerEnd + 4) });
    start = end + delimiter.length + 2;
  }
  return parts;
}

/** Width and height of a PNG, JPEG or WebP from its header, enough for the resize tests. */
function imageSize(data) {
  if (data.subarray(1, 4).toString() === 'PNG') return { width: data.readUInt32BE(16), height: data.readUInt32BE(20) };
  if (data[0] === 0xff && data[1] === 0xd8) {
    let offset = 2;
    while (offset < data.length) {
      const marker = data[offset + 1];
      const length = data.readUInt16BE(offset + 2);
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        return { height: data.readUInt16BE(offset + 5), width: data.readUInt16BE(offset + 7) };
      }
      offset += 2 + length;
    }
  }
  return undefined;
}

function barOf(name) {
  return state.bars.get(name.trim().toLowerCase());
}

async function handleCreateUpload(ctx) {
  const request = JSON.parse((await readBody(ctx.req)).toString() || '{}');
  if (request.barName === 'Error Bar') {
    return sendJson(ctx, 400, { error: 'InvalidField', message: 'The bar name "Error Bar" is not allowed. Choose another name.', field: 'barName' });
  }
  if (!request.barName || !request.drinkName || !request.contentType || !(request.contentLength > 0)) {
    return sendJson(ctx, 400, { error: 'InvalidField', message: 'A required field is missing.' });
  }
  const uploadId = `up-${state.uploads.size + 1}-${Date.now().toString(36)}`;
  state.uploads.set(uploadId, { request, polls: 0, stored: false });
  sendJson(ctx, 201, {
    uploadId,
    url: '/fake-s3/upload',
    fields: { key: `photos/${request.barName}/${request.drinkName}/${uploadId}`, 'Content-Type': request.contentType, 'x-amz-meta-upload-id': uploadId, Policy: 'e30=', 'X-Amz-Signature': 'fake' },
    expiresAt: new Date(Date.now() + 300_000).toISOString(),
  });
}

async function handleStorage(ctx) {
  const body = await readBody(ctx.req);
  const parts = parseMultipart(body, ctx.get('content-type'));
  const uploadId = parts.find((part) => part.name === 'x-amz-meta-upload-id')?.data.toString();
  const upload = state.uploads.get(uploadId);
  const file = parts.at(-1);
  const received = {
    uploadId,
    fieldNames: parts.map((part) => part.name),
    fileType: file?.type,
    fileSize: file?.data.length,
    ...imageSize(file?.data ?? Buffer.alloc(0)),
  };
  if (uploadId) state.storage.set(uploadId, received);
  if (!upload || file?.name !== 'file') {
    ctx.status = 400;
    ctx.type = 'application/xml';
    ctx.body = '<Error><Code>InvalidArgument</Code><Message>The file field must come last.</Message></Error>';
    return;
  }
  if (upload.request.drinkName === 'Storage Fails') {
    ctx.status = 403;
    ctx.type = 'application/xml';
    ctx.body = '<Error><Code>AccessDenied</Code><Message>Policy expired.</Message></Error>';
    return;
  }
  if (upload.request.drinkName === 'Slow') await new Promise((resolve) => setTimeout(resolve, 3000));
  upload.stored = true;
  ctx.status = 204;
}

function handleStatus(ctx, uploadId) {
  const upload = state.uploads.get(uploadId);
  if (!upload || !upload.stored) return notFound(ctx, `No upload with id ${uploadId}.`);
  const { barName, drinkName } = upload.request;
  upload.polls++;
  if (upload.polls < 2 || drinkName === 'Never') return sendJson(ctx, 200, { uploadId, status: 'pending', barName, drinkName });
  if (drinkName === 'Rejected') {
    return sendJson(ctx, 200, { uploadId, status: 'rejected', barName, drinkName, reason: 'The file is not a photo of a drink.' });
  }
  if (!upload.photo) {
    upload.photo = photo(uploadId, 1024, 768, new Date().toISOString());
    const key = barName.trim().toLowerCase();
    if (!state.bars.has(key)) state.bars.set(key, { barName, drinks: new Map() });
    const drinks = state.bars.get(key).drinks;
    const drinkKey = drinkName.trim().toLowerCase();
    if (!drinks.has(drinkKey)) drinks.set(drinkKey, { drinkName, photos: [] });
    drinks.get(drinkKey).photos.unshift(upload.photo);
  }
  sendJson(ctx, 200, { uploadId, status: 'indexed', barName, drinkName, photo: upload.photo });
}

function handleBars(ctx) {
  const prefix = (ctx.query.prefix ?? '').toLowerCase();
  const bars = [...state.bars.values()].filter((bar) => bar.barName.toLowerCase().startsWith(prefix)).map((bar) => ({ barName: bar.barName }));
  sendJson(ctx, 200, { bars });
}

function handleDrinks(ctx, barName) {
  if (barName === 'Error Bar') return sendJson(ctx, 500, { error: 'InternalError', message: 'The server failed to list the drinks. Try again later.' });
  const bar = barOf(barName);
  if (!bar) return notFound(ctx, `No bar named ${barName}.`);
  const prefix = (ctx.query.prefix ?? '').toLowerCase();
  const drinks = [...bar.drinks.values()]
    .filter((drink) => drink.drinkName.toLowerCase().startsWith(prefix))
    .map((drink) => ({ drinkName: drink.drinkName, thumbnailUrl: drink.photos[0]?.renditions[0].url, updatedAt: drink.photos[0]?.uploadedAt }));
  sendJson(ctx, 200, { barName: bar.barName, drinks });
}

function handleDrink(ctx, barName, drinkName) {
  if (barName === 'Error Bar') return sendJson(ctx, 500, { error: 'InternalError', message: 'The server failed to read the drink. Try again later.' });
  const drink = barOf(barName)?.drinks.get(drinkName.trim().toLowerCase());
  if (!drink || drink.photos.length === 0) return notFound(ctx, `No drink named ${drinkName} at ${barName}.`);
  const [newest, ...earlier] = drink.photos;
  sendJson(ctx, 200, { barName: barOf(barName).barName, drinkName: drink.drinkName, photo: newest, earlierPhotos: earlier });
}

function handleImage(ctx, name) {
  const [, width, height] = /-(\d+)x(\d+)\.svg$/.exec(name) ?? [0, 100, 100];
  const hue = [...name].reduce((sum, char) => sum + char.charCodeAt(0), 0) % 360;
  ctx.type = 'image/svg+xml';
  ctx.body = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`
    + `<rect width="100%" height="100%" fill="hsl(${hue} 55% 45%)"/>`
    + `<circle cx="50%" cy="55%" r="${Math.min(width, height) / 4}" fill="hsl(${(hue + 40) % 360} 80% 75%)"/></svg>`;
}

/** Creates Koa middleware that serves `/api/*`, `/fake-s3/upload` and `/fake-img/*` and passes other paths on. */
export function fakeApi() {
  return async (ctx, next) => {
    const path = ctx.path;
    const segments = path.split('/').slice(1).map(decodeURIComponent);
    if (path.startsWith('/fake-img/')) return handleImage(ctx, segments[1]);
    if (path === '/fake-s3/upload' && ctx.method === 'POST') return handleStorage(ctx);
    if (segments[0] !== 'api') return next();

    const [, resource, id, sub, drinkName] = segments;
    if (resource === '_storage') return sendJson(ctx, 200, state.storage.get(id) ?? {});
    if (resource === 'uploads' && !id && ctx.method === 'POST') return handleCreateUpload(ctx);
    if (resource === 'uploads' && id) return handleStatus(ctx, id);
    if (resource === 'bars' && !id) return handleBars(ctx);
    if (resource === 'bars' && sub === 'drinks' && drinkName === undefined) return handleDrinks(ctx, id);
    if (resource === 'bars' && sub === 'drinks') return handleDrink(ctx, id, drinkName);
    return notFound(ctx, `No route for ${ctx.method} ${path}.`);
  };
}
