"""Plan analysis of recorded EXPLAIN output (MariaDB 10.11 and MySQL 8 shapes) and index
suggestions from the parsed SQL; no server needed."""

from __future__ import annotations

from sqlglot import exp

from afirgen_fixtures.db.optimizer import (
    IndexSuggestion,
    analyze_plan,
    analyze_tabular_plan,
    parse_sql,
    suggest_indexes,
)

STATUS_PAGE = (
    "SELECT id, fir_number, created_at FROM fir_records WHERE status = %s "
    "ORDER BY created_at DESC, id DESC LIMIT 20"
)
# Recorded from MariaDB 10.11.19 on 10k rows, schema version 1 (no secondary indexes).
MARIADB_FULL_SCAN = """{
  "query_block": {
    "select_id": 1,
    "nested_loop": [
      {
        "read_sorted_file": {
          "filesort": {
            "sort_key": "fir_records.created_at desc, fir_records.`id` desc",
            "table": {
              "table_name": "fir_records",
              "access_type": "ALL",
              "rows": 9763,
              "filtered": 100,
              "attached_condition": "fir_records.`status` = 'pending'"
            }
          }
        }
      }
    ]
  }
}"""
# Recorded from MariaDB 10.11.19 at head schema.
MARIADB_INDEXED = """{
  "query_block": {
    "select_id": 1,
    "nested_loop": [
      {
        "table": {
          "table_name": "fir_records",
          "access_type": "ref",
          "possible_keys": ["idx_fir_status_created", "idx_fir_status_finalized"],
          "key": "idx_fir_status_created",
          "key_length": "1",
          "used_key_parts": ["status"],
          "ref": ["const"],
          "rows": 3320,
          "filtered": 100,
          "attached_condition": "fir_records.`status` <=> 'pending'"
        }
      }
    ]
  }
}"""
# MySQL 8.0 (format version 1): flags instead of operation nodes, rows_examined_per_scan,
# filtered as text.
MYSQL8_JOIN_GROUP = """{
  "query_block": {
    "select_id": 1,
    "cost_info": {"query_cost": "2214.30"},
    "grouping_operation": {
      "using_temporary_table": true,
      "using_filesort": true,
      "nested_loop": [
        {
          "table": {
            "table_name": "v",
            "access_type": "index",
            "key": "PRIMARY",
            "used_key_parts": ["fir_id", "section_id"],
            "rows_examined_per_scan": 2000,
            "rows_produced_per_join": 2000,
            "filtered": "100.00",
            "using_index": true
          }
        },
        {
          "table": {
            "table_name": "ls",
            "access_type": "eq_ref",
            "possible_keys": ["PRIMARY"],
            "key": "PRIMARY",
            "rows_examined_per_scan": 1,
            "rows_produced_per_join": 200,
            "filtered": "10.00",
            "attached_condition": "(`afirgen`.`ls`.`category` = 'cat3')"
          }
        }
      ]
    }
  }
}"""
JOIN_GROUP = (
    "SELECT ls.section_number, COUNT(*) AS firs FROM fir_violations AS v "
    "JOIN legal_sections ls ON ls.id = v.section_id WHERE ls.category = %s "
    "GROUP BY ls.section_number"
)


def test_mariadb_full_scan_with_filesort() -> None:
    plan = analyze_plan(STATUS_PAGE, MARIADB_FULL_SCAN)
    assert plan.full_scan and plan.filesort and not plan.temporary_table
    assert plan.indexes == {"fir_records": None}
    assert plan.rows_examined == 9763


def test_mariadb_index_ref_without_filesort() -> None:
    plan = analyze_plan(STATUS_PAGE, MARIADB_INDEXED)
    assert not plan.full_scan and not plan.filesort
    assert plan.uses_index("idx_fir_status_created")
    assert plan.tables[0].possible_keys == ("idx_fir_status_created", "idx_fir_status_finalized")


