/**
 * Once per Playwright run: build the app if needed, bundle the page bridge, serve the built
 * renderer on loopback. Workers read the results from environment variables (set here,
 * inherited by the worker processes Playwright starts afterwards).
 */
import { buildIfStale } from './build';
import { bundlePageBridge } from './bundle-bridge';
import { ENV_BASE_URL, ENV_BRIDGE } from './paths';
import { serveRenderer } from './serve';

export default async function globalSetup(): Promise<() => Promise<void>> {
  const built = await buildIfStale();
  const bridge = await bundlePageBridge();
  const server = await serveRenderer();
  process.env[ENV_BASE_URL] = server.url;
  process.env[ENV_BRIDGE] = bridge.path;
  console.log(
    `e2e: app ${built === 'built' ? 'built' : 'already built'}; renderer at ${server.url}`,
  );
  return async () => {
    await server.close();
    await bridge.dispose();
  };
}
