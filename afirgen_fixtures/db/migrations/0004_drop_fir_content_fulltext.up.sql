-- No query searches the rendered FIR text: search and the model step read complaint_text
-- (ft_fir_complaint_text). The FULLTEXT index on fir_content only cost every stored FIR its
-- tokenising at COMMIT: about 200 µs of the 1.0-1.2 ms a cached generation spent in MariaDB
-- (README, "Seed goals").

ALTER TABLE fir_records DROP INDEX ft_fir_content;
