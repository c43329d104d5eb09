-- requires: foreign_keys=OFF
-- Records that never shift, and pledges that lead somewhere.
--
-- 1. Ids are never reused. pledges, comments, export_audit and feeds are rebuilt with
--    AUTOINCREMENT (SQLite otherwise hands out max(id) + 1 again once the newest row is deleted),
--    keeping every existing id, so earlier exports and audit entries still point at the same rows.
--    feeds is a parent table (resources, feed_entries): the runner turns foreign keys off for
--    this migration so dropping the old table cascades nothing, and checks them before COMMIT.
-- 2. Members and moderators see per-server numbers ("pledge 12 of this server"), so no global
--    counter leaks other servers' activity. A trigger numbers every new row from a per-server
--    counter that only ever goes up. Existing rows keep their id as their number: that is what
--    receipts and audit lists showed until now. New numbers start above the highest id at
--    migration time in every server, so no number seen before is given to another row (short
--    of rows above that id deleted before this migration, which left no trace, and whose ids
--    the old code would have handed out again anyway).
-- 3. Progress updates, reminders, a campaign's default reminder delay, a `global` region, and
--    the weekly digests already posted.

CREATE TABLE record_numbers (
    guild_id INTEGER NOT NULL,
    kind     TEXT    NOT NULL CHECK (kind IN ('pledge', 'comment', 'export')),
    last     INTEGER NOT NULL,
    PRIMARY KEY (guild_id, kind)
) WITHOUT ROWID;

