// Owns SQL for site_hidden_members (sql/0011): members who hid themselves from the public launch
// log with `/site`. Does not render anything; src/site/ reads the table in its own queries.

import type { Queryable } from './pool.js';

/** Hides (`hidden` true) or shows `userId` on the site; returns whether anything changed. */
export async function setHiddenFromSite(db: Queryable, userId: string, hidden: boolean, at: Date): Promise<boolean> {
  const r = hidden
    ? await db.query('INSERT INTO site_hidden_members (user_id, hidden_at) VALUES ($1, $2) ON CONFLICT DO NOTHING', [userId, at])
    : await db.query('DELETE FROM site_hidden_members WHERE user_id = $1', [userId]);
  return (r.rowCount ?? 0) > 0;
}
