/** Which command-line arguments are report files, and the bounded, careful read of one. */
import { mkdtemp, mkdir, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_WAITING, readReportFile, ReportInbox, reportPathsFrom } from './open-report';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sealcheck-open-report-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('reportPathsFrom', () => {
  it('takes .sealcheck arguments only, never options, made absolute against the launch directory', () => {
    expect(
      reportPathsFrom(
        [
          '--inspect=9229',
          'a.sealcheck',
          '/tmp/B.SEALCHECK',
          'notes.json',
          '-x.sealcheck',
          'x.sealcheck.json',
        ],
        '/home/alice',
      ),
    ).toEqual(['/home/alice/a.sealcheck', '/tmp/B.SEALCHECK']);
    expect(reportPathsFrom(['a\0b.sealcheck', `${'x'.repeat(5000)}.sealcheck`], '/')).toEqual([]);
  });
});

describe('readReportFile', () => {
  it('reads a report as text', async () => {
    const file = join(dir, 'ok.sealcheck');
    await writeFile(file, '{"schema":"sealcheck.report/1"}');
    expect(await readReportFile(file)).toEqual({
      fileName: 'ok.sealcheck',
      text: '{"schema":"sealcheck.report/1"}',
    });
  });

  it('refuses, in one sentence each: a missing file, a directory, a huge file, bytes that are not text', async () => {
    expect(await readReportFile(join(dir, 'missing.sealcheck'))).toEqual({
      fileName: 'missing.sealcheck',
      problem: 'Sealcheck cannot read it: there is no such file.',
    });
    await mkdir(join(dir, 'folder.sealcheck'));
    expect(await readReportFile(join(dir, 'folder.sealcheck'))).toMatchObject({
      problem: 'Sealcheck cannot read it: it is not a file.',
    });
    const huge = join(dir, 'huge.sealcheck');
    await writeFile(huge, '');
    await truncate(huge, 17 * 1024 * 1024); // sparse: no 17 MB written
    expect(await readReportFile(huge)).toMatchObject({
      problem:
        'The file is not a Sealcheck report: it is larger than 16 MB, far more than any report.',
    });
    const binary = join(dir, 'binary.sealcheck');
    await writeFile(binary, Buffer.from([0x7b, 0xff, 0xfe, 0x7d]));
    expect(await readReportFile(binary)).toMatchObject({
      problem: 'The file is not a Sealcheck report: it is not text.',
    });
  });

  it('shows a long file name cut, never the directory', async () => {
    const name = `${'n'.repeat(200)}.sealcheck`;
    const item = await readReportFile(join(dir, name));
    expect(item.fileName.length).toBe(120);
    expect(item.fileName).not.toContain(dir);
  });
});

describe('ReportInbox', () => {
  it('keeps arrival order, once each, at most MAX_WAITING', async () => {
    const inbox = new ReportInbox();
    const a = join(dir, 'ok.sealcheck');
    expect(inbox.add([a, a])).toBe(1);
    const many = Array.from({ length: 40 }, (_, i) => join(dir, `m${i}.sealcheck`));
    expect(inbox.add(many)).toBe(MAX_WAITING);
    expect(await inbox.next()).toMatchObject({ fileName: 'ok.sealcheck' });
    expect(await inbox.next()).toMatchObject({ fileName: 'm0.sealcheck' });
    while (inbox.size > 0) await inbox.next();
    expect(await inbox.next()).toBeNull();
  });
});
