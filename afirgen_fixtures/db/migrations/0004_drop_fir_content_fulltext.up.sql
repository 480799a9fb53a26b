-- No query searches the rendered FIR text: search and the model step read complaint_text
-- (ft_fir_complaint_text). The FULLTEXT index on fir_content only cost every stored FIR the
-- tokenising of its rendered text at COMMIT (README, "Seed goals").

ALTER TABLE fir_records DROP INDEX ft_fir_content;
