"""Every PromQL expression the project uses, once: the load report, the alert rules and the
Grafana dashboard all read them from here, so a panel, an alert and a report figure cannot
disagree about what "P95" or "hit ratio" means.

``{w}`` in a template is the rate window: ``5s`` in a load report scraped every second,
``5m`` in an alert rule, ``$__rate_interval`` on the dashboard.
"""

from __future__ import annotations

from dataclasses import dataclass

API_JOB = "afirgen-api"
MARIADB_JOB = "mariadb"
REDIS_JOB = "redis"
# Prometheus's own scrapes and load balancers' health checks are not the application's traffic
NOT_TRAFFIC = "/api/v1/metrics|/api/v1/health"
_API = f'job="{API_JOB}",route!~"{NOT_TRAFFIC}"'


@dataclass(frozen=True)
class Signal:
    """One figure over time: what it is, its unit (Grafana's unit names) and its PromQL."""

    name: str
    title: str
    unit: str
    job: str  # the scrape job it reads
    template: str
    legend: str = ""

    def expr(self, window: str = "5m") -> str:
        return self.template.replace("{w}", window)


ENDPOINT_P95 = Signal(
    "endpoint_p95",
    "P95 latency by endpoint (server side)",
    "s",
    API_JOB,
    "histogram_quantile(0.95, sum by (route, le) "
    f"(rate(afirgen_http_request_duration_seconds_bucket{{{_API}}}[{{w}}])))",
    "{{route}}",
)
REQUESTS = Signal(
    "requests_per_s",
    "Requests per second",
    "reqps",
    API_JOB,
    f"sum(rate(afirgen_http_requests_total{{{_API}}}[{{w}}]))",
)
ERRORS = Signal(
    "errors_per_s",
    "Server errors (5xx) per second",
    "reqps",
    API_JOB,
    f'sum(rate(afirgen_http_requests_total{{{_API},status=~"5.."}}[{{w}}])) or vector(0)',
)
ERROR_RATIO = Signal(
    "error_ratio",
    "Share of requests answered 5xx",
    "percentunit",
    API_JOB,
    f'(sum(rate(afirgen_http_requests_total{{{_API},status=~"5.."}}[{{w}}])) or vector(0)) '
    f"/ sum(rate(afirgen_http_requests_total{{{_API}}}[{{w}}]))",
)
# The application's own definition (afirgen_fixtures.cache.stats): hits / (hits + misses);
# a read that never reached Redis is neither.
CACHE_HIT_RATIO = Signal(
    "cache_hit_ratio",
    "Cache hit ratio (the API's reads)",
    "percentunit",
    API_JOB,
    f'sum(rate(afirgen_cache_operations_total{{job="{API_JOB}",outcome="hit"}}[{{w}}])) '
    f'/ sum(rate(afirgen_cache_operations_total{{job="{API_JOB}",outcome=~"hit|miss"}}[{{w}}]))',
)
MARIADB_QUERIES = Signal(
    "mariadb_queries_per_s",
    "MariaDB queries per second",
    "qps",
    MARIADB_JOB,
    f'rate(mysql_global_status_queries{{job="{MARIADB_JOB}"}}[{{w}}])',
)
BUFFER_POOL_DISK_READS = Signal(
    "buffer_pool_disk_reads_per_s",
    "InnoDB buffer-pool reads from disk per second",
    "ops",
    MARIADB_JOB,
    f'rate(mysql_global_status_innodb_buffer_pool_reads{{job="{MARIADB_JOB}"}}[{{w}}])',
)
REDIS_HIT_RATIO = Signal(
    "redis_hit_ratio",
    "Redis keyspace hit ratio",
    "percentunit",
    REDIS_JOB,
    f'rate(redis_keyspace_hits_total{{job="{REDIS_JOB}"}}[{{w}}]) '
    f'/ (rate(redis_keyspace_hits_total{{job="{REDIS_JOB}"}}[{{w}}]) '
    f'+ rate(redis_keyspace_misses_total{{job="{REDIS_JOB}"}}[{{w}}]))',
)
REDIS_OPS = Signal(
    "redis_ops_per_s",
    "Redis commands per second",
    "ops",
    REDIS_JOB,
    f'rate(redis_commands_processed_total{{job="{REDIS_JOB}"}}[{{w}}])',
)
REDIS_MEMORY = Signal(
    "redis_memory_bytes",
    "Redis memory used",
    "bytes",
    REDIS_JOB,
    f'redis_memory_used_bytes{{job="{REDIS_JOB}"}}',
)
DATABASE_DOWN = Signal(
    "database_down",
    "MariaDB unreachable (1: down)",
    "none",
    MARIADB_JOB,
    f'(mysql_up{{job="{MARIADB_JOB}"}} == 0) or (up{{job="{MARIADB_JOB}"}} == 0)',
)
CACHE_DOWN = Signal(
    "cache_down",
    "Redis unreachable (1: down)",
    "none",
    REDIS_JOB,
    f'(redis_up{{job="{REDIS_JOB}"}} == 0) or (up{{job="{REDIS_JOB}"}} == 0)',
)
API_DOWN = Signal("api_down", "API not scraped", "none", API_JOB, f'up{{job="{API_JOB}"}} == 0')

# What the load report plots and sums up, in its order
REPORTED = (
    REQUESTS,
    ERRORS,
    MARIADB_QUERIES,
    BUFFER_POOL_DISK_READS,
    REDIS_HIT_RATIO,
    REDIS_OPS,
    REDIS_MEMORY,
)
# The dashboard's panels, in its order
PANELS = (ENDPOINT_P95, REQUESTS, ERROR_RATIO, CACHE_HIT_RATIO, *REPORTED[2:])


def endpoint_p95_over(seconds: int) -> str:
    """Each endpoint's server-side P95 over a whole run of ``seconds``."""
    return (
        "histogram_quantile(0.95, sum by (route, le) "
        f"(increase(afirgen_http_request_duration_seconds_bucket{{{_API}}}[{seconds}s])))"
    )


def endpoint_p95_for(route: str, window: str) -> str:
    """One endpoint's server-side P95, for its latency alert."""
    return (
        "histogram_quantile(0.95, sum by (route, le) (rate("
        f'afirgen_http_request_duration_seconds_bucket{{job="{API_JOB}",route="{route}"}}'
        f"[{window}])))"
    )
