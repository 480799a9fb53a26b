ALTER TABLE background_tasks
    DROP INDEX idx_background_tasks_status_priority,
    DROP INDEX idx_background_tasks_created;

ALTER TABLE sessions
    DROP INDEX idx_sessions_status_activity,
    DROP INDEX idx_sessions_created;

ALTER TABLE legal_sections DROP INDEX idx_legal_sections_category;

ALTER TABLE fir_violations DROP INDEX idx_fir_violations_section;

ALTER TABLE fir_records DROP INDEX ft_fir_content;

ALTER TABLE fir_records DROP INDEX ft_fir_complaint_text;

ALTER TABLE fir_records
    DROP INDEX idx_fir_created,
    DROP INDEX idx_fir_status_created,
    DROP INDEX idx_fir_user_created,
    DROP INDEX idx_fir_user_status_created,
    DROP INDEX idx_fir_status_finalized,
    DROP INDEX idx_fir_covering_list;
