"""Versioned schema of the SQLite backend. Append a migration; never edit a released one."""

from __future__ import annotations

MIGRATIONS: list[str] = [
    # 1: the foundation schema
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE creators (
        id TEXT PRIMARY KEY, handle TEXT NOT NULL UNIQUE, display_name TEXT NOT NULL,
        followers INTEGER NOT NULL DEFAULT 0, created_at REAL NOT NULL, meta TEXT NOT NULL
    );
    CREATE TABLE users (
        id TEXT PRIMARY KEY, handle TEXT NOT NULL UNIQUE, language TEXT, region TEXT,
        birth_year INTEGER, created_at REAL NOT NULL, meta TEXT NOT NULL
    );
    CREATE TABLE media (
        id TEXT PRIMARY KEY, sha256 TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, format TEXT NOT NULL,
        size_bytes INTEGER NOT NULL, width INTEGER NOT NULL, height INTEGER NOT NULL,
        duration_s REAL, fps REAL, has_audio INTEGER NOT NULL, probe TEXT NOT NULL,
        created_at REAL NOT NULL
    );
    CREATE TABLE items (
        id TEXT PRIMARY KEY, kind TEXT NOT NULL, content_hash TEXT NOT NULL UNIQUE,
        creator_id TEXT NOT NULL REFERENCES creators(id), caption TEXT NOT NULL,
        hashtags TEXT NOT NULL, language TEXT, media_id TEXT REFERENCES media(id),
        external_id TEXT UNIQUE, ad TEXT, created_at REAL NOT NULL, ingested_at REAL NOT NULL,
        meta TEXT NOT NULL
    );
    CREATE INDEX items_creator ON items(creator_id);
    CREATE TABLE events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL UNIQUE, type TEXT NOT NULL,
        user_id TEXT NOT NULL, item_id TEXT, ts REAL NOT NULL, watch_ms INTEGER,
        duration_ms INTEGER, context TEXT NOT NULL, received_at REAL NOT NULL
    );
    CREATE INDEX events_user_ts ON events(user_id, ts);
    CREATE INDEX events_item ON events(item_id);
    CREATE TABLE features (
        item_id TEXT NOT NULL REFERENCES items(id), stage TEXT NOT NULL,
        model_name TEXT NOT NULL, model_version TEXT NOT NULL, value TEXT NOT NULL,
        created_at REAL NOT NULL, PRIMARY KEY (item_id, stage)
    );
    CREATE TABLE decisions (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,
        item_id TEXT NOT NULL REFERENCES items(id), action TEXT NOT NULL, policy_id TEXT,
        policy_version TEXT, source TEXT NOT NULL, reasons TEXT NOT NULL, created_at REAL NOT NULL
    );
    CREATE INDEX decisions_item ON decisions(item_id, seq);
    CREATE TABLE audit (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, actor TEXT NOT NULL,
        action TEXT NOT NULL, subject_type TEXT NOT NULL, subject_id TEXT NOT NULL,
        details TEXT NOT NULL, ts REAL NOT NULL
    );
    CREATE INDEX audit_subject ON audit(subject_type, subject_id, seq);
    CREATE TABLE review_jobs (
        id TEXT PRIMARY KEY, item_id TEXT NOT NULL REFERENCES items(id), queue TEXT NOT NULL,
        priority REAL NOT NULL, state TEXT NOT NULL, lease_owner TEXT, lease_expires_at REAL,
        decision TEXT, created_at REAL NOT NULL, decided_at REAL
    );
    CREATE INDEX review_jobs_queue ON review_jobs(queue, state, priority);
    CREATE TABLE api_keys (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL,
        key_hash TEXT NOT NULL UNIQUE, created_at REAL NOT NULL, revoked_at REAL
    );
    """,
    # 2: hash banks (safety): banks, their entries, and a revision counter for index caches
    """
    CREATE TABLE hash_banks (
        name TEXT PRIMARY KEY, description TEXT NOT NULL, policy_id TEXT NOT NULL,
        enabled INTEGER NOT NULL, created_at REAL NOT NULL
    );
    CREATE TABLE bank_entries (
        id TEXT PRIMARY KEY, bank TEXT NOT NULL REFERENCES hash_banks(name) ON DELETE CASCADE,
        signal_type TEXT NOT NULL, signal TEXT NOT NULL, frames TEXT NOT NULL,
        note TEXT NOT NULL, source_item_id TEXT, meta TEXT NOT NULL, created_at REAL NOT NULL,
        UNIQUE (bank, signal_type, signal)
    );
    CREATE INDEX bank_entries_signal ON bank_entries(signal_type, signal);
    CREATE TABLE hash_bank_revision (
        id INTEGER PRIMARY KEY CHECK (id = 1), revision INTEGER NOT NULL
    );
    INSERT INTO hash_bank_revision VALUES (1, 0);
    """,
    # 3: human review (safety): what opened each job, its policy, language, severity and SLA
    # deadline, the sampler that picked it, reviewers excluded from it, skips, and details
    """
    ALTER TABLE review_jobs ADD COLUMN source TEXT NOT NULL DEFAULT 'moderation';
    ALTER TABLE review_jobs ADD COLUMN policy_id TEXT;
    ALTER TABLE review_jobs ADD COLUMN language TEXT;
    ALTER TABLE review_jobs ADD COLUMN severity INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE review_jobs ADD COLUMN due_at REAL;
    ALTER TABLE review_jobs ADD COLUMN sampler TEXT;
    ALTER TABLE review_jobs ADD COLUMN excluded TEXT NOT NULL DEFAULT '[]';
    ALTER TABLE review_jobs ADD COLUMN skips INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE review_jobs ADD COLUMN details TEXT NOT NULL DEFAULT '{}';
    CREATE INDEX review_jobs_item ON review_jobs(item_id, queue, state);
    CREATE INDEX review_jobs_state ON review_jobs(state, queue, language);
    """,
    # 4: review queues a reviewer key is limited to (JSON list of QUEUE or QUEUE:LANG; [] = all)
    """
    ALTER TABLE api_keys ADD COLUMN queues TEXT NOT NULL DEFAULT '[]';
    """,
]
