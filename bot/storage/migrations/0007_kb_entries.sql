-- Knowledge-base entries written by each server's moderators, beside the shipped topics.
-- Nothing is ever deleted: every change is a version, a removed entry is retired, a rejected
-- proposal stays in the history. Times are ISO 8601 UTC 'YYYY-MM-DDTHH:MM:SSZ'.

-- One entry per question; `number` is what moderators and buttons use, counted per server so
-- no id says anything about other servers.
CREATE TABLE kb_entries (
    id         INTEGER PRIMARY KEY,
    guild_id   INTEGER NOT NULL,
    number     INTEGER NOT NULL,
    first_lang TEXT    NOT NULL CHECK (first_lang IN ('en', 'fr', 'es')),
    created_by INTEGER NOT NULL,
    created_at TEXT    NOT NULL,
    retired_at TEXT,
    retired_by INTEGER,
    UNIQUE (guild_id, number)
);

-- Every change, published or not: who, when, what. `lang` and the texts are NULL for a removal.
-- pending: waits for a second moderator (review on); rejected: refused by one (kept).
CREATE TABLE kb_entry_versions (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    entry_id    INTEGER NOT NULL REFERENCES kb_entries (id),
    version     INTEGER NOT NULL,
    action      TEXT    NOT NULL CHECK (action IN ('add', 'edit', 'translate', 'revert', 'remove')),
    lang        TEXT    CHECK (lang IN ('en', 'fr', 'es')),
    question    TEXT,
    answer      TEXT,
    keywords    TEXT,
    source      TEXT,
    reverted_to INTEGER,
    gap         TEXT,                  -- normalized text of the unanswered question it answers
    author_id   INTEGER NOT NULL,
    created_at  TEXT    NOT NULL,
    state       TEXT    NOT NULL CHECK (state IN ('published', 'pending', 'rejected')),
    reviewed_by INTEGER,
    reviewed_at TEXT,
    UNIQUE (entry_id, version)
);
CREATE INDEX kb_entry_versions_state ON kb_entry_versions (guild_id, state);
CREATE INDEX kb_entry_versions_author ON kb_entry_versions (guild_id, author_id, created_at);

-- What members see: the published text of each language of an entry (derived from versions).
CREATE TABLE kb_entry_texts (
    entry_id     INTEGER NOT NULL REFERENCES kb_entries (id),
    lang         TEXT    NOT NULL CHECK (lang IN ('en', 'fr', 'es')),
    guild_id     INTEGER NOT NULL,
    version      INTEGER NOT NULL,
    question     TEXT    NOT NULL,
    answer       TEXT    NOT NULL,
    keywords     TEXT    NOT NULL,
    source       TEXT    NOT NULL,
    published_at TEXT    NOT NULL,
    PRIMARY KEY (entry_id, lang)
) WITHOUT ROWID;
CREATE INDEX kb_entry_texts_guild ON kb_entry_texts (guild_id);

-- Unanswered questions a moderator answered with an entry or dismissed (kb_gaps keeps no names;
-- this records the moderator's decision). An answered question asked again later (a kb_gaps row
-- after last_gap_id) shows again.
CREATE TABLE kb_gap_status (
    guild_id    INTEGER NOT NULL,
    normalized  TEXT    NOT NULL,
    state       TEXT    NOT NULL CHECK (state IN ('answered', 'dismissed')),
    entry_id    INTEGER REFERENCES kb_entries (id),
    last_gap_id INTEGER NOT NULL,
    decided_by  INTEGER NOT NULL,
    decided_at  TEXT    NOT NULL,
    PRIMARY KEY (guild_id, normalized)
) WITHOUT ROWID;
