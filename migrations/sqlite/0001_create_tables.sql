-- Timestamps are RFC 3339 text in UTC; ids are rowids that are never reused.
CREATE TABLE tweets (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    text       TEXT NOT NULL CHECK (length(text) BETWEEN 1 AND 280),
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE users (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    email      TEXT NOT NULL CONSTRAINT users_email_key UNIQUE,
    active     BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE workers (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    fullname   TEXT NOT NULL CONSTRAINT workers_fullname_key UNIQUE,
    email      TEXT NOT NULL CONSTRAINT workers_email_key UNIQUE,
    active     BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
