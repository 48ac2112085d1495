-- Transcript moments get a full-text index of their own, with the same tokenizer as segments_fts.
--
-- An archive's moments outnumber its takeaways, quotes and descriptions a hundred to one: in one
-- shared index, every search for those walked (and ranked) the transcript matches of its words
-- only to drop them, so /ask over 700 hours of transcripts took hundreds of milliseconds. Each
-- index now reads its own side of `segments` through a view (so FTS5's integrity check still
-- compares it with exactly the rows it holds); the vocabulary (bot/storage/catalogue.py) adds
-- both up. The writer (bot/storage/episodes.py) indexes new rows itself, as before.
CREATE VIEW passage_texts AS SELECT id, text FROM segments WHERE kind <> 'moment';
CREATE VIEW moment_texts AS SELECT id, text FROM segments WHERE kind = 'moment';

DROP TRIGGER segments_ad;
DROP TRIGGER segments_au;
DROP TABLE segments_vocab;
DROP TABLE segments_fts;
CREATE VIRTUAL TABLE segments_fts USING fts5(
    text, content='passage_texts', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2'
);
CREATE VIRTUAL TABLE segments_vocab USING fts5vocab(segments_fts, 'row');
INSERT INTO segments_fts(segments_fts) VALUES ('rebuild');
CREATE VIRTUAL TABLE moments_fts USING fts5(
    text, content='moment_texts', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2'
);
CREATE VIRTUAL TABLE moments_vocab USING fts5vocab(moments_fts, 'row');
INSERT INTO moments_fts(moments_fts) VALUES ('rebuild');

CREATE TRIGGER segments_ad AFTER DELETE ON segments WHEN old.kind <> 'moment' BEGIN
    INSERT INTO segments_fts(segments_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
CREATE TRIGGER segments_au AFTER UPDATE OF text ON segments WHEN old.kind <> 'moment' BEGIN
    INSERT INTO segments_fts(segments_fts, rowid, text) VALUES ('delete', old.id, old.text);
    INSERT INTO segments_fts(rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER moments_ad AFTER DELETE ON segments WHEN old.kind = 'moment' BEGIN
    INSERT INTO moments_fts(moments_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
CREATE TRIGGER moments_au AFTER UPDATE OF text ON segments WHEN old.kind = 'moment' BEGIN
    INSERT INTO moments_fts(moments_fts, rowid, text) VALUES ('delete', old.id, old.text);
    INSERT INTO moments_fts(rowid, text) VALUES (new.id, new.text);
END;
