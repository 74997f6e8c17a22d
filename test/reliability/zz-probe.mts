import sharp from 'sharp';
import { noisyPng, withPngChunks, pngChunk, deflateBomb } from './hostile-files.js';
sharp.cache(false);
const size = Number(process.argv[2]) * 1024 * 1024;
const kind = process.argv[3];
const base = await noisyPng();
const header = kind === 'iCCP' ? 'icc\0\0' : 'Comment\0\0';
const png = withPngChunks(base, pngChunk(kind, Buffer.concat([Buffer.from(header, 'latin1'), deflateBomb(size)])));
console.log('file bytes', png.length);
let t = Date.now();
const m = await sharp(png, { limitInputPixels: false }).metadata();
console.log('metadata ms', Date.now() - t, 'icc', m.icc?.length, 'rss MB', Math.round(process.memoryUsage().rss/1e6));
t = Date.now();
try { await sharp(png, { failOn: 'warning' }).rotate().resize(1600,1600,{fit:'inside',withoutEnlargement:true}).toColourspace('srgb').raw().toBuffer(); console.log('decode ok'); } catch (e) { console.log('decode error', (e as Error).message); }
console.log('decode ms', Date.now() - t, 'rss MB', Math.round(process.memoryUsage().rss/1e6));
