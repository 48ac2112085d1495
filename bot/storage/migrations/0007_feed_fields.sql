-- What a podcast feed says about an episode beyond its page (bot/feeds), and a metadata file may
-- say too: the item's guid, its season, its audio (a quote's link plays it from the second, `#t=`,
-- whatever its address ends with) and the item's web page.
ALTER TABLE episodes ADD COLUMN guid TEXT;
ALTER TABLE episodes ADD COLUMN season INTEGER;
ALTER TABLE episodes ADD COLUMN audio_url TEXT;
ALTER TABLE episodes ADD COLUMN page_url TEXT;
CREATE INDEX episodes_guid ON episodes(guid) WHERE guid IS NOT NULL;

-- Episodes stored before these columns existed are read again by the next ingest, which fills them.
UPDATE episodes SET stamp = '', content_hash = '';
