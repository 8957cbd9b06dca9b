-- Batch scanning: a part names its batch, a batch lists its parts (both
-- JSON, empty for documents that are neither).
ALTER TABLE documents ADD COLUMN batch TEXT NOT NULL DEFAULT '';
ALTER TABLE documents ADD COLUMN parts TEXT NOT NULL DEFAULT '';
