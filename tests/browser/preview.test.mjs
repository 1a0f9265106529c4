// The preview page of `folio serve` in a real browser: Debian's chromium driven by
// playwright-core, against the real `folio` binary with the pseudo engine.
//
//   cargo build -p folio-cli && npm ci --prefix tests/browser && node --test tests/browser/
//
// FOLIO_BIN names the binary (default target/debug/folio); CHROMIUM the browser (default
// /usr/bin/chromium). Screenshots go to target/browser-artifacts/.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const root = path.resolve(import.meta.dirname, '..', '..');
const bin = path.resolve(root, process.env.FOLIO_BIN || 'target/debug/folio');
const browserPath = process.env.CHROMIUM || '/usr/bin/chromium';
const artifacts = path.join(root, 'target', 'browser-artifacts');
const example = path.join(root, 'examples', 'federal-register-2020-17221-p1-2.pdf');
// Words no engine writes: the edit is found by them in the page and the PDF.
const WORDS = 'Zebra quokka marmoset ocelot';

/** Starts `folio serve` on a free port (port 0; the server prints the one it got). */
async function startServer(t, extra = []) {
  assert.ok(fs.existsSync(bin), `no folio binary at ${bin}: run \`cargo build -p folio-cli\` or set FOLIO_BIN`);
  const data = fs.mkdtempSync(path.join(os.tmpdir(), 'folio-browser-'));
  const child = spawn(bin, ['serve', '--engine', 'pseudo', '--data', data, '--listen', '127.0.0.1:0', ...extra], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`folio serve did not start:\n${log}`)), 15000);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => {
      log += chunk;
      // Only a whole address: the line may come in pieces.
      const match = /listening on (http:\/\/[^\s]+)\s/.exec(log);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.on('exit', (code) => reject(new Error(`folio serve exited (${code}):\n${log}`)));
  });
  /** SIGTERM; the server must be gone within 10 s (else it is killed and this fails). */
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', () => resolve(true)));
    child.kill('SIGTERM');
    const stopped = await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10000, false))]);
    if (!stopped) child.kill('SIGKILL');
    assert.ok(stopped, `folio serve did not stop within 10 s of SIGTERM:\n${log}`);
  };
  t.after(async () => {
    await stop();
    fs.rmSync(data, { recursive: true, force: true });
  });
  return { url, log: () => log, stop };
}

/** Debian's chromium, headless, in a fresh profile; page errors fail the test. */
async function openBrowser(t) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'folio-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: browserPath,
    headless: true,
    acceptDownloads: true,
    viewport: { width: 1400, height: 1000 },
    // Without the background-networking flags Chromium's own connections fail here and
    // slow every start.
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = context.pages()[0] || (await context.newPage());
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  // The browser logs each 4xx answer as an error itself; the page's own are kept.
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text());
  });
  t.after(async () => {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  });
  return { page, errors };
}

async function json(url, init) {
  const response = await fetch(url, init);
  assert.equal(response.status, 200, `${url}: ${response.status}`);
  return response.json();
}

/** The translated page's image as the page shows it: its pixels hashed, its src and revision. */
async function shownImage(page, n) {
  const shown = await page.evaluate((n) => {
    const img = document.querySelector(`#page-${n} .translation-side img`);
    const canvas = document.createElement('canvas');
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    canvas.getContext('2d').drawImage(img, 0, 0);
    return { src: img.src, revision: img.dataset.revision, pixels: canvas.toDataURL('image/png') };
  }, n);
  return { src: shown.src, revision: shown.revision, hash: createHash('sha256').update(shown.pixels).digest('hex') };
}

const flat = (text) => text.split(/\s+/).filter(Boolean).join(' ');

