/**
 * The read routes: an upload's status, a drink with its photos, a bar's drinks and the bars.
 * Photos are served as presigned GET URLs of their renditions; the bucket stays private and the
 * originals are never served.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';

import type { BarListResponse, DrinkListResponse, DrinkResponse, UploadStatusResponse } from '../shared/api.js';
import { HttpError } from '../shared/errors.js';
import { errorResponse, jsonResponse, matchRoute, preflightResponse, readPathParameter } from '../shared/http.js';
import { logger } from '../shared/logger.js';
import { thumbnailUrl, toApiPhoto } from '../shared/photos.js';
import { checkPathName, checkUploadId, readLimit, readNextToken, readPrefix } from '../shared/request-params.js';
import { getBar, getDrink, getUpload, listBars, listDrinks, listEarlierPhotos } from '../shared/table-reads.js';
import { annotate, traceInvocation } from '../shared/tracing.js';

const ROUTES = ['/uploads/{uploadId}', '/bars/{barName}/drinks/{drinkName}', '/bars/{barName}/drinks', '/bars'] as const;
type Route = (typeof ROUTES)[number];

function notFound(message: string): HttpError {
  return new HttpError(404, 'NotFound', message);
}

async function getUploadStatus(event: APIGatewayProxyEvent, route: Route): Promise<UploadStatusResponse> {
  const uploadId = checkUploadId(readPathParameter(event, route, 'uploadId'));
  logger.appendKeys({ uploadId });
  annotate({ uploadId });

  const item = await getUpload(uploadId);
  if (item === undefined) throw notFound(`Upload ${uploadId} was not found; it expired or never existed. Request a new upload.`);

  return {
    uploadId,
    status: item.status,
    barName: item.barName,
    drinkName: item.drinkName,
    ...(item.status === 'rejected' && item.reason ? { reason: item.reason } : {}),
    ...(item.status === 'indexed' && item.photo ? { photo: await toApiPhoto(item.photo) } : {}),
  };
}

async function getDrinkPhotos(event: APIGatewayProxyEvent, route: Route): Promise<DrinkResponse> {
  const barName = checkPathName(readPathParameter(event, route, 'barName'), 'barName');
  const drinkName = checkPathName(readPathParameter(event, route, 'drinkName'), 'drinkName');
  logger.appendKeys({ bar: barName, drink: drinkName });
  annotate({ barName, drinkName });

  const drink = await getDrink(barName, drinkName);
  if (drink === undefined) throw notFound(`No photo of ${JSON.stringify(drinkName)} at ${JSON.stringify(barName)} was found; check both names or upload the first photo.`);
  const earlier = await listEarlierPhotos(drink, readLimit(event, 10, 50), readNextToken(event));

  return {
    barName: drink.barName,
    drinkName: drink.drinkName,
    photo: await toApiPhoto(drink.latest),
    earlierPhotos: await Promise.all(earlier.items.map((item) => toApiPhoto(item.photo))),
    ...(earlier.nextToken ? { nextToken: earlier.nextToken } : {}),
  };
}

async function listBarDrinks(event: APIGatewayProxyEvent, route: Route): Promise<DrinkListResponse> {
  const barName = checkPathName(readPathParameter(event, route, 'barName'), 'barName');
  logger.appendKeys({ bar: barName });
  annotate({ barName });

  const bar = await getBar(barName);
  if (bar === undefined) throw notFound(`No bar named ${JSON.stringify(barName)} has photos; check the name or upload the first photo.`);
  const page = await listDrinks(barName, readPrefix(event), readLimit(event, 20, 100), readNextToken(event));

  return {
    barName: bar.barName,
    drinks: await Promise.all(
      page.items.map(async (drink) => ({ drinkName: drink.drinkName, thumbnailUrl: await thumbnailUrl(drink.latest), updatedAt: drink.updatedAt })),
    ),
    ...(page.nextToken ? { nextToken: page.nextToken } : {}),
  };
}

async function listAllBars(event: APIGatewayProxyEvent): Promise<BarListResponse> {
  const page = await listBars(readPrefix(event), readLimit(event, 20, 100), readNextToken(event));

  return { bars: page.items.map((bar) => ({ barName: bar.barName })), ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
}

async function route(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const matched = matchRoute(event, ROUTES);
  if (matched === undefined) throw notFound(`No route matches ${event.httpMethod} ${event.path}; see openapi.yaml for the routes.`);
  if (event.httpMethod === 'OPTIONS') return preflightResponse(event, 'GET, OPTIONS');
  if (event.httpMethod !== 'GET') throw new HttpError(405, 'MethodNotAllowed', `${event.httpMethod} is not allowed on ${matched}; use GET.`);

  switch (matched) {
    case '/uploads/{uploadId}':
      return jsonResponse(event, 200, await getUploadStatus(event, matched));
    case '/bars/{barName}/drinks/{drinkName}':
      return jsonResponse(event, 200, await getDrinkPhotos(event, matched));
    case '/bars/{barName}/drinks':
      return jsonResponse(event, 200, await listBarDrinks(event, matched));
    case '/bars':
      return jsonResponse(event, 200, await listAllBars(event));
  }
}

export async function handler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  return traceInvocation('query', async () => {
    try {
      const response = await route(event);
      logger.info('request served', { statusCode: response.statusCode });
      annotate({ outcome: 'served' });

      return response;
    } catch (error) {
      if (error instanceof HttpError) {
        logger.info('request rejected', { statusCode: error.statusCode, error: error.code, field: error.field });
        annotate({ outcome: error.statusCode === 404 ? 'not-found' : 'invalid' });
      } else {
        logger.error('query failed', error instanceof Error ? error : new Error(String(error)));
        annotate({ outcome: 'error' });
      }

      return errorResponse(event, error);
    } finally {
      logger.resetKeys();
    }
  });
}
