-- The indexes the original AFIRGen migration 001 intended, in portable DDL.
-- Composite keys end in id so keyset pagination on (created_at, id) reads them in order
-- either way (InnoDB scans backwards for DESC); the covering key serves list pages alone.

ALTER TABLE fir_records
    ADD INDEX idx_fir_created (created_at, id),
    ADD INDEX idx_fir_status_created (status, created_at, id),
    ADD INDEX idx_fir_user_created (user_id, created_at),
    ADD INDEX idx_fir_user_status_created (user_id, status, created_at),
    ADD INDEX idx_fir_status_finalized (status, finalized_at),
    ADD INDEX idx_fir_covering_list (user_id, status, created_at, fir_number, session_id);

ALTER TABLE fir_records ADD FULLTEXT INDEX ft_fir_complaint_text (complaint_text);

ALTER TABLE fir_records ADD FULLTEXT INDEX ft_fir_content (fir_content);

ALTER TABLE fir_violations ADD INDEX idx_fir_violations_section (section_id);

ALTER TABLE legal_sections ADD INDEX idx_legal_sections_category (category);

ALTER TABLE sessions
    ADD INDEX idx_sessions_status_activity (status, last_activity),
    ADD INDEX idx_sessions_created (created_at);

ALTER TABLE background_tasks
    ADD INDEX idx_background_tasks_status_priority (status, priority),
    ADD INDEX idx_background_tasks_created (created_at);
