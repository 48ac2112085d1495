-- Daily takeaway posts: one schedule per guild, a ledger of claimed days, each guild's rotation.
-- Times the sweep compares are unix seconds; dates are the schedule's local dates (YYYY-MM-DD).

CREATE TABLE daily_schedules (
    guild_id      INTEGER PRIMARY KEY,
    channel_id    INTEGER NOT NULL,
    post_time     TEXT NOT NULL,            -- local wall time, HH:MM
    timezone      TEXT NOT NULL,            -- IANA name, e.g. Europe/Paris
    show          TEXT,                     -- only this show's takeaways; NULL = every show
    paused_reason TEXT,                     -- why posting stopped (channel gone, permission missing)
    next_due      INTEGER NOT NULL,         -- when the sweep next looks at this guild
    created_at    TEXT NOT NULL,            -- ISO 8601, UTC
    updated_at    TEXT NOT NULL
);
-- The sweep's only query: active schedules whose time has come.
CREATE INDEX daily_schedules_due ON daily_schedules(next_due) WHERE paused_reason IS NULL;

-- One row per guild and local day, inserted in the transaction that decides to post, so a day is
-- claimed once whatever races it. 'sending' = claimed, outcome not yet written; 'sent' = posted;
-- 'retry' = a transient failure, try again at next_attempt; 'failed' = given up for that day.
-- A 'sending' row is never sent again: after a crash it is unknown whether Discord got the post.
CREATE TABLE daily_ledger (
    guild_id     INTEGER NOT NULL,
    local_date   TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('sending', 'sent', 'retry', 'failed')),
    channel_id   INTEGER NOT NULL,
    takeaway_key TEXT,
    takeaway_id  INTEGER,                   -- for display; keys, not ids, drive the rotation
    cycle        INTEGER,
    rank         INTEGER,
    attempts     INTEGER NOT NULL DEFAULT 0,
    claimed_at   INTEGER NOT NULL,
    next_attempt INTEGER,
    message_id   INTEGER,
    error        TEXT,
    PRIMARY KEY (guild_id, local_date)
) WITHOUT ROWID;
CREATE INDEX daily_ledger_date ON daily_ledger(local_date);

-- Rotation cursor (see bot/daily/rotation.py) and the last successful post, per guild. Kept when
-- a schedule is stopped, so setting it again continues the rotation; dropped when the bot leaves.
CREATE TABLE daily_state (
    guild_id        INTEGER PRIMARY KEY,
    cycle           INTEGER NOT NULL DEFAULT 0,
    cursor_rank     INTEGER,
    cursor_key      TEXT,                 -- the last takeaway posted (rotation.py)
    last_posted_at  INTEGER,
    last_channel_id INTEGER,
    last_message_id INTEGER
);
