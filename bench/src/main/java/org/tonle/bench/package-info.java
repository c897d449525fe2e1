/**
 * Benchmarks. Each prints its figures and those of a baseline measured in the same run (for
 * example the raw DuckDB Appender), so a figure is always read against the machine it ran on.
 * Run them with {@code bin/bench NAME}; results and commands are in docs/PERFORMANCE.md.
 */
package org.tonle.bench;
