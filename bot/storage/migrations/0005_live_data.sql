-- Live data: when each episode first appeared, and a counter of finished ingests.
--
-- `episode_arrivals` has one row per episode key ever stored, kept when the episode is removed:
-- `first_seen` dates an episode without a publication date ("latest" counts it from then), and
-- `seq` orders arrivals for new-episode announcements (AUTOINCREMENT: a number is never reused,
-- so "everything after N" stays true whatever is removed). `announce` = 0 marks an arrival that
-- must never be announced (episodes present before this migration, a feed's back catalogue).
CREATE TABLE episode_arrivals (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    key        TEXT NOT NULL UNIQUE,
    first_seen INTEGER NOT NULL,           -- unix seconds
    announce   INTEGER NOT NULL DEFAULT 1
);

INSERT INTO episode_arrivals(key, first_seen, announce)
    SELECT key, CAST(strftime('%s', 'now') AS INTEGER), 0 FROM episodes ORDER BY id;

-- Bumped in the transaction that finishes an ingest which changed anything, so a reader (the
-- running bot) can tell a finished load from one still in progress, whichever process ran it.
CREATE TABLE catalogue_generation (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    generation INTEGER NOT NULL
);
INSERT INTO catalogue_generation(id, generation) VALUES (1, 1);
