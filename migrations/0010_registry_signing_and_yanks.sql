-- Issue 16 parts 2 and 3: signed registries, yanked agents.

-- A registry that requires signed heads: the allowed-signers file copied into
-- the data directory at add time (path and SHA-256 of what was copied), and
-- the outcome of the last signature check (shown on the Registries page).
ALTER TABLE registries ADD COLUMN require_signed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE registries ADD COLUMN allowed_signers_path TEXT;
ALTER TABLE registries ADD COLUMN allowed_signers_sha256 TEXT;
ALTER TABLE registries ADD COLUMN signature_status TEXT;
ALTER TABLE registries ADD COLUMN signature_commit TEXT;
ALTER TABLE registries ADD COLUMN signature_detail TEXT;
ALTER TABLE registries ADD COLUMN signature_checked_at TEXT;

-- A registry entry's `yanked.reason` (NULL: not yanked).
ALTER TABLE agents ADD COLUMN yanked_reason TEXT;

-- Quarantine of an installed agent whose registry entry is yanked: the reason,
-- when, and the yank reason the operator explicitly overrode (--override-yank).
ALTER TABLE installs ADD COLUMN quarantine_reason TEXT;
ALTER TABLE installs ADD COLUMN quarantined_at TEXT;
ALTER TABLE installs ADD COLUMN yank_override_reason TEXT;
ALTER TABLE installs ADD COLUMN yank_override_at TEXT;
