-- New-episode announcements: per server, opt-in (/announce set), never twice, never a flood.
-- Times are unix seconds. Episodes are named by key (stable across edits), not by row id.

CREATE TABLE announce_settings (
    guild_id      INTEGER PRIMARY KEY,
    channel_id    INTEGER NOT NULL,
    role_id       INTEGER,                  -- the one role pinged with each post; NULL: nobody
    -- Arrivals (episode_arrivals.seq) up to this one were present when announcements were switched
    -- on: they are never announced. Kept while the settings exist, so a pause loses nothing.
    since_seq     INTEGER NOT NULL,
    paused_reason TEXT,                     -- why posting stopped (channel gone, permission missing)
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);

-- One row per server and episode, written 'sending' in the transaction that decides to post it,
-- before anything is sent, so two passes, two processes or a restart can never both post it.
-- 'sent' = posted; 'retry' = a transient failure (or a pause), try again at next_attempt;
-- 'failed' = given up. A 'sending' row is never sent again: after a crash it is unknown whether
-- Discord got the post. Every episode of one post (a summary) shares its nonce, and a retry
-- sends the same post with the same nonce, which Discord uses to drop a duplicate.
CREATE TABLE announce_ledger (
    guild_id     INTEGER NOT NULL,
    episode_key  TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('sending', 'sent', 'retry', 'failed')),
    nonce        INTEGER NOT NULL,
    channel_id   INTEGER NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 1,
    claimed_at   INTEGER NOT NULL,
    next_attempt INTEGER,
    message_id   INTEGER,
    error        TEXT,
    PRIMARY KEY (guild_id, episode_key)
) WITHOUT ROWID;
CREATE INDEX announce_ledger_retry ON announce_ledger(next_attempt) WHERE state = 'retry';
CREATE INDEX announce_ledger_latest ON announce_ledger(guild_id, claimed_at);
