ALTER TABLE fir_records ADD FULLTEXT INDEX ft_fir_content (fir_content);