def test_mysql8_shape_flags_filesort_temporary_and_nested_loop_rows() -> None:
    plan = analyze_plan(JOIN_GROUP, MYSQL8_JOIN_GROUP)
    assert plan.filesort and plan.temporary_table and plan.full_scan
    assert [t.table for t in plan.tables] == ["v", "ls"]
    # 2000 index entries read, then one eq_ref lookup for each of them.
    assert plan.rows_examined == 2000 + 2000 * 1
    assert plan.indexes == {"v": "PRIMARY", "ls": "PRIMARY"}


def test_message_only_plan_has_no_tables() -> None:
    document = {"query_block": {"select_id": 1, "table": {"message": "Impossible WHERE"}}}
    plan = analyze_plan("SELECT id FROM fir_records WHERE id = 0", document)
    assert plan.tables == () and plan.messages == ("Impossible WHERE",)
    assert plan.rows_examined == 0 and not plan.full_scan


def test_tabular_plan_reads_type_key_and_extra() -> None:
    rows = [
        {"id": 1, "select_type": "SIMPLE", "table": "fir_records", "type": "ALL",
         "possible_keys": None, "key": None, "key_len": None, "ref": None, "rows": "9763",
         "extra": "Using where; Using filesort"},
    ]  # fmt: skip
    plan = analyze_tabular_plan(STATUS_PAGE, rows)
    assert plan.source == "tabular"
    assert plan.full_scan and plan.filesort and not plan.temporary_table
    assert plan.rows_examined == 9763


def test_full_scan_with_filesort_suggests_equality_then_order_columns() -> None:
    plan = analyze_plan(STATUS_PAGE, MARIADB_FULL_SCAN)
    (suggestion,) = suggest_indexes(STATUS_PAGE, plan)
    assert suggestion == IndexSuggestion("fir_records", ("status", "created_at", "id"))
    assert str(suggestion) == (
        "CREATE INDEX `idx_fir_records_status_created_at_id` ON `fir_records` "
        "(`status`, `created_at`, `id`)"
    )
    assert "full scan (ALL, ~9763 rows)" in suggestion.reasons


def test_indexed_plan_needs_no_suggestion() -> None:
    assert suggest_indexes(STATUS_PAGE, analyze_plan(STATUS_PAGE, MARIADB_INDEXED)) == []


def test_join_suggestions_resolve_aliases_and_name_the_join_column() -> None:
    suggestions = suggest_indexes(JOIN_GROUP, analyze_plan(JOIN_GROUP, MYSQL8_JOIN_GROUP))
    by_table = {s.table: s.columns for s in suggestions}
    assert by_table["fir_violations"] == ("section_id",)
    assert by_table["legal_sections"][0] == "category"


def test_existing_index_with_the_same_leading_columns_is_not_suggested() -> None:
    plan = analyze_plan(STATUS_PAGE, MARIADB_FULL_SCAN)
    existing = {"fir_records": [("id",), ("status", "created_at", "id", "fir_number")]}
    assert suggest_indexes(STATUS_PAGE, plan, existing) == []


def test_range_columns_follow_equality_and_in_lists_count_as_equality() -> None:
    sql = (
        "SELECT f.id FROM fir_records f WHERE f.created_at >= %s AND f.user_id IN (%s, %s) "
        "AND (f.created_at < %s OR f.id < %s) ORDER BY f.created_at DESC"
    )
    plan = analyze_plan(sql, MARIADB_FULL_SCAN)
    (suggestion,) = suggest_indexes(sql, plan)
    assert suggestion.columns == ("user_id", "created_at")


def test_placeholders_become_parameters_but_string_literals_stay() -> None:
    tree = parse_sql("SELECT id FROM t WHERE a = %s AND b = '%s'")
    assert len(list(tree.find_all(exp.Placeholder))) == 1
    assert [literal.this for literal in tree.find_all(exp.Literal)] == ["%s"]


def test_modulo_is_still_a_modulo() -> None:
    tree = parse_sql("SELECT id FROM t WHERE a = %s AND b % 2 = 1 LIMIT %s")
    assert len(list(tree.find_all(exp.Placeholder))) == 2
    assert tree.find(exp.Mod) is not None
