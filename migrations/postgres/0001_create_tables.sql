CREATE TABLE tweets (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    text       TEXT NOT NULL CHECK (char_length(text) BETWEEN 1 AND 280),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE users (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email      TEXT NOT NULL CONSTRAINT users_email_key UNIQUE,
    active     BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE workers (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    fullname   TEXT NOT NULL CONSTRAINT workers_fullname_key UNIQUE,
    email      TEXT NOT NULL CONSTRAINT workers_email_key UNIQUE,
    active     BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
