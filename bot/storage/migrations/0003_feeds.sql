-- Podcast feeds (bot/feeds): what the last fetch of each feed in DATA_DIR/feeds.toml brought and
-- when the next one is due. Times are unix seconds. The items themselves are cached as files
-- beside the database and loaded by ingest like any episode file.
CREATE TABLE feeds (
    url           TEXT PRIMARY KEY,
    title         TEXT,                     -- the feed's own title at the last successful read
    etag          TEXT,                     -- validators for the next conditional GET
    last_modified TEXT,
    body_hash     TEXT,                     -- the last body parsed: the same bytes are not parsed again
    last_fetch    INTEGER,                  -- the last attempt, successful or not
    last_success  INTEGER,
    result        TEXT,                     -- one line saying how the last attempt went
    ok            INTEGER NOT NULL DEFAULT 1,  -- whether the last attempt succeeded
    failures      INTEGER NOT NULL DEFAULT 0,  -- failed attempts in a row (drives the backoff)
    items         INTEGER,                  -- items in the feed at the last successful read
    next_due      INTEGER NOT NULL DEFAULT 0   -- also a lease: a poll moves it ahead before fetching
) WITHOUT ROWID;
