-- Base schema: tables, primary keys and the constraints that keep data correct.
-- Secondary (performance) indexes live in 0002 so they can be rolled back.
-- Plain DDL only: runs on MariaDB 10.11 and MySQL 8 alike.

CREATE TABLE legal_sections (
    id INT UNSIGNED NOT NULL AUTO_INCREMENT,
    section_number VARCHAR(20) NOT NULL,
    title VARCHAR(255) NOT NULL,
    description TEXT NOT NULL,
    penalty VARCHAR(255) NOT NULL,
    category VARCHAR(64) NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uq_legal_sections_number (section_number),
    FULLTEXT KEY ft_legal_sections_text (title, description)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE sessions (
    id CHAR(36) NOT NULL,
    state JSON NOT NULL,
    status ENUM('processing', 'awaiting_validation', 'completed', 'failed', 'expired')
        NOT NULL DEFAULT 'processing',
    current_step VARCHAR(32) NOT NULL,
    created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    last_activity DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE fir_records (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    fir_number VARCHAR(50) NOT NULL,
    session_id CHAR(36) NULL,
    user_id VARCHAR(100) NULL,
    police_station VARCHAR(120) NOT NULL,
    complaint_text TEXT NOT NULL,
    fir_content MEDIUMTEXT NOT NULL,
    violations JSON NOT NULL,
    status ENUM('draft', 'pending', 'finalized', 'rejected', 'archived')
        NOT NULL DEFAULT 'pending',
    created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    finalized_at DATETIME(6) NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uq_fir_records_fir_number (fir_number),
    UNIQUE KEY uq_fir_records_session (session_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE fir_violations (
    fir_id BIGINT UNSIGNED NOT NULL,
    section_id INT UNSIGNED NOT NULL,
    PRIMARY KEY (fir_id, section_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE background_tasks (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    task_id VARCHAR(255) NOT NULL,
    task_name VARCHAR(255) NOT NULL,
    task_type VARCHAR(100) NOT NULL,
    priority INT NOT NULL DEFAULT 5,
    status ENUM('pending', 'running', 'completed', 'failed', 'cancelled')
        NOT NULL DEFAULT 'pending',
    params JSON NULL,
    result JSON NULL,
    error_message TEXT NULL,
    retry_count INT NOT NULL DEFAULT 0,
    max_retries INT NOT NULL DEFAULT 3,
    created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    started_at DATETIME(6) NULL,
    completed_at DATETIME(6) NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uq_background_tasks_task_id (task_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
