-- Pledges and comments from members, pledge campaigns, the moderators' export audit log, and the
-- record of members' data-deletion choices. Times are ISO 8601 UTC 'YYYY-MM-DDTHH:MM:SSZ'.
CREATE TABLE campaigns (
  id INTEGER PRIMARY KEY, guild_id INTEGER NOT NULL, name TEXT NOT NULL,
  opened_by INTEGER NOT NULL, opened_at TEXT NOT NULL, closes_at TEXT,   -- ISO 8601 UTC 'YYYY-MM-DDTHH:MM:SSZ'
  closed_at TEXT, UNIQUE (guild_id, name));
CREATE UNIQUE INDEX campaigns_one_open ON campaigns (guild_id) WHERE closed_at IS NULL;
CREATE TABLE pledges (
  id INTEGER PRIMARY KEY, guild_id INTEGER NOT NULL, author_id INTEGER,  -- NULL once anonymised
  campaign_id INTEGER REFERENCES campaigns (id), text TEXT NOT NULL, on_behalf_of TEXT NOT NULL,
  region TEXT NOT NULL CHECK (region IN ('americas','africa','asia-pacific','europe','mena')),
  topic TEXT NOT NULL, lang TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active','withdrawn')),
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL, withdrawn_at TEXT);
CREATE INDEX pledges_guild_author ON pledges (guild_id, author_id);
CREATE INDEX pledges_guild_created ON pledges (guild_id, created_at);
CREATE TABLE comments (
  id INTEGER PRIMARY KEY, guild_id INTEGER NOT NULL, author_id INTEGER, topic TEXT NOT NULL,
  text TEXT NOT NULL, lang TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE INDEX comments_guild_author ON comments (guild_id, author_id);
CREATE INDEX comments_guild_created ON comments (guild_id, created_at);
CREATE TABLE export_audit (
  id INTEGER PRIMARY KEY, guild_id INTEGER NOT NULL, moderator_id INTEGER NOT NULL, kind TEXT NOT NULL,
  format TEXT NOT NULL, filters TEXT NOT NULL, row_count INTEGER NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE data_deletions (   -- the member's choice, recorded WITHOUT the member's id
  id INTEGER PRIMARY KEY, guild_id INTEGER NOT NULL, choice TEXT NOT NULL CHECK (choice IN ('delete','anonymise')),
  pledges INTEGER NOT NULL, comments INTEGER NOT NULL, created_at TEXT NOT NULL);
