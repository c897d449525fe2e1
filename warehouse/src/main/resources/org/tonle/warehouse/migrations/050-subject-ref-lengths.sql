-- The lengths of the subject refs this node has pseudonymised: never a ref, nor which subject
-- a length belongs to. The search for case codes in free text hashes only the stretches of
-- these lengths (pipelines' CaseCodes, docs/ACCESS.md "Case codes typed into text"), a few keyed hashes a character
-- instead of tens to hundreds. It may rely on them only while they are complete: from a
-- warehouse that held no record and no rejection when this table came (every subject since
-- went through this node's pseudonymisation), until the node takes subjects whose refs it
-- never saw (headquarters). Otherwise every length is searched, as before.
CREATE TABLE subject_ref_length (
    length INTEGER NOT NULL PRIMARY KEY
);
INSERT INTO node_setting
SELECT 'subject_ref_lengths', 'complete'
WHERE NOT EXISTS (SELECT 1 FROM record_version) AND NOT EXISTS (SELECT 1 FROM dead_letter);