test('upload, wait, edit a block, see the page change, download the PDF', { timeout: 120000 }, async (t) => {
  fs.mkdirSync(artifacts, { recursive: true });
  fs.rmSync(path.join(artifacts, 'failure.png'), { force: true });
  const started = Date.now();
  const mark = (what) => t.diagnostic(`${what}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const server = await startServer(t);
  const { page, errors } = await openBrowser(t);
  mark('server and browser started');
  try {
    await page.goto(server.url);
    await page.getByLabel('PDF', { exact: true }).setInputFiles(example);
    await page.getByLabel('To', { exact: true }).fill('pt-BR');
    await page.getByRole('button', { name: 'Translate' }).click();

    await page.locator('#job-state', { hasText: 'done' }).waitFor({ timeout: 60000 });
    const id = await page.locator('#job-id').textContent();
    assert.match(id, /^[0-9a-f]{32}$/);
    assert.equal(new URL(page.url()).hash, `#job=${id}`, 'the job is in the address, for a reload');
    const api = `${server.url}/v1/jobs/${id}`;
    mark('translated');

    // Page 1 shown on both sides, its blocks drawn over it.
    const translated = page.locator('#page-1 .translation-side img[data-revision="1"]');
    await translated.waitFor();
    await page.locator('#page-1 .source-side img').waitFor();
    const { blocks } = await json(`${api}/pages/1/blocks`);
    const block = blocks.find((b) => b.status === 'translated' && b.editable && !b.source.includes('[1]') && b.source.length > 30);
    assert.ok(block, 'a translated block without placeholders on page 1');
    const overlay = page.locator(`#page-1 .translation-side .block[data-block="${block.id}"]`);
    await overlay.waitFor();
    await page.screenshot({ path: path.join(artifacts, 'before-edit.png') });
    mark('page 1 shown');

    const before = await shownImage(page, 1);
    assert.equal(before.revision, '1');

    // Click the block: the editor shows its source and translation.
    await overlay.click();
    await assert.doesNotReject(page.locator('#editor-title', { hasText: `Block ${block.id}` }).waitFor());
    const area = page.getByLabel('Translation', { exact: true });
    assert.equal(await area.inputValue(), block.translation);
    assert.equal(flat(await page.locator('#source').textContent()), flat(block.source));

    // Type and save with Ctrl+Enter: the page image is fetched again at the new revision.
    await area.fill(WORDS);
    await area.press('Control+Enter');
    await page.locator('#edit-status', { hasText: 'Saved: revision 2' }).waitFor();
    await page.locator('#page-1 .translation-side img[data-revision="2"]').waitFor();
    const after = await shownImage(page, 1);
    assert.notEqual(after.src, before.src, 'the image was not replaced');
    assert.notEqual(after.hash, before.hash, 'the translated page image did not change');

    const edited = (await json(`${api}/pages/1/blocks`)).blocks.find((b) => b.id === block.id);
    assert.equal(edited.translation, WORDS);
    assert.equal(edited.edited, true);
    await page.locator(`#page-1 .translation-side .block.edited[data-block="${block.id}"]`).waitFor();
    await page.screenshot({ path: path.join(artifacts, 'after-edit.png') });
    mark('edited');

    // The list to check, with the edited blocks asked for: the edit is there, and `n` (from
    // outside the text field) steps to it.
    await page.getByLabel('edited too').check();
    await page.locator(`#check-list button[data-block="${block.id}"]`).waitFor();
    assert.equal(await page.locator('#check-list li').count(), 1 + blocks.filter((b) => ['failed', 'overflowed', 'shrunk'].includes(b.status)).length);
    await area.press('Escape');
    assert.equal(await page.locator('#editor').isHidden(), true);
    await page.keyboard.press('n');
    await page.locator('#editor-title', { hasText: `Block ${block.id}` }).waitFor();
    assert.equal(await area.inputValue(), WORDS);

    // The PDF downloaded from the page holds the edit.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'PDF' }).click(),
    ]);
    const pdf = fs.readFileSync(await download.path());
    assert.equal(pdf.subarray(0, 4).toString(), '%PDF');
    const text = execFileSync('pdftotext', ['-', '-'], { input: pdf }).toString();
    assert.ok(flat(text).includes(WORDS), 'the downloaded PDF lacks the edit');
    mark('downloaded');

    // A translation that drops the source's placeholders: the server's 422 shown by the
    // editor, nothing written.
    const styled = blocks.find((b) => b.status === 'translated' && b.editable && b.source.includes('[1]'));
    if (styled) {
      await page.locator(`#page-1 .translation-side .block[data-block="${styled.id}"]`).click();
      await area.fill('Nothing kept of the spans');
      await page.getByRole('button', { name: 'Save' }).click();
      const error = page.locator('#edit-error');
      await error.waitFor();
      assert.match(await error.textContent(), /placeholder \[1\]/);
      assert.equal((await json(api)).revision, 2);
      await area.press('Escape');
    }

    // Undo on the edited block: the engine's translation is back, at a new revision.
    await overlay.click();
    await page.getByRole('button', { name: 'Undo' }).click();
    await page.locator('#edit-status', { hasText: 'Saved: revision 3' }).waitFor();
    await page.locator('#page-1 .translation-side img[data-revision="3"]').waitFor();
    assert.equal((await shownImage(page, 1)).hash, before.hash, 'the engine\'s page is not back');
    const undone = (await json(`${api}/pages/1/blocks`)).blocks.find((b) => b.id === block.id);
    assert.equal(undone.translation, block.translation);
    assert.equal(undone.edited, false);
    assert.equal(await area.inputValue(), block.translation);

    mark('undone');
    assert.deepEqual(errors, [], 'errors in the page');

    // With the page open (its event stream followed), the server still stops at SIGTERM.
    await server.stop();
  } catch (error) {
    await page.screenshot({ path: path.join(artifacts, 'failure.png') }).catch(() => {});
    throw new Error(`${error.message}\n--- folio serve's log:\n${server.log()}`, { cause: error });
  }
});

test('a server with a token: the page asks for it and then reaches the API', { timeout: 60000 }, async (t) => {
  const server = await startServer(t, ['--token', 'sesame', '--allow-engines', 'identity']);
  const { page, errors } = await openBrowser(t);
  // The page and its assets load without the token (crates/serve/tests/api.rs checks their
  // answers); the API asks for it.
  const response = await page.goto(server.url);
  assert.equal(response.status(), 200, `${server.url}: ${await response.text()}`);
  const field = page.getByLabel('Access token');
  await field.waitFor();
  await field.fill('wrong');
  await field.press('Enter');
  await page.locator('#token p', { hasText: 'refused' }).waitFor();
  await field.fill('sesame');
  await page.getByRole('button', { name: 'Use token' }).click();
  // With the token the engines are listed: the server's and the one allowed.
  const engine = page.getByLabel('Engine');
  await engine.waitFor();
  const names = await engine.locator('option').allTextContents();
  assert.deepEqual(names.slice(1).sort(), ['identity', 'pseudo']);
  assert.equal(await page.locator('#token').isHidden(), true);
  assert.deepEqual(errors, [], 'errors in the page');
});
