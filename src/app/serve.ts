import type { App } from './start.js';

/** Opens the admin API on ADMIN_HOST:ADMIN_PORT; returns its base URL. */
export async function listen(app: App): Promise<string | null> {
  if (!app.server) return null;
  await app.server.listen({ port: app.config.ADMIN_PORT, host: app.config.ADMIN_HOST });
  const address = app.server.server.address();
  const port = typeof address === 'object' && address ? address.port : app.config.ADMIN_PORT;
  const host = app.config.ADMIN_HOST === '0.0.0.0' || app.config.ADMIN_HOST === '::' ? '127.0.0.1' : app.config.ADMIN_HOST;
  const url = `${app.config.adminTls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
  app.logger.info({ url }, 'admin API listening');
  return url;
}

export function untilSignal(app: App): Promise<number> {
  process.on('unhandledRejection', (reason) => app.logger.error({ err: reason }, 'unhandled promise rejection'));
  return new Promise((resolve) => {
    let stopping = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      // Ctrl-C reaches both npm and its child, and npm forwards it too: the same signal twice
      // within a moment is one request to stop, not two.
      if (stopping && Date.now() - stopping < 1_000) return;
      if (stopping) {
        app.logger.warn({ signal }, 'second signal: exiting now');
        app.logger.flush();
        process.exit(1);
      }
      stopping = Date.now();
      app.logger.info({ signal }, 'shutting down');
      const hard = setTimeout(() => {
        app.logger.error('shutdown deadline passed: exiting');
        app.logger.flush();
        process.exit(1);
      }, app.config.SHUTDOWN_TIMEOUT_MS + 1_000);
      hard.unref();
      app.stop().then(
        () => resolve(0),
        () => resolve(1),
      );
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}
