import { expect } from 'vitest';
import { startTestApp, syncOnce } from './app.js';
import { createStoreDatabase } from './databases.js';
import { storeContent } from './store-content.js';

/** What a clean run, with no fault, leaves in an empty store: the content every faulty run must converge to. */
export async function cleanRunContent(fusionpbxUrl: string | undefined, env: Record<string, string> = {}) {
  const store = await createStoreDatabase();
  const app = await startTestApp({ store: store.url, ...(fusionpbxUrl ? { fusionpbx: fusionpbxUrl } : {}) }, env);
  try {
    expect((await syncOnce(app)).status).toBe('succeeded');
    return await storeContent(store.db);
  } finally {
    await app.stop();
    await store.drop();
  }
}
