-- Resources (reports, videos, statements...) per server, the feeds they come from, what each feed
-- has already shown us, and the outbox of announcements still to post.
-- Times are ISO 8601 UTC 'YYYY-MM-DDTHH:MM:SSZ', so text comparison orders them.

CREATE TABLE feeds (
    id               INTEGER PRIMARY KEY,
    guild_id         INTEGER NOT NULL,
    url              TEXT    NOT NULL,            -- canonical form (bot/resources/urls.py)
    channel_id       INTEGER,                     -- announcements of this feed go here when set
    region           TEXT CHECK (region IN ('americas','africa','asia-pacific','europe','mena')),
    added_by         INTEGER NOT NULL,
    added_at         TEXT    NOT NULL,
    enabled          INTEGER NOT NULL DEFAULT 1,
    interval_seconds INTEGER NOT NULL DEFAULT 1800,
    etag             TEXT,
    last_modified    TEXT,
    body_sha256      TEXT,                        -- skips parsing when a server ignores ETags
    last_success_at  TEXT,
    last_error       TEXT,
    last_error_at    TEXT,
    failures         INTEGER NOT NULL DEFAULT 0,  -- consecutive
    next_attempt_at  TEXT    NOT NULL,
    UNIQUE (guild_id, url)
);
CREATE INDEX feeds_due ON feeds (enabled, next_attempt_at);

CREATE TABLE resources (
    id         INTEGER PRIMARY KEY,
    guild_id   INTEGER NOT NULL,
    url        TEXT    NOT NULL,                  -- canonical form: the resource's identity
    title      TEXT    NOT NULL,
    author     TEXT,
    published  TEXT,                              -- YYYY-MM-DD
    region     TEXT CHECK (region IN ('americas','africa','asia-pacific','europe','mena')),
    kind       TEXT    NOT NULL DEFAULT 'other'
               CHECK (kind IN ('report','video','statement','article','other')),
    language   TEXT,
    source     TEXT    NOT NULL CHECK (source IN ('feed','moderator','seed')),
    feed_id    INTEGER REFERENCES feeds (id) ON DELETE SET NULL,
    added_by   INTEGER,
    created_at TEXT    NOT NULL,
    UNIQUE (guild_id, url)
);
CREATE INDEX resources_latest ON resources (guild_id, published, id);
CREATE INDEX resources_feed ON resources (feed_id);

-- Titles and authors for /resources search; diacritics removed so "bechir" finds "Béchir".
CREATE VIRTUAL TABLE resources_fts USING fts5 (
    title, author,
    content = 'resources', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER resources_fts_insert AFTER INSERT ON resources BEGIN
    INSERT INTO resources_fts (rowid, title, author) VALUES (new.id, new.title, coalesce(new.author, ''));
END;
CREATE TRIGGER resources_fts_delete AFTER DELETE ON resources BEGIN
    INSERT INTO resources_fts (resources_fts, rowid, title, author)
    VALUES ('delete', old.id, old.title, coalesce(old.author, ''));
END;
CREATE TRIGGER resources_fts_update AFTER UPDATE OF title, author ON resources BEGIN
    INSERT INTO resources_fts (resources_fts, rowid, title, author)
    VALUES ('delete', old.id, old.title, coalesce(old.author, ''));
    INSERT INTO resources_fts (rowid, title, author) VALUES (new.id, new.title, coalesce(new.author, ''));
END;

-- What a feed has already shown: 'g:<guid>' and 'l:<canonical link>' keys. An item is new only
-- when none of its keys is here, so a changed guid with the same link (or the reverse) is not new.
-- Kept when a moderator removes the resource, so a removed item does not come back.
CREATE TABLE feed_entries (
    feed_id  INTEGER NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    key      TEXT    NOT NULL,
    guild_id INTEGER NOT NULL,
    PRIMARY KEY (feed_id, key)
) WITHOUT ROWID;

-- One announcement per resource, written in the same transaction as the resource.
-- pending: to post at next_attempt_at; sent: posted (message_id); parked: its channel is gone,
-- waiting for a moderator to configure another one.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    guild_id        INTEGER NOT NULL,
    resource_id     INTEGER NOT NULL UNIQUE REFERENCES resources (id) ON DELETE CASCADE,
    nonce           TEXT    NOT NULL,
    state           TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending','sent','parked')),
    channel_id      INTEGER,
    message_id      INTEGER,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT    NOT NULL,
    last_error      TEXT,
    created_at      TEXT    NOT NULL,
    sent_at         TEXT
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
CREATE INDEX outbox_guild ON outbox (guild_id, state);

-- Servers whose seed resources were loaded once (a removed seed stays removed).
CREATE TABLE resource_seeded (
    guild_id  INTEGER PRIMARY KEY,
    seeded_at TEXT NOT NULL
);
