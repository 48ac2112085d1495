-- Transcripts and chapters: every spoken moment of an episode, searchable and linked to its second.
--
-- Both are rows of `segments`, as 0001 planned, so the full-text index (stemming, accent folding),
-- ranking and links serve them as they serve quotes:
-- * kind 'moment': one speaker's consecutive words, cut at sentence ends into pieces of about
--   15-45 s, never across a speaker change or a chapter start. `seconds`/`end_seconds` bound it,
--   `person_id` is the speaker when they are a person, `label` the speaker label when it names
--   nobody ("Guest 1" that the metadata does not map), and `marks` where each later sentence starts.
--   A moment's chapter is the episode's last chapter starting at or before it.
-- * kind 'chapter': its title in `text`, its start and (when known) end in seconds.
-- Moments and chapters of an episode are replaced together, inside that episode's savepoint.

-- Varint pairs (characters from the previous sentence start, seconds from the previous sentence),
-- one pair per sentence after the first, which starts at the moment's own second: two bytes a
-- sentence instead of a row.
ALTER TABLE segments ADD COLUMN marks BLOB;
ALTER TABLE segments ADD COLUMN label TEXT;

-- The transcript's file name (NULL: none), a transcript the metadata names (`transcript = ...`;
-- its absolute path, so an unchanged-file check can stamp it without reading the metadata), and a
-- digest of the moments and chapters as stored, so a page edit does not rewrite an unchanged
-- transcript.
ALTER TABLE episodes ADD COLUMN transcript TEXT;
ALTER TABLE episodes ADD COLUMN linked TEXT;
ALTER TABLE episodes ADD COLUMN timed_hash TEXT;
