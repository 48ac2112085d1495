-- Indexes for a reload of a few changed files in a large archive (bot/ingest/run.py).
--
-- Its ingest looks up the stored episodes of the changed files by source, and links again the
-- related titles that name a changed episode's title or number. Without these, each was a scan of
-- a whole table: at 10,000 episodes about 8 ms for the episodes and 26-30 ms for their 60,000
-- related titles, per reload, in a process sharing the machine's cores with the running bot.
CREATE INDEX episodes_source ON episodes(source);
CREATE INDEX related_title_norm ON related(title_norm);
CREATE INDEX related_number ON related(number);
