DROP TABLE background_tasks;
DROP TABLE fir_violations;
DROP TABLE fir_records;
DROP TABLE sessions;
DROP TABLE legal_sections;
