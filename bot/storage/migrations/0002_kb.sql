-- Knowledge base: questions the bot could not answer, per server, so moderators can see gaps.
-- Deliberately no user id: a gap is about the content, not about who asked.
CREATE TABLE kb_gaps (
    id         INTEGER PRIMARY KEY,
    guild_id   INTEGER NOT NULL,
    question   TEXT    NOT NULL,
    normalized TEXT    NOT NULL,
    lang       TEXT    NOT NULL CHECK (lang IN ('en', 'fr', 'es')),
    asked_at   TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE INDEX kb_gaps_by_guild ON kb_gaps (guild_id, normalized);
-- (guild_id) carries the rowid, so "newest first in this server" is an index walk.
CREATE INDEX kb_gaps_recent ON kb_gaps (guild_id);
