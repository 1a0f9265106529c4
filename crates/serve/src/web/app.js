// Folio's preview page: upload or open a job, follow its progress, show the original and the
// translation side by side, and edit a block's translation. Plain JavaScript, no build step.
//
// Every request goes through `api()`, which adds the bearer token (kept in sessionStorage) and
// asks for it when the server answers 401. Page images are fetched as blobs for the same
// reason (an <img src> cannot send the header) and shown through object URLs. Text from the
// document is only ever set with textContent.
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);
  const DPI = 96;
  const PROBLEMS = ['failed', 'overflowed', 'shrunk'];
  const PLACEHOLDER = /\[\/?\d+\]/g;
  const TOKEN_KEY = 'folio-token';
  const IMAGE_LOADS = 3; // page images fetched at once (the server renders each)

  // ---- the token and requests

  let tokenWaiters = [];

  const token = () => sessionStorage.getItem(TOKEN_KEY) || '';

  /** fetch() with the token; on 401 asks for a token and tries again. */
  async function api(path, options = {}) {
    for (;;) {
      const headers = new Headers(options.headers || {});
      if (token()) headers.set('Authorization', `Bearer ${token()}`);
      const response = await fetch(path, { ...options, headers });
      if (response.status !== 401) return response;
      await askToken();
    }
  }

  function askToken() {
    return new Promise((resolve) => {
      tokenWaiters.push(resolve);
      const form = $('token');
      form.querySelector('p').textContent = token()
        ? 'The server refused this access token: enter it again.'
        : 'This server needs an access token.';
      form.hidden = false;
      form.elements.token.focus();
    });
  }

  $('token').addEventListener('submit', (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    sessionStorage.setItem(TOKEN_KEY, form.elements.token.value.trim());
    form.reset();
    form.hidden = true;
    const waiters = tokenWaiters;
    tokenWaiters = [];
    waiters.forEach((resolve) => resolve());
  });

  /** The `{error, hint}` of a failed answer, whatever its body. */
  async function problem(response) {
    const text = await response.text().catch(() => '');
    try {
      const body = JSON.parse(text);
      if (body && body.error) return { error: body.error, hint: body.hint };
    } catch (_) { /* not JSON */ }
    return { error: `${response.status} ${response.statusText}`.trim() + (text ? `: ${text.slice(0, 200)}` : '') };
  }

  /** Fills `el` with an error and its hint (or hides it). */
  function showProblem(el, p) {
    el.replaceChildren();
    el.hidden = !p;
    if (!p) return;
    const error = document.createElement('div');
    error.textContent = p.error;
    el.append(error);
    if (p.hint) {
      const hint = document.createElement('div');
      hint.className = 'hint';
      hint.textContent = `Hint: ${p.hint}`;
      el.append(hint);
    }
  }

  const message = (p) => showProblem($('message'), p);
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  // ---- the job's state

  let job = null; // the job as the API shows it, plus what we derived
  let events = null; // AbortController of the event stream
  let blocks = new Map(); // block id → block
  let order = []; // every block, in document order
  let selected = null; // block id in the editor
  let views = new Map(); // page → { row, near, source, translation }
  let observer = null;
  let queue = []; // page image loads waiting (last in, first out: where the reader is now)
  let loading = 0;
  let pendingScroll = null;
  let pageSize = null; // [width, height] in points of the last page measured
  const undos = new Map(); // block id → [{ translation, edited }] before each save
  const drafts = new Map(); // block id → text typed but not saved

  const jobUrl = (path = '') => `/v1/jobs/${job.id}${path}`;
  const blockKey = (id) => id.slice(1).split('-').map(Number); // "p3-12" → [3, 12]

  function closeJob() {
    if (events) events.abort();
    events = null;
    if (observer) observer.disconnect();
    observer = null;
    for (const view of views.values()) {
      for (const side of [view.source, view.translation]) if (side.url) URL.revokeObjectURL(side.url);
    }
    job = null;
    blocks = new Map();
    order = [];
    selected = null;
    views = new Map();
    queue = [];
    pendingScroll = null;
    undos.clear();
    drafts.clear();
    $('pages').replaceChildren();
    $('check-list').replaceChildren();
    $('editor').hidden = true;
    $('job').hidden = true;
    $('empty').hidden = false;
    document.title = 'Folio';
    showRecent();
  }

  /** The server's jobs, newest first, each a link that opens it. */
  async function showRecent() {
    const response = await api('/v1/jobs');
    if (!response.ok || job) return;
    const { jobs } = await response.json();
    $('recent-list').replaceChildren(...jobs.slice(0, 30).map((j) => {
      const li = document.createElement('li');
      const a = document.createElement('a');
      a.href = `#job=${j.id}`;
      const name = document.createElement('span');
      name.className = 'name';
      name.textContent = (j.options && j.options.file_name) || j.id;
      const what = document.createElement('span');
      what.className = 'muted';
      const when = new Date(j.created_ms).toLocaleString();
      what.textContent = `${j.pages} p. · to ${j.options ? j.options.to : '?'} · ${when}`;
      const state = document.createElement('span');
      state.className = `state ${j.state}`;
      state.textContent = j.state;
      a.append(name, what, state);
      li.append(a);
      return li;
    }));
    $('recent').hidden = jobs.length === 0;
  }

  async function openJob(id) {
    id = id.trim().toLowerCase();
    if (job && job.id === id) return;
    closeJob();
    message(null);
    const response = await api(`/v1/jobs/${encodeURIComponent(id)}`);
    if (!response.ok) {
      message(await problem(response));
      if (location.hash) setHash('');
      return;
    }
    job = await response.json();
    setHash(`#job=${job.id}`);
    $('empty').hidden = true;
    $('job').hidden = false;
    $('job-id').textContent = job.id;
    showJob(job);
    if (job.state === 'done') await jobDone(job);
    events = new AbortController();
    follow(job.id, events.signal);
  }

  function setHash(hash) {
    window.history.replaceState(null, '', hash || location.pathname);
  }

  // ---- progress: Server-Sent Events read through fetch (EventSource cannot send the token)

  async function follow(id, signal) {
    let delay = 1000;
    while (!signal.aborted) {
      try {
        const response = await api(`/v1/jobs/${id}/events?follow=true`, { signal, headers: { Accept: 'text/event-stream' } });
        if (!response.ok) {
          message(await problem(response));
          return;
        }
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value.replace(/\r\n?/g, '\n');
          let end;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            dispatch(buffer.slice(0, end));
            buffer = buffer.slice(end + 2);
          }
          delay = 1000;
        }
      } catch (_) {
        if (signal.aborted) return;
      }
      if (!job || job.id !== id || job.state === 'failed') return;
      await sleep(delay);
      delay = Math.min(delay * 2, 15000);
    }
  }

  function dispatch(raw) {
    let name = 'message';
    const data = [];
    for (const line of raw.split('\n')) {
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') name = value;
      else if (field === 'data') data.push(value);
    }
    if (!data.length || !job) return;
    let body;
    try { body = JSON.parse(data.join('\n')); } catch (_) { return; }
    if (body.id !== job.id) return;
    if (name === 'progress' || name === 'failed') showJob(body);
    else if (name === 'done') {
      if (job.state !== 'done') jobDone(body);
      else if (body.revision > job.revision) pagesChanged(body.revision, [...views.keys()]);
    } else if (name === 'page') pagesChanged(body.revision, body.pages);
  }

  const STAGES = { read: 'Reading', layout: 'Finding the blocks', translate: 'Translating', typeset: 'Setting the text', write: 'Writing the PDF' };

  function showJob(j) {
    job = { ...job, ...j };
    const state = $('job-state');
    state.textContent = j.state;
    state.className = `state ${j.state}`;
    const bar = $('progress');
    const label = $('progress-label');
    $('running').hidden = j.state === 'done' || j.state === 'failed';
    let percent = null;
    if (j.state === 'queued') {
      label.textContent = 'Queued: waiting for a free runner';
      bar.removeAttribute('value');
    } else if (j.state === 'running') {
      const p = j.progress || {};
      const stage = STAGES[p.stage] || 'Starting';
      if (p.stage === 'translate' && p.segments_total > 0) {
        bar.max = p.segments_total;
        bar.value = p.segments_done;
        percent = Math.floor((100 * p.segments_done) / p.segments_total);
        label.textContent = `${stage}: ${p.segments_done} of ${p.segments_total} segments`;
      } else {
        bar.removeAttribute('value');
        label.textContent = `${stage}…`;
      }
    }
    showProblem($('failure'), j.state === 'failed' ? (j.error || { error: 'the job failed' }) : null);
    showRunAgain();
    const pages = `${j.pages} page${j.pages === 1 ? '' : 's'}`;
    const to = j.options && j.options.to ? ` · to ${j.options.to}` : '';
    if (j.state !== 'done') $('summary').textContent = `${pages}${to}`;
    document.title = `Folio · ${j.id.slice(0, 8)} · ${percent !== null ? `${percent}%` : j.state}`;
  }

  async function jobDone(j) {
    showJob(j);
    // The event carries no report: the job's own answer has it.
    const response = await api(jobUrl());
    if (response.ok) showJob(await response.json());
    showSummary();
    showDownloads();
    await loadBlocks();
    buildPages(job.pages);
  }

  function showSummary() {
    const r = job.report;
    const parts = [`${job.pages} page${job.pages === 1 ? '' : 's'}`];
    if (job.options && job.options.file_name) parts.unshift(job.options.file_name);
    if (job.options && job.options.to) parts.push(`to ${job.options.to}`);
    if (r && r.engine && r.engine.name) parts.push(r.engine.name);
    parts.push(`revision ${job.revision}`);
    $('summary').textContent = parts.join(' · ');
  }

  function showRunAgain() {
    const failed = job.state === 'failed' || (job.state === 'done' && order.some((b) => b.status === 'failed'));
    $('run-again').hidden = !failed;
  }

  // A failed job, or one with failed blocks, queued again; its events show it run.
  $('run-again').addEventListener('click', async () => {
    message(null);
    const response = await api(jobUrl('/run'), { method: 'POST' });
    if (!response.ok) {
      message(await problem(response));
      return;
    }
    showJob(await response.json());
  });

  // ---- downloads: fetched with the token, saved through an object URL

  function showDownloads() {
    const base = `folio-${job.id.slice(0, 8)}${job.options && job.options.to ? `.${job.options.to}` : ''}`;
    const links = { 'dl-pdf': ['result.pdf', `${base}.pdf`], 'dl-report': ['report.json', `${base}.report.json`], 'dl-xliff': ['xliff', `${base}.xlf`] };
    for (const [id, [path, name]] of Object.entries(links)) {
      const a = $(id);
      a.href = jobUrl(`/${path}`);
      a.download = name;
    }
    $('downloads').hidden = false;
    $('xliff-import').hidden = false;
  }

  // A translator's XLIFF brought back: every changed unit applied as an edit, or none.
  $('xliff-import').addEventListener('submit', async (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    const file = form.elements.file.files[0];
    if (!file || !job) return;
    const button = form.querySelector('button');
    button.disabled = true;
    message(null);
    try {
      const response = await api(jobUrl('/xliff'), { method: 'PUT', body: file, headers: { 'Content-Type': 'application/x-xliff+xml' } });
      if (!response.ok) {
        message(await problem(response));
        return;
      }
      const edited = await response.json();
      form.reset();
      await pagesChanged(edited.revision, edited.pages);
      $('summary').textContent += ` · ${edited.blocks.length} block${edited.blocks.length === 1 ? '' : 's'} imported`;
    } finally {
      button.disabled = false;
    }
  });

  $('downloads').addEventListener('click', async (event) => {
    const a = event.target.closest('a');
    if (!a || a.dataset.blob) return;
    event.preventDefault();
    message(null);
    const response = await api(a.getAttribute('href'));
    if (!response.ok) {
      message(await problem(response));
      return;
    }
    const url = URL.createObjectURL(await response.blob());
    const save = document.createElement('a');
    save.href = url;
    save.download = a.download;
    save.dataset.blob = '1';
    document.body.append(save);
    save.click();
    save.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  });

  // ---- blocks and the list to check

  async function loadBlocks() {
    const response = await api(jobUrl('/blocks'));
    if (!response.ok) {
      message(await problem(response));
      return;
    }
    const body = await response.json();
    blocks = new Map(body.blocks.map((b) => [b.id, b]));
    order = body.blocks.slice().sort((a, b) => {
      const [pa, ia] = blockKey(a.id);
      const [pb, ib] = blockKey(b.id);
      return pa - pb || ia - ib;
    });
    for (const page of views.keys()) drawBlocks(page);
    showChecks();
    showRunAgain();
    if (selected && blocks.has(selected)) showEditor(blocks.get(selected), { keepStatus: true });
  }

  const toCheck = (b) => PROBLEMS.includes(b.status) || ($('show-edited').checked && b.edited);

  function showChecks() {
    const list = $('check-list');
    const items = order.filter(toCheck);
    $('check').hidden = false;
    $('check-count').textContent = `(${items.length})`;
    list.replaceChildren(...items.map((b) => {
      const li = document.createElement('li');
      const button = document.createElement('button');
      button.type = 'button';
      button.dataset.block = b.id;
      if (b.id === selected) button.setAttribute('aria-current', 'true');
      const where = document.createElement('span');
      where.className = 'where';
      where.textContent = `p. ${b.page}`;
      const tag = document.createElement('span');
      const status = PROBLEMS.includes(b.status) ? b.status : 'edited';
      tag.className = `tag ${status}`;
      tag.textContent = status;
      const text = document.createElement('span');
      text.className = 'text';
      text.textContent = (b.translation || b.source).replace(PLACEHOLDER, '');
      button.append(where, tag, text);
      if (b.edited && status !== 'edited') {
        const edited = document.createElement('span');
        edited.className = 'tag edited';
        edited.textContent = 'edited';
        button.append(edited);
      }
      li.append(button);
      return li;
    }));
    $('prev').disabled = $('next').disabled = items.length === 0;
  }

  $('show-edited').addEventListener('change', showChecks);
  $('check-list').addEventListener('click', (event) => {
    const button = event.target.closest('button[data-block]');
    if (button) select(button.dataset.block, { scroll: true });
  });

  /** The next (or previous) block to check after the one selected, in document order. */
  function step(direction) {
    const items = order.filter(toCheck);
    if (!items.length) return;
    const at = selected ? order.findIndex((b) => b.id === selected) : -1;
    const position = (b) => order.indexOf(b);
    let target;
    if (direction > 0) target = items.find((b) => position(b) > at) || items[0];
    else target = [...items].reverse().find((b) => at < 0 || position(b) < at) || items[items.length - 1];
    select(target.id, { scroll: true });
  }

  $('next').addEventListener('click', () => step(1));
  $('prev').addEventListener('click', () => step(-1));

  // ---- pages: rows of two sheets, images loaded as they come near the view

  function buildPages(count) {
    const pages = $('pages');
    pages.replaceChildren();
    // A job run again is done again: its pages are built anew.
    if (observer) observer.disconnect();
    for (const view of views.values()) {
      for (const side of [view.source, view.translation]) if (side.url) URL.revokeObjectURL(side.url);
    }
    views = new Map();
    queue = [];
    observer = new IntersectionObserver(nearView, { root: pages, rootMargin: '800px 0px' });
    for (let n = 1; n <= count; n++) {
      const row = document.createElement('div');
      row.className = 'page';
      row.id = `page-${n}`;
      row.dataset.page = n;
      const number = document.createElement('div');
      number.className = 'page-number';
      number.textContent = `Page ${n}`;
      const source = sheet(n, 'source', 'original');
      const translation = sheet(n, 'translation', 'translation');
      row.append(number, source.el, translation.el);
      pages.append(row);
      views.set(n, { row, near: false, source, translation });
      observer.observe(row);
    }
  }

  function sheet(page, side, what) {
    const el = document.createElement('div');
    el.className = `sheet ${side}-side loading`;
    el.setAttribute('role', 'group');
    el.setAttribute('aria-label', `Page ${page}, ${what}`);
    return { el, side, img: null, url: null, revision: 0, wanted: 0 };
  }

  function nearView(entries) {
    for (const entry of entries) {
      const view = views.get(Number(entry.target.dataset.page));
      if (!view) continue;
      view.near = entry.isIntersecting;
      if (view.near) {
        wantImage(Number(entry.target.dataset.page), 'source');
        wantImage(Number(entry.target.dataset.page), 'translation');
      }
    }
  }

  /** Queues page `page`'s image of `side` unless the one shown (or coming) is current. */
  function wantImage(page, side) {
    const view = views.get(page);
    const s = view[side];
    const revision = side === 'translation' ? job.revision : 1;
    if (s.wanted >= revision) return;
    s.wanted = revision;
    queue.push([page, side, revision]);
    pump();
  }

  function pump() {
    while (loading < IMAGE_LOADS && queue.length) {
      const [page, side, revision] = queue.pop();
      const view = views.get(page);
      if (!view || !view.near) {
        // Left behind by a quick scroll: loaded when it comes near again.
        if (view) view[side].wanted = view[side].revision;
        continue;
      }
      loading++;
      loadImage(page, side, revision).finally(() => {
        loading--;
        pump();
      });
    }
  }

  async function loadImage(page, side, revision) {
    const view = views.get(page);
    const s = view[side];
    const id = job.id;
    s.el.classList.add(s.img ? 'stale' : 'loading');
    const url = jobUrl(`/pages/${page}/${side}.png?dpi=${DPI}${side === 'translation' ? `&v=${revision}` : ''}`);
    let blobUrl = null;
    try {
      const response = await api(url);
      if (!response.ok) throw new Error((await problem(response)).error);
      blobUrl = URL.createObjectURL(await response.blob());
      const img = new Image();
      img.src = blobUrl;
      await img.decode();
      // Another job opened, or a newer revision shown meanwhile: drop this one.
      if (!job || job.id !== id || views.get(page) !== view || s.revision > revision) {
        URL.revokeObjectURL(blobUrl);
        return;
      }
      img.alt = `Page ${page}, ${side === 'source' ? 'original' : 'translation'}`;
      img.dataset.revision = revision;
      img.draggable = false;
      if (s.img) s.img.replaceWith(img);
      else s.el.prepend(img);
      if (s.url) URL.revokeObjectURL(s.url);
      Object.assign(s, { img, url: blobUrl, revision });
      s.el.classList.remove('loading', 'stale', 'broken');
      if (side === 'source' || !view.size) measure(page, img);
    } catch (error) {
      if (blobUrl) URL.revokeObjectURL(blobUrl);
      s.el.classList.remove('loading', 'stale');
      s.el.classList.add('broken');
      s.el.title = String(error.message || error);
      s.wanted = s.revision; // tried again when it comes near again
    }
  }

  /** The page's size in points, from its image: boxes are placed in fractions of it. */
  function measure(page, img) {
    const view = views.get(page);
    view.size = [(img.naturalWidth * 72) / DPI, (img.naturalHeight * 72) / DPI];
    const aspect = view.size[0] / view.size[1];
    view.row.style.setProperty('--aspect', aspect);
    if (!pageSize) {
      pageSize = view.size;
      // Pages not loaded yet take the first page's shape, so the scroll does not jump.
      $('pages').style.setProperty('--aspect', aspect);
    }
    drawBlocks(page);
  }

  function drawBlocks(page) {
    const view = views.get(page);
    if (!view || !view.size) return;
    const [w, h] = view.size;
    const mine = order.filter((b) => b.page === page);
    for (const s of [view.source, view.translation]) {
      s.el.querySelectorAll('.block').forEach((el) => el.remove());
      for (const b of mine) {
        const button = document.createElement('button');
        button.type = 'button';
        const classes = ['block', s.side === 'translation' ? b.status : ''];
        if (b.edited && s.side === 'translation') classes.push('edited');
        if (b.id === selected) classes.push('selected');
        button.className = classes.filter(Boolean).join(' ');
        button.dataset.block = b.id;
        const [x0, y0, x1, y1] = b.bbox;
        Object.assign(button.style, {
          left: `${(100 * x0) / w}%`,
          top: `${(100 * y0) / h}%`,
          width: `${(100 * (x1 - x0)) / w}%`,
          height: `${(100 * (y1 - y0)) / h}%`,
        });
        const text = (b.translation || b.source).replace(PLACEHOLDER, '');
        button.title = `${b.id} · ${b.status}${b.edited ? ' · edited' : ''}\n${text.slice(0, 160)}`;
        button.setAttribute('aria-label', `Block ${b.id}, ${b.role}, ${b.status}${b.edited ? ', edited' : ''}`);
        // One side in the tab order is enough; the other repeats it.
        if (s.side === 'source') button.tabIndex = -1;
        s.el.append(button);
      }
    }
    if (pendingScroll && mine.some((b) => b.id === pendingScroll)) {
      const el = view.translation.el.querySelector(`[data-block="${pendingScroll}"]`);
      pendingScroll = null;
      if (el) el.scrollIntoView({ block: 'center', behavior: 'smooth' });
    }
  }

  $('pages').addEventListener('click', (event) => {
    const button = event.target.closest('.block');
    if (button) select(button.dataset.block, { focus: true });
  });

  /** Pages whose translation changed (an edit here or elsewhere): new images and blocks. */
  async function pagesChanged(revision, pages) {
    if (!job || revision < job.revision) return;
    const fresh = revision > job.revision;
    job.revision = revision;
    showSummary();
    for (const page of pages) {
      const view = views.get(page);
      if (view && view.near) wantImage(page, 'translation');
    }
    if (fresh) await loadBlocks();
  }

  // ---- the editor

  function select(id, { scroll = false, focus = false } = {}) {
    const block = blocks.get(id);
    if (!block) return;
    selected = id;
    document.querySelectorAll('.block.selected').forEach((el) => el.classList.remove('selected'));
    document.querySelectorAll(`.block[data-block="${id}"]`).forEach((el) => el.classList.add('selected'));
    document.querySelectorAll('#check-list button').forEach((el) => {
      if (el.dataset.block === id) {
        el.setAttribute('aria-current', 'true');
        el.scrollIntoView({ block: 'nearest' });
      } else el.removeAttribute('aria-current');
    });
    showEditor(block);
    if (scroll) {
      const el = document.querySelector(`.translation-side .block[data-block="${id}"]`);
      if (el) el.scrollIntoView({ block: 'center', behavior: 'smooth' });
      else {
        pendingScroll = id;
        views.get(block.page).row.scrollIntoView({ block: 'start' });
      }
    }
    // Focus moves to the text only on a click: n/p keep stepping from the keyboard.
    if (focus) {
      const area = $('translation');
      if (!area.readOnly) area.focus({ preventScroll: true });
    }
  }

  function showEditor(b, { keepStatus = false } = {}) {
    $('editor').hidden = false;
    $('editor-title').textContent = `Block ${b.id}`;
    const meta = [`page ${b.page}`, b.role, b.status + (b.reason ? ` (${b.reason})` : '')];
    if (b.scale && !(b.reason || '').includes('%')) meta.push(`set at ${Math.round(b.scale * 100)}%`);
    if (b.edited) meta.push('edited');
    $('editor-meta').textContent = meta.join(' · ');
    $('source').replaceChildren(...withPlaceholders(b.source));
    const area = $('translation');
    const draft = drafts.get(b.id);
    const text = draft !== undefined ? draft : (b.translation || '');
    // Set only when it differs: setting it moves the caret of someone typing.
    if (area.value !== text) area.value = text;
    area.readOnly = !b.editable;
    area.placeholder = b.translation === null && b.editable ? 'No translation yet: type one' : '';
    showProblem($('edit-error'), null);
    if (!keepStatus) {
      $('edit-status').textContent = !b.editable
        ? 'Kept as it is: this block is not translated.'
        : draft !== undefined ? 'Unsaved changes.' : '';
    }
    checkPlaceholders();
    buttons();
  }

  /** `text` as nodes, each placeholder a distinct chip. */
  function withPlaceholders(text) {
    const nodes = [];
    let last = 0;
    for (const match of text.matchAll(PLACEHOLDER)) {
      if (match.index > last) nodes.push(document.createTextNode(text.slice(last, match.index)));
      const chip = document.createElement('span');
      chip.className = 'ph';
      chip.textContent = match[0];
      chip.title = match[0].startsWith('[/') ? 'end of a styled span' : 'a styled span, link or inline item';
      nodes.push(chip);
      last = match.index + match[0].length;
    }
    if (last < text.length) nodes.push(document.createTextNode(text.slice(last)));
    return nodes;
  }

  /** Shows which of the source's placeholders the translation lacks (each once, as the API wants). */
  function checkPlaceholders() {
    const out = $('placeholders');
    const b = blocks.get(selected);
    const wanted = b ? [...b.source.matchAll(PLACEHOLDER)].map((m) => m[0]) : [];
    out.replaceChildren();
    if (!wanted.length) return;
    const typed = $('translation').value.match(PLACEHOLDER) || [];
    out.append('Keep: ');
    let missing = 0;
    for (const p of wanted) {
      const chip = document.createElement('span');
      const ok = typed.filter((t) => t === p).length === 1;
      chip.className = ok ? 'ph' : 'ph missing';
      chip.textContent = p;
      if (!ok) missing++;
      out.append(chip, ' ');
    }
    if (missing) out.append(`(${missing} missing or repeated)`);
  }

  function buttons(busy = false) {
    const b = blocks.get(selected);
    $('save').disabled = busy || !b || !b.editable;
    $('undo').disabled = busy || !b || !(undos.get(b.id) || []).length;
    $('revert').disabled = busy || !b || !b.edited;
  }

  $('translation').addEventListener('input', () => {
    const b = blocks.get(selected);
    if (!b) return;
    if ($('translation').value === (b.translation || '')) drafts.delete(b.id);
    else drafts.set(b.id, $('translation').value);
    $('edit-status').textContent = drafts.has(b.id) ? 'Unsaved changes.' : '';
    checkPlaceholders();
  });

  /** PUT (a translation) or DELETE (none: the engine's again) on the selected block. */
  async function change(translation, { remember }) {
    const b = blocks.get(selected);
    if (!b) return;
    buttons(true);
    showProblem($('edit-error'), null);
    $('edit-status').textContent = 'Saving…';
    const options = translation === null
      ? { method: 'DELETE' }
      : { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ translation }) };
    let response;
    try {
      response = await api(jobUrl(`/blocks/${b.id}`), options);
    } catch (error) {
      showProblem($('edit-error'), { error: `the server did not answer: ${error.message}` });
      $('edit-status').textContent = '';
      buttons();
      return;
    }
    if (!response.ok) {
      showProblem($('edit-error'), await problem(response));
      $('edit-status').textContent = '';
      buttons();
      return;
    }
    const edited = await response.json();
    if (remember) {
      if (!undos.has(b.id)) undos.set(b.id, []);
      undos.get(b.id).push({ translation: b.translation, edited: b.edited });
    }
    drafts.delete(b.id);
    for (const nb of edited.blocks) blocks.set(nb.id, { ...blocks.get(nb.id), ...nb });
    order = order.map((ob) => blocks.get(ob.id) || ob);
    await pagesChanged(edited.revision, edited.pages);
    if (selected === b.id) {
      showEditor(blocks.get(b.id), { keepStatus: true });
      $('edit-status').textContent = `Saved: revision ${edited.revision}, page ${edited.pages.join(', ') || b.page} written again.`;
    }
    buttons();
  }

  function save() {
    const b = blocks.get(selected);
    if (!b || !b.editable || $('save').disabled) return;
    const text = $('translation').value;
    if (text === (b.translation || '')) {
      $('edit-status').textContent = 'Nothing changed.';
      return;
    }
    change(text, { remember: true });
  }

  function undo() {
    const b = blocks.get(selected);
    const past = b && undos.get(b.id);
    if (!past || !past.length || $('undo').disabled) return;
    const before = past.pop();
    change(before.edited ? before.translation : null, { remember: false });
  }

  function closeEditor() {
    // Focus would stay on the hidden text field and swallow n/p: it goes back to the block.
    if ($('editor').contains(document.activeElement)) {
      const block = document.querySelector(`.translation-side .block[data-block="${selected}"]`);
      if (block) block.focus({ preventScroll: true });
      else document.activeElement.blur();
    }
    $('editor').hidden = true;
    selected = null;
    document.querySelectorAll('.block.selected').forEach((el) => el.classList.remove('selected'));
  }

  $('save').addEventListener('click', save);
  $('undo').addEventListener('click', undo);
  $('revert').addEventListener('click', () => change(null, { remember: true }));
  $('close').addEventListener('click', closeEditor);

  document.addEventListener('keydown', (event) => {
    if (!job || $('job').hidden) return;
    const typing = event.target.closest('input, textarea, select');
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey) && !$('editor').hidden) {
      event.preventDefault();
      save();
    } else if (event.key === 'Escape' && !$('editor').hidden) {
      closeEditor();
    } else if (event.altKey && (event.key === 'ArrowDown' || event.key === 'ArrowUp')) {
      event.preventDefault();
      step(event.key === 'ArrowDown' ? 1 : -1);
    } else if (!typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
      if (event.key === 'n' || event.key === 'j') step(1);
      else if (event.key === 'p' || event.key === 'k') step(-1);
    }
  });

  // ---- upload and open

  $('upload').addEventListener('submit', async (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    const button = form.querySelector('button');
    const data = new FormData(form);
    for (const field of ['from', 'engine', 'pages']) {
      if (!String(data.get(field) || '').trim()) data.delete(field);
    }
    localStorage.setItem('folio-to', String(data.get('to')));
    message(null);
    button.disabled = true;
    button.textContent = 'Uploading…';
    try {
      const response = await api('/v1/jobs', { method: 'POST', body: data });
      if (!response.ok) {
        message(await problem(response));
        return;
      }
      const { id } = await response.json();
      form.elements.file.value = '';
      await openJob(id);
    } catch (error) {
      message({ error: `the upload failed: ${error.message}` });
    } finally {
      button.disabled = false;
      button.textContent = 'Translate';
    }
  });

  $('open').addEventListener('submit', (event) => {
    event.preventDefault();
    const id = event.currentTarget.elements.id.value;
    if (id.trim()) openJob(id);
  });

  function fromHash() {
    const match = /^#job=([0-9a-fA-F]+)$/.exec(location.hash);
    if (match) openJob(match[1]);
    else closeJob();
  }

  window.addEventListener('hashchange', fromHash);

  async function start() {
    $('upload').elements.to.value = localStorage.getItem('folio-to') || '';
    const response = await api('/v1/engines');
    if (response.ok) {
      const { engines } = await response.json();
      if (engines.length) {
        const select = $('upload').elements.engine;
        for (const name of engines) select.add(new Option(name, name));
        $('engine-field').hidden = false;
      }
    }
    fromHash();
  }

  start();
})();
