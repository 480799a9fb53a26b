DROP TABLE fir_status_summary;