CREATE TABLE record_number_floor (
    kind  TEXT PRIMARY KEY CHECK (kind IN ('pledge', 'comment', 'export')),
    floor INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO record_number_floor (kind, floor) SELECT 'pledge', coalesce(max(id), 0) FROM pledges;
INSERT INTO record_number_floor (kind, floor) SELECT 'comment', coalesce(max(id), 0) FROM comments;
INSERT INTO record_number_floor (kind, floor) SELECT 'export', coalesce(max(id), 0) FROM export_audit;

ALTER TABLE campaigns ADD COLUMN remind_days INTEGER CHECK (remind_days BETWEEN 1 AND 365);

-- pledges ---------------------------------------------------------------------------------------
CREATE TABLE pledges_v5 (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id     INTEGER NOT NULL,
    number       INTEGER,               -- per server; set by pledges_number
    author_id    INTEGER,               -- NULL once anonymised
    campaign_id  INTEGER REFERENCES campaigns (id),
    text         TEXT    NOT NULL,
    on_behalf_of TEXT    NOT NULL,
    region       TEXT    NOT NULL
                 CHECK (region IN ('americas','africa','asia-pacific','europe','mena','global')),
    topic        TEXT    NOT NULL,
    lang         TEXT    NOT NULL,
    status       TEXT    NOT NULL DEFAULT 'active' CHECK (status IN ('active','withdrawn')),
    created_at   TEXT    NOT NULL,
    updated_at   TEXT    NOT NULL,
    withdrawn_at TEXT,
    -- the latest progress update (NULL until the author reports one), kept beside the row so
    -- exports and reports need no join over pledge_updates
    progress     TEXT CHECK (progress IN ('planned','in_progress','fulfilled','not_fulfilled')),
    progress_at  TEXT,
    progress_updates INTEGER NOT NULL DEFAULT 0,
    UNIQUE (guild_id, number)
);
INSERT INTO pledges_v5 (id, guild_id, number, author_id, campaign_id, text, on_behalf_of, region,
                        topic, lang, status, created_at, updated_at, withdrawn_at)
SELECT id, guild_id, id, author_id, campaign_id, text, on_behalf_of, region, topic, lang, status,
       created_at, updated_at, withdrawn_at
FROM pledges;
DROP TABLE pledges;
ALTER TABLE pledges_v5 RENAME TO pledges;
CREATE INDEX pledges_guild_author ON pledges (guild_id, author_id);
CREATE INDEX pledges_guild_created ON pledges (guild_id, created_at);
CREATE TRIGGER pledges_number AFTER INSERT ON pledges WHEN new.number IS NULL BEGIN
    INSERT INTO record_numbers (guild_id, kind, last)
    VALUES (new.guild_id, 'pledge', (SELECT floor FROM record_number_floor WHERE kind = 'pledge') + 1)
    ON CONFLICT (guild_id, kind) DO UPDATE SET last = last + 1;
    UPDATE pledges SET number = (SELECT last FROM record_numbers
                                 WHERE guild_id = new.guild_id AND kind = 'pledge')
    WHERE id = new.id;
END;

-- comments --------------------------------------------------------------------------------------
CREATE TABLE comments_v5 (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id   INTEGER NOT NULL,
    number     INTEGER,                 -- per server; set by comments_number
    author_id  INTEGER,
    topic      TEXT    NOT NULL,
    text       TEXT    NOT NULL,
    lang       TEXT    NOT NULL,
    created_at TEXT    NOT NULL,
    UNIQUE (guild_id, number)
);
INSERT INTO comments_v5 (id, guild_id, number, author_id, topic, text, lang, created_at)
SELECT id, guild_id, id, author_id, topic, text, lang, created_at FROM comments;
DROP TABLE comments;
ALTER TABLE comments_v5 RENAME TO comments;
CREATE INDEX comments_guild_author ON comments (guild_id, author_id);
CREATE INDEX comments_guild_created ON comments (guild_id, created_at);
CREATE TRIGGER comments_number AFTER INSERT ON comments WHEN new.number IS NULL BEGIN
    INSERT INTO record_numbers (guild_id, kind, last)
    VALUES (new.guild_id, 'comment', (SELECT floor FROM record_number_floor WHERE kind = 'comment') + 1)
    ON CONFLICT (guild_id, kind) DO UPDATE SET last = last + 1;
    UPDATE comments SET number = (SELECT last FROM record_numbers
                                  WHERE guild_id = new.guild_id AND kind = 'comment')
    WHERE id = new.id;
END;

-- export audit ----------------------------------------------------------------------------------
CREATE TABLE export_audit_v5 (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id     INTEGER NOT NULL,
    number       INTEGER,               -- per server; set by export_audit_number
    moderator_id INTEGER NOT NULL,
    kind         TEXT    NOT NULL,
    format       TEXT    NOT NULL,
    filters      TEXT    NOT NULL,
    row_count    INTEGER NOT NULL,
    created_at   TEXT    NOT NULL,
    UNIQUE (guild_id, number)
);
INSERT INTO export_audit_v5 (id, guild_id, number, moderator_id, kind, format, filters, row_count,
                             created_at)
SELECT id, guild_id, id, moderator_id, kind, format, filters, row_count, created_at
FROM export_audit;
DROP TABLE export_audit;
ALTER TABLE export_audit_v5 RENAME TO export_audit;
CREATE INDEX export_audit_guild ON export_audit (guild_id, moderator_id);
CREATE TRIGGER export_audit_number AFTER INSERT ON export_audit WHEN new.number IS NULL BEGIN
    INSERT INTO record_numbers (guild_id, kind, last)
    VALUES (new.guild_id, 'export', (SELECT floor FROM record_number_floor WHERE kind = 'export') + 1)
    ON CONFLICT (guild_id, kind) DO UPDATE SET last = last + 1;
    UPDATE export_audit SET number = (SELECT last FROM record_numbers
                                      WHERE guild_id = new.guild_id AND kind = 'export')
    WHERE id = new.id;
END;

-- feeds: same columns, AUTOINCREMENT only ---------------------------------------------------------
CREATE TABLE feeds_v5 (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id         INTEGER NOT NULL,
    url              TEXT    NOT NULL,
    channel_id       INTEGER,
    region           TEXT CHECK (region IN ('americas','africa','asia-pacific','europe','mena')),
    added_by         INTEGER NOT NULL,
    added_at         TEXT    NOT NULL,
    enabled          INTEGER NOT NULL DEFAULT 1,
    interval_seconds INTEGER NOT NULL DEFAULT 1800,
    etag             TEXT,
    last_modified    TEXT,
    body_sha256      TEXT,
    last_success_at  TEXT,
    last_error       TEXT,
    last_error_at    TEXT,
    failures         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT    NOT NULL,
    UNIQUE (guild_id, url)
);
INSERT INTO feeds_v5 (id, guild_id, url, channel_id, region, added_by, added_at, enabled,
                      interval_seconds, etag, last_modified, body_sha256, last_success_at,
                      last_error, last_error_at, failures, next_attempt_at)
SELECT id, guild_id, url, channel_id, region, added_by, added_at, enabled, interval_seconds, etag,
       last_modified, body_sha256, last_success_at, last_error, last_error_at, failures,
       next_attempt_at
FROM feeds;
DROP TABLE feeds;
ALTER TABLE feeds_v5 RENAME TO feeds;
CREATE INDEX feeds_due ON feeds (enabled, next_attempt_at);

-- progress updates: every one is kept (the author's own words; nobody else can add one) ----------
CREATE TABLE pledge_updates (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    pledge_id  INTEGER NOT NULL REFERENCES pledges (id) ON DELETE CASCADE,
    guild_id   INTEGER NOT NULL,
    status     TEXT    NOT NULL CHECK (status IN ('planned','in_progress','fulfilled','not_fulfilled')),
    note       TEXT    NOT NULL DEFAULT '',
    created_at TEXT    NOT NULL
);
CREATE INDEX pledge_updates_pledge ON pledge_updates (pledge_id, id);
CREATE INDEX pledge_updates_guild ON pledge_updates (guild_id, created_at);

-- reminders a member asked for: pending until due, then sent by direct message with a nonce
-- (a resend after a crash returns the first message); undelivered when the member's DMs are
-- closed, until the member is told in the server (told).
CREATE TABLE pledge_reminders (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    pledge_id  INTEGER NOT NULL REFERENCES pledges (id) ON DELETE CASCADE,
    guild_id   INTEGER NOT NULL,
    due_at     TEXT    NOT NULL,
    state      TEXT    NOT NULL DEFAULT 'pending'
               CHECK (state IN ('pending','sent','undelivered','told','cancelled')),
    nonce      TEXT    NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    created_at TEXT    NOT NULL,
    sent_at    TEXT,
    message_id INTEGER,
    last_error TEXT
);
CREATE UNIQUE INDEX pledge_reminders_one_pending ON pledge_reminders (pledge_id) WHERE state = 'pending';
CREATE INDEX pledge_reminders_due ON pledge_reminders (state, due_at);
CREATE INDEX pledge_reminders_pledge ON pledge_reminders (pledge_id);

-- weekly digests for moderators: one row per server and ISO week, claimed before sending
CREATE TABLE digests (
    guild_id   INTEGER NOT NULL,
    week       TEXT    NOT NULL,        -- ISO week, e.g. 2024-W23
    state      TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending','sent','failed')),
    nonce      TEXT    NOT NULL,
    channel_id INTEGER,
    message_id INTEGER,
    attempts   INTEGER NOT NULL DEFAULT 0,
    created_at TEXT    NOT NULL,
    sent_at    TEXT,
    last_error TEXT,
    PRIMARY KEY (guild_id, week)
) WITHOUT ROWID;
