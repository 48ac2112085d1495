-- Knowledge base schema: what the episode files say, stored so every answer can cite it.
--
-- Room for later, without a rewrite:
-- * Several shows per server: every episode carries show_id, and shows are their own table; a
--   later migration adds guild_shows(guild_id, show_id) to pick which shows a server sees.
-- * Transcripts and chapters: all searchable text lives in `segments`, one row per piece of text
--   with its kind, speaker and start/end second. A transcript line or a chapter is one more kind
--   ('transcript', 'chapter'); the full-text index, ranking and links already work for it. `kind`
--   has no CHECK constraint on purpose: SQLite cannot change one without copying the table.
-- * `takeaways` and `quotes` are views over `segments`, so readers can use those names. A table
--   that needs a foreign key to a takeaway or quote references segments(id). Ingest keeps the id of
--   a segment whose text, speaker and second did not change when its episode is re-read.

CREATE TABLE bot_state (
    key   TEXT PRIMARY KEY,
    value TEXT
);

CREATE TABLE shows (
    id        INTEGER PRIMARY KEY,
    name      TEXT NOT NULL,            -- as first written
    name_norm TEXT NOT NULL UNIQUE      -- bot.text.normalize(name): the identity
);

CREATE TABLE episodes (
    id                INTEGER PRIMARY KEY,
    key               TEXT NOT NULL UNIQUE,    -- the source file's stem; stable across edits
    show_id           INTEGER REFERENCES shows(id),
    source            TEXT NOT NULL,           -- resolved path of the page (or the metadata file alone)
    stamp             TEXT NOT NULL,           -- size and mtime of each source file: unchanged files skip reading
    content_hash      TEXT NOT NULL,           -- hash of the source bytes: unchanged content skips parsing
    title             TEXT NOT NULL,
    title_norm        TEXT NOT NULL,
    number            INTEGER,
    url               TEXT,
    published         TEXT,                    -- ISO date
    duration_seconds  INTEGER,
    quotes_declared   INTEGER,                 -- counts the page announces, next to what it shows
    mentions_declared INTEGER
);
CREATE INDEX episodes_show_number ON episodes(show_id, number);
CREATE INDEX episodes_title_norm ON episodes(title_norm);
CREATE INDEX episodes_latest ON episodes(published, number);

CREATE TABLE episode_aliases (
    episode_id INTEGER NOT NULL REFERENCES episodes(id) ON DELETE CASCADE,
    alias      TEXT NOT NULL,
    PRIMARY KEY (episode_id, alias)
) WITHOUT ROWID;

CREATE TABLE people (
    id        INTEGER PRIMARY KEY,
    name      TEXT NOT NULL,            -- as first written, accents and punctuation kept
    name_norm TEXT NOT NULL UNIQUE
);

-- Aliases belong to the episode whose metadata declared them, so removing that episode drops them.
CREATE TABLE person_aliases (
    person_id  INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    episode_id INTEGER NOT NULL REFERENCES episodes(id) ON DELETE CASCADE,
    alias      TEXT NOT NULL,
    alias_norm TEXT NOT NULL,
    PRIMARY KEY (person_id, episode_id, alias_norm)
) WITHOUT ROWID;

CREATE TABLE episode_people (
    episode_id INTEGER NOT NULL REFERENCES episodes(id) ON DELETE CASCADE,
    person_id  INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    role       TEXT NOT NULL,           -- 'host', 'guest' or 'speaker' (quoted on the page)
    position   INTEGER NOT NULL,        -- order as written within the role
    PRIMARY KEY (episode_id, person_id, role)
) WITHOUT ROWID;
CREATE INDEX episode_people_person ON episode_people(person_id, episode_id);

CREATE TABLE segments (
    id           INTEGER PRIMARY KEY,
    episode_id   INTEGER NOT NULL REFERENCES episodes(id) ON DELETE CASCADE,
    kind         TEXT NOT NULL,         -- 'description', 'takeaway', 'quote'; later 'transcript', 'chapter'
    position     INTEGER NOT NULL,      -- order within the episode and kind, from 1
    person_id    INTEGER REFERENCES people(id),
    seconds      INTEGER,               -- where it starts in the episode
    end_seconds  INTEGER,               -- where it ends (chapters, transcript lines)
    truncated    INTEGER NOT NULL DEFAULT 0,  -- the page cut it with "..."
    text         TEXT NOT NULL
);
CREATE INDEX segments_episode ON segments(episode_id, kind, position);
CREATE INDEX segments_person ON segments(person_id, episode_id, seconds) WHERE person_id IS NOT NULL;

CREATE VIEW takeaways AS
    SELECT id, episode_id, position, text FROM segments WHERE kind = 'takeaway';
CREATE VIEW quotes AS
    SELECT id, episode_id, position, person_id, seconds, truncated, text FROM segments WHERE kind = 'quote';

CREATE TABLE mentions (
    episode_id INTEGER NOT NULL REFERENCES episodes(id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    text       TEXT NOT NULL,
    text_norm  TEXT NOT NULL,
    PRIMARY KEY (episode_id, position)
) WITHOUT ROWID;
CREATE INDEX mentions_norm ON mentions(text_norm);

-- The page's related list as given; target_id is filled when that episode is in the data, and
-- filled again after every ingest, so an episode that arrives later gets linked.
CREATE TABLE related (
    episode_id INTEGER NOT NULL REFERENCES episodes(id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    title      TEXT NOT NULL,           -- the whole line, as given
    title_norm TEXT NOT NULL,           -- normalized title part (before the last " | ")
    show_norm  TEXT,
    number     INTEGER,
    target_id  INTEGER REFERENCES episodes(id) ON DELETE SET NULL,
    PRIMARY KEY (episode_id, position)
) WITHOUT ROWID;
CREATE INDEX related_unresolved ON related(target_id);

-- Full-text index over every segment; porter stemming lets "coding" find "code", and
-- remove_diacritics lets "zoe" find "Zoë". The writer (bot/storage/episodes.py) indexes new rows
-- itself, since FTS5 fed by an insert trigger is several times slower; deletes, including the
-- cascade from a removed episode, and text updates are kept in sync by the triggers below.
CREATE VIRTUAL TABLE segments_fts USING fts5(
    text, content='segments', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2'
);
CREATE VIRTUAL TABLE segments_vocab USING fts5vocab(segments_fts, 'row');

CREATE TRIGGER segments_ad AFTER DELETE ON segments BEGIN
    INSERT INTO segments_fts(segments_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
CREATE TRIGGER segments_au AFTER UPDATE OF text ON segments BEGIN
    INSERT INTO segments_fts(segments_fts, rowid, text) VALUES ('delete', old.id, old.text);
    INSERT INTO segments_fts(rowid, text) VALUES (new.id, new.text);
END;
