/**
 * Serves the built renderer on 127.0.0.1 with `vite preview` (module scripts do not load from
 * file:// in plain Chromium). Responses carry the same Content-Security-Policy header as the
 * app's app:// protocol, so the page runs under both the header and the <meta> policy.
 */
import { createServer } from 'node:net';
import { preview, type PreviewServer } from 'vite';
import { CONTENT_SECURITY_POLICY_HEADER } from '../../app/main/csp';
import { rendererOut, repoRoot } from './paths';

export interface RendererServer {
  readonly url: string;
  close(): Promise<void>;
}

export async function serveRenderer(): Promise<RendererServer> {
  let lastError: unknown;
  // A free port can be taken between asking and binding: try a few.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    let server: PreviewServer;
    try {
      server = await preview({
        configFile: false,
        root: repoRoot,
        logLevel: 'warn',
        build: { outDir: rendererOut },
        preview: {
          host: '127.0.0.1',
          port,
          strictPort: true,
          open: false,
          headers: {
            'Content-Security-Policy': CONTENT_SECURITY_POLICY_HEADER,
            'X-Content-Type-Options': 'nosniff',
            'Referrer-Policy': 'no-referrer',
          },
        },
      });
    } catch (err) {
      lastError = err;
      continue;
    }
    return {
      url: `http://127.0.0.1:${port}/`,
      close: () => server.close(),
    };
  }
  throw new Error('could not start vite preview on a free loopback port', { cause: lastError });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => (port ? resolve(port) : reject(new Error('no port'))));
    });
  });
}
