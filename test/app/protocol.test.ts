import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY_HEADER } from '../../app/main/csp';
import {
  APP_INDEX_URL,
  createAppProtocolHandler,
  isUrlInOrigins,
  resolveAppRequestPath,
  serveAppFile,
} from '../../app/main/protocol';

const root = '/srv/renderer';

describe('resolveAppRequestPath', () => {
  it.each([
    ['app://sealcheck/index.html', '/srv/renderer/index.html'],
    ['app://sealcheck/', '/srv/renderer/index.html'],
    ['app://sealcheck', '/srv/renderer/index.html'],
    ['app://sealcheck/assets/index-abc.js', '/srv/renderer/assets/index-abc.js'],
    ['app://sealcheck/assets/index.css?v=1#x', '/srv/renderer/assets/index.css'],
    ['app://SEALCHECK/a%20b.css', '/srv/renderer/a b.css'],
    // The URL parser folds dot segments at the root (as Chromium does): they stay inside.
    ['app://sealcheck/../etc/passwd', '/srv/renderer/etc/passwd'],
    ['app://sealcheck/assets/../../etc/passwd', '/srv/renderer/etc/passwd'],
    ['app://sealcheck/%2e%2e/etc/passwd', '/srv/renderer/etc/passwd'],
    ['app://sealcheck/%2E%2E/%2E%2E/etc/passwd', '/srv/renderer/etc/passwd'],
  ])('maps %s', (url, expected) => {
    expect(resolveAppRequestPath(root, url)).toBe(expected);
  });

  it.each([
    'app://sealcheck/assets/%2e%2e%2f%2e%2e%2fetc/passwd',
    'app://sealcheck/..%2fetc/passwd',
    'app://sealcheck/..%5cetc%5cpasswd',
    'app://sealcheck/assets/%00.js',
    'app://sealcheck/C:%5cWindows',
    'app://sealcheck/c:/x.js',
    'app://sealcheck//etc/passwd',
    'app://sealcheck/assets//x.js',
    'app://sealcheck/%E0%A4%A',
    'app://evil/index.html',
    'app://sealcheck:8080/index.html',
    'app://user:pw@sealcheck/index.html',
    'file:///srv/renderer/index.html',
    'https://sealcheck/index.html',
    'not a url',
  ])('refuses %s', (url) => {
    expect(resolveAppRequestPath(root, url)).toBeNull();
  });
});

describe('serveAppFile', () => {
  let dir: string;
  let outside: string;

  beforeAll(async () => {
    const base = await mkdtemp(join(tmpdir(), 'sealcheck-protocol-'));
    dir = join(base, 'renderer');
    outside = join(base, 'outside');
    await mkdir(join(dir, 'assets'), { recursive: true });
    await mkdir(outside);
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>t</title>');
    await writeFile(join(dir, 'assets', 'app.js'), 'export {};');
    await writeFile(join(dir, 'assets', 'app.css'), 'body{}');
    await writeFile(join(dir, 'assets', 'data.bin'), 'x');
    await writeFile(join(outside, 'secret.js'), 'secret');
    await writeFile(join(dir, 'assets', 'real.html'), '<p>');
    await symlink(join(outside, 'secret.js'), join(dir, 'assets', 'escape.js'));
    await symlink(outside, join(dir, 'linked-dir'));
    await symlink(join(dir, 'assets', 'app.js'), join(dir, 'assets', 'inside-link.js'));
    await symlink(join(dir, 'assets', 'real.html'), join(dir, 'assets', 'disguised.js'));
  });

  afterAll(async () => {
    await rm(join(dir, '..'), { recursive: true, force: true });
  });

  it('serves files with their MIME type and the CSP header', async () => {
    const res = await serveAppFile(dir, APP_INDEX_URL);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY_HEADER);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.body.toString()).toContain('<title>t</title>');

    const js = await serveAppFile(dir, 'app://sealcheck/assets/app.js');
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    const css = await serveAppFile(dir, 'app://sealcheck/assets/app.css');
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
  });

  it('follows a symbolic link that stays inside', async () => {
    expect((await serveAppFile(dir, 'app://sealcheck/assets/inside-link.js')).status).toBe(200);
  });

  it.each([
    ['a missing file', 'app://sealcheck/nope.js'],
    ['a directory', 'app://sealcheck/assets.js'],
    ['an unknown type', 'app://sealcheck/assets/data.bin'],
    ['a link to a file outside', 'app://sealcheck/assets/escape.js'],
    ['a path through a linked directory', 'app://sealcheck/linked-dir/secret.js'],
    ['a link that changes the type', 'app://sealcheck/assets/disguised.js'],
    ['traversal', 'app://sealcheck/../outside/secret.js'],
  ])('answers 404 for %s', async (_label, url) => {
    const res = await serveAppFile(dir, url);
    expect(res.status).toBe(404);
    expect(res.body.toString()).not.toContain('secret');
  });

  it('allows only GET and HEAD', async () => {
    expect((await serveAppFile(dir, APP_INDEX_URL, 'POST')).status).toBe(405);
    const head = await serveAppFile(dir, APP_INDEX_URL, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
  });

  it('answers fetch Requests as protocol.handle expects', async () => {
    const handle = createAppProtocolHandler(dir);
    const ok = await handle(new Request('app://sealcheck/assets/app.js'));
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY_HEADER);
    expect(await ok.text()).toBe('export {};');
    const missing = await handle(new Request('app://sealcheck/assets/escape.js'));
    expect(missing.status).toBe(404);
  });
});

describe('isUrlInOrigins', () => {
  it('compares scheme, host and port', () => {
    const origins = ['app://sealcheck', 'http://localhost:5173'];
    expect(isUrlInOrigins('app://sealcheck/index.html', origins)).toBe(true);
    expect(isUrlInOrigins('http://localhost:5173/src/main.ts', origins)).toBe(true);
    expect(isUrlInOrigins('http://localhost:5174/', origins)).toBe(false);
    expect(isUrlInOrigins('https://localhost:5173/', origins)).toBe(false);
    expect(isUrlInOrigins('app://sealcheck.evil/', origins)).toBe(false);
    expect(isUrlInOrigins('app://x@sealcheck/', origins)).toBe(false);
    expect(isUrlInOrigins('garbage', origins)).toBe(false);
  });
});
