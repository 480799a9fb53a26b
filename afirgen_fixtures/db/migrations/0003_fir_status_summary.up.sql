-- Per-status totals of fir_records, so the statistics read five rows instead of grouping the
-- whole table. FIRRepository changes them in the transaction of every write it makes (the
-- app user may not create triggers); this fills them from the rows already there, which is
-- how a bulk load (rows first, then the migrations after 0001) gets them right.
-- A FIR with finalized_at NULL ages until now: its created_at is summed (microseconds since
-- 1970-01-01), and the reader subtracts that from now. A finalized one has a fixed age.

CREATE TABLE fir_status_summary (
    status ENUM('draft', 'pending', 'finalized', 'rejected', 'archived') NOT NULL,
    fir_count BIGINT NOT NULL DEFAULT 0,
    open_count BIGINT NOT NULL DEFAULT 0,
    open_created_us DECIMAL(30, 0) NOT NULL DEFAULT 0,
    closed_age_s BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (status)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT INTO fir_status_summary (status)
VALUES ('draft'), ('pending'), ('finalized'), ('rejected'), ('archived');

UPDATE fir_status_summary AS s
JOIN (
    SELECT status, COUNT(*) AS fir_count, SUM(finalized_at IS NULL) AS open_count,
        COALESCE(SUM(IF(finalized_at IS NULL,
            TIMESTAMPDIFF(MICROSECOND, '1970-01-01', created_at), 0)), 0) AS open_created_us,
        COALESCE(SUM(IF(finalized_at IS NULL,
            0, TIMESTAMPDIFF(SECOND, created_at, finalized_at))), 0) AS closed_age_s
    FROM fir_records GROUP BY status
) AS d ON d.status = s.status
SET s.fir_count = d.fir_count, s.open_count = d.open_count,
    s.open_created_us = d.open_created_us, s.closed_age_s = d.closed_age_s;
