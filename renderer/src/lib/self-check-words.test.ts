import { describe, expect, it } from 'vitest';
import { describeItem, progressLabel, stepTitle, verdict } from './self-check-words';

describe('self-check words', () => {
  it('puts the verdict first and the versions after it', () => {
    expect(
      describeItem({
        step: 'tls',
        ok: true,
        facts: { openssl: '3.5.8', minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' },
      }),
    ).toEqual({ summary: 'Available (OpenSSL 3.5.8, TLS 1.2 to 1.3).', technical: null });
  });

  it('counts trusted authorities, and says when the system list could not be read', () => {
    expect(
      describeItem({ step: 'roots', ok: true, facts: { bundled: 121, system: 576 } }).summary,
    ).toBe('Known: 121 public, 576 from this system.');
    expect(
      describeItem({ step: 'roots', ok: true, facts: { bundled: 121, system: 'unknown' } }).summary,
    ).toBe("Known: 121 public, this system's own list could not be read.");
  });

  it('keeps the keychain error as technical detail, not in the sentence', () => {
    const words = describeItem({
      step: 'keychain',
      ok: false,
      facts: { backend: 'secret-service', available: false, reason: 'The keychain is locked.' },
    });
    expect(words.summary).toBe(
      'Not available: Sealcheck will not store passwords on this computer.',
    );
    expect(words.technical).toBe('The keychain is locked.');
  });

  it('names the steps and their states in plain words', () => {
    expect(stepTitle('keychain')).toBe('Password storage (keychain)');
    expect(stepTitle('future-step')).toBe('future-step');
    expect(progressLabel('started')).toBe('Checking…');
  });

  it('says when only password storage is missing', () => {
    expect(
      verdict({
        runId: 'r',
        ok: false,
        items: [
          { step: 'tls', ok: true, facts: {} },
          { step: 'keychain', ok: false, facts: {} },
        ],
      }),
    ).toBe('Sealcheck can check your connections, but it cannot store passwords on this computer.');
  });
});
