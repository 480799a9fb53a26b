"""Monitoring with a real Prometheus: a private Prometheus and exporters beside the private
servers, the queries the load report, the alert rules and the dashboard share, and the alert
rules and dashboard generated from them (docs/monitoring.md)."""
