-- A line that could not be parsed is no longer kept as text (DESIGN.md 9.2): the regex that
-- hashed ref-shaped values in it missed escaped, single-quoted and cut-off shapes. The dead
-- letter keeps the line's number (line), its length in UTF-8 bytes and a keyed hash
-- (HMAC-SHA-256 under a key derived from the node's key, hex) instead. Bodies of parsed
-- records stay: they are pseudonymised and replayable.
ALTER TABLE dead_letter ADD COLUMN line_length INTEGER;
ALTER TABLE dead_letter ADD COLUMN line_hmac VARCHAR;

-- Lines stored by earlier releases: the text goes. Only lines that could not be read as a
-- record carry these rules.
UPDATE dead_letter SET body = NULL WHERE rule IN ('malformed_json', 'encoding', 'csv');
