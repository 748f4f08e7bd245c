package dev.flinkship.sqlrunner;

import java.util.List;

/**
 * A statement as Flink's planner read it: the kind of operation it parsed to, and the statement's
 * span and text.
 *
 * @param kind derived from the operation (see {@link Operations#kindOf}): SET, RESET, INSERT,
 *     STATEMENT_SET, CREATE_TABLE, CREATE_VIEW, ...
 * @param key the key of a SET or RESET (null otherwise, and for a bare SET or RESET)
 * @param value the value of a SET (null otherwise)
 * @param inserts the INSERTs of a STATEMENT_SET (empty otherwise)
 */
public record Step(String kind, Statement statement, String key, String value, List<Step> inserts) {}
