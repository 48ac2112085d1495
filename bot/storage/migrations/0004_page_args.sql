-- Arguments of paged lists too long to fit a button's custom_id (long questions, searches).
-- Bounded: each member keeps their newest few, rows unused for a while expire (bot/storage/pages.py).

CREATE TABLE page_args (
    digest  TEXT PRIMARY KEY,          -- what the button's custom_id carries
    arg     TEXT NOT NULL,
    user_id TEXT NOT NULL,             -- the member whose list it is (a snowflake may pass 2^63); 0: kept from bot_state
    used_at INTEGER NOT NULL           -- unix seconds the list was last sent or paged
);
CREATE INDEX page_args_by_member ON page_args(user_id, used_at);
CREATE INDEX page_args_by_age ON page_args(used_at);

-- Earlier versions kept them in bot_state forever; move them over so their buttons still work.
INSERT INTO page_args(digest, arg, user_id, used_at)
    SELECT substr(key, length('page_arg:') + 1), value, '0', CAST(strftime('%s', 'now') AS INTEGER)
    FROM bot_state WHERE key LIKE 'page\_arg:%' ESCAPE '\' AND value IS NOT NULL;
DELETE FROM bot_state WHERE key LIKE 'page\_arg:%' ESCAPE '\';
