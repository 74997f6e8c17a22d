// The inspector page of the local runtime: lists recent uploads from /_local/uploads and shows the
// selected one's traces as a waterfall, with its log lines, from /_local/uploads/{uploadId}.
// All text from the server goes into the page through textContent, never as HTML.

const REFRESH_MS = 2000;

const list = document.getElementById('uploads-list');
const listEmpty = document.getElementById('uploads-empty');
const detail = document.getElementById('detail');
const detailEmpty = document.getElementById('detail-empty');
const summary = document.getElementById('summary');
const waterfall = document.getElementById('waterfall');
const logs = document.getElementById('logs');

let selectedId = new URLSearchParams(location.hash.slice(1)).get('upload');
let lastListJson = '';
let lastDetailJson = '';

function element(tag, attributes = {}, text) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== undefined && value !== null) node.setAttribute(name, String(value));
  }
  if (text !== undefined) node.textContent = text;
  return node;
}

function formatTime(epochMs) {
  const date = new Date(epochMs);
  return `${date.toLocaleTimeString([], { hour12: false })}.${String(date.getMilliseconds()).padStart(3, '0')}`;
}

function formatDuration(ms) {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

async function getJson(url) {
  const response = await fetch(url, { cache: 'no-store' });
  if (!response.ok) throw new Error(`${url} returned ${response.status}`);
  return response.text();
}

async function refreshList() {
  let text;
  try {
    text = await getJson('/_local/uploads');
  } catch {
    return;
  }
  if (text === lastListJson) return;
  lastListJson = text;

  const { uploads } = JSON.parse(text);
  listEmpty.hidden = uploads.length > 0;
  list.replaceChildren(
    ...uploads.map((upload) => {
      const button = element('button', {
        type: 'button',
        'data-upload-id': upload.uploadId,
        'aria-current': String(upload.uploadId === selectedId),
      });
      button.append(
        element('span', { class: 'names' }, `${upload.barName ?? '?'} · ${upload.drinkName ?? '?'}`),
        element('span', { class: 'meta' }, `${formatTime(upload.firstSeenAt)} · ${upload.uploadId.slice(0, 8)}`),
      );
      const stage = element('span', { class: 'stage', 'data-stage': upload.stage }, upload.stage);
      button.querySelector('.meta').append(' · ', stage);
      button.addEventListener('click', () => select(upload.uploadId));
      const item = element('li');
      item.append(button);
      return item;
    }),
  );

  if (selectedId === null && uploads.length > 0) select(uploads[0].uploadId);
}

function select(uploadId) {
  selectedId = uploadId;
  lastDetailJson = '';
  history.replaceState(null, '', `#upload=${encodeURIComponent(uploadId)}`);
  for (const button of list.querySelectorAll('button')) {
    button.setAttribute('aria-current', String(button.dataset.uploadId === uploadId));
  }
  void refreshDetail();
}

async function refreshDetail() {
  if (selectedId === null) return;

  let text;
  try {
    text = await getJson(`/_local/uploads/${encodeURIComponent(selectedId)}`);
  } catch {
    detail.hidden = true;
    detailEmpty.hidden = false;
    detailEmpty.textContent = `Upload ${selectedId} is not among the uploads this runtime has seen since it started.`;
    return;
  }
  if (text === lastDetailJson) return;
  lastDetailJson = text;

  const data = JSON.parse(text);
  detail.hidden = false;
  detailEmpty.hidden = true;
  renderSummary(data.upload);
  renderWaterfall(data);
  renderLogs(data.logs);
}

function renderSummary(upload) {
  const rows = [
    ['Upload', upload.uploadId],
    ['Bar', upload.barName],
    ['Drink', upload.drinkName],
    ['Stage', upload.stage],
    ['Reason', upload.reason],
    ['Object key', upload.upload?.key],
    ['Size', upload.upload ? `${upload.upload.bytes.toLocaleString()} bytes` : undefined],
    ['Upload to indexed', upload.uploadToIndexedMs === undefined ? undefined : formatDuration(upload.uploadToIndexedMs)],
    ['Presign trace', upload.presign?.traceId],
    ['Processing traces', upload.processing.map((attempt) => attempt.traceId).join(', ') || undefined],
  ];
  summary.replaceChildren(
    ...rows.filter(([, value]) => value !== undefined && value !== '').flatMap(([name, value]) => [element('dt', {}, name), element('dd', {}, value)]),
  );
}

function segmentKind(segment) {
  if (segment.origin === 'AWS::ApiGateway::Stage') return 'api';
  if (segment.origin === 'AWS::Lambda::Function') return 'function';
  if (segment.name.startsWith('## ')) return 'handler';
  if (segment.namespace === 'aws') return 'aws';
  return 'custom';
}

function segmentLabel(segment) {
  const operation = segment.aws?.operation;
  return operation ? `${segment.name} ${operation}` : segment.name;
}

/** Orders a trace's flat segments depth first, children by start time, with their depth. */
function flattenTree(segments) {
  const byParent = new Map();
  const ids = new Set(segments.map((segment) => segment.id));
  for (const segment of segments) {
    const parent = segment.parent_id && ids.has(segment.parent_id) ? segment.parent_id : null;
    if (!byParent.has(parent)) byParent.set(parent, []);
    byParent.get(parent).push(segment);
  }
  const rows = [];
  const visit = (parent, depth) => {
    const children = (byParent.get(parent) ?? []).sort((a, b) => a.start_time - b.start_time);
    for (const child of children) {
      rows.push({ segment: child, depth });
      visit(child.id, depth + 1);
    }
  };
  visit(null, 0);
  return rows;
}

function renderWaterfall(data) {
  const { upload, traces } = data;
  const rows = [];
  const presignTrace = traces.find((trace) => trace.traceId === upload.presign?.traceId);
  const groups = [];
  if (presignTrace) groups.push({ title: 'presign', trace: presignTrace });
  if (upload.upload) groups.push({ title: 'upload to S3', upload: upload.upload });
  upload.processing.forEach((attempt, index) => {
    const trace = traces.find((candidate) => candidate.traceId === attempt.traceId);
    const title = upload.processing.length > 1 ? `process-photo, attempt ${index + 1}` : 'process-photo';
    groups.push({ title, trace: trace ?? { traceId: attempt.traceId, segments: [] } });
  });

  for (const group of groups) {
    rows.push({ group: group.title });
    if (group.upload) {
      const start = group.upload.startedAt ?? group.upload.storedAt;
      rows.push({ label: `POST ${group.upload.bytes.toLocaleString()} bytes`, depth: 1, start, end: group.upload.storedAt, kind: 'upload' });
      continue;
    }
    for (const { segment, depth } of flattenTree(group.trace.segments)) {
      const start = segment.start_time * 1000;
      const end = (segment.end_time ?? segment.start_time) * 1000;
      rows.push({
        label: segmentLabel(segment),
        depth: depth + 1,
        start,
        end,
        kind: segmentKind(segment),
        failed: Boolean(segment.fault || segment.error),
      });
    }
  }

  const timed = rows.filter((row) => row.start !== undefined);
  if (timed.length === 0) {
    waterfall.replaceChildren(element('p', { class: 'empty' }, 'No segments received yet.'));
    return;
  }
  const origin = Math.min(...timed.map((row) => row.start));
  const total = Math.max(1, Math.max(...timed.map((row) => row.end)) - origin);

  waterfall.replaceChildren(
    ...rows.map((row) => {
      const line = element('div', { class: row.group ? 'row group' : 'row', role: 'row' });
      const name = element('span', { class: 'name', role: 'cell', title: row.group ?? row.label }, row.group ?? row.label);
      if (!row.group) name.style.paddingLeft = `${row.depth * 0.75}rem`;
      const track = element('span', { class: 'track', role: 'cell' });
      if (!row.group) {
        const left = ((row.start - origin) / total) * 100;
        const width = ((row.end - row.start) / total) * 100;
        const bar = element('span', { class: 'bar', 'data-kind': row.kind, 'data-failed': String(Boolean(row.failed)) });
        bar.style.left = `${left}%`;
        bar.style.width = `${width}%`;
        const label = element('span', { class: 'duration' }, formatDuration(row.end - row.start));
        // A bar ending near the right edge gets its label on its left, so the label stays readable.
        if (left + width > 80) {
          label.style.right = `${100 - left}%`;
          label.style.paddingRight = '0.25rem';
        } else {
          label.style.left = `${left + width}%`;
          label.style.paddingLeft = '0.25rem';
        }
        track.append(bar, label);
        line.title = `${row.label}: starts at +${formatDuration(row.start - origin)}, takes ${formatDuration(row.end - row.start)}`;
      } else {
        track.style.background = 'transparent';
      }
      line.append(name, track);
      return line;
    }),
  );
}

function renderLogs(entries) {
  if (entries.length === 0) {
    logs.replaceChildren(element('li', {}, 'No log lines captured for this upload.'));
    return;
  }
  logs.replaceChildren(
    ...entries.map((entry) => {
      const item = element('li', { 'data-level': entry.level ?? '' });
      const line = `${formatTime(Date.parse(entry.time))} ${entry.functionName} ${entry.level ?? entry.kind} ${entry.message}`;
      if (!entry.fields) {
        item.textContent = line;
        return item;
      }
      const details = element('details');
      details.append(element('summary', {}, line), element('pre', {}, JSON.stringify(entry.fields, null, 2)));
      item.append(details);
      return item;
    }),
  );
}

await refreshList();
if (selectedId !== null) await refreshDetail();
setInterval(() => {
  void refreshList();
  void refreshDetail();
}, REFRESH_MS);
