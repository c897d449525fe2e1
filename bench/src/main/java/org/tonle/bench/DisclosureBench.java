package org.tonle.bench;

import java.util.Random;

import org.tonle.warehouse.indicators.DisclosureControl;

/**
 * What disclosure control costs per donor table: {@link DisclosureControl#suppress} (primary and
 * complementary suppression with the linear-programming audit) on random tables of the shapes
 * the API returns, next to primary suppression alone (a plain pass over the cells) in the same
 * process. Run by hand (docs/PERFORMANCE.md), never in tests.
 */
public final class DisclosureBench {

    private static final int MIN_CELL = 5;

    public static void main(String[] args) {
        int tables = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        int[][] shapes = {{1, 4}, {1, 9}, {3, 4}, {3, 6}, {9, 4}, {6, 3}};
        String[] names = {"by=sex (1x4)", "by=group (1x9)", "by=office,sex (3x4)", "by=office,age_band (3x6)",
                "by=group,sex (9x4)", "by=age_band,role (6x3)"};
        System.out.printf("%-26s %14s %14s %12s%n", "table", "full µs/table", "primary µs", "cells hidden");
        for (int s = 0; s < shapes.length; s++) {
            long[][][] data = tables(new Random(s), tables, shapes[s][0], shapes[s][1]);
            for (long[][] warm : data) { // warm-up
                DisclosureControl.suppress(warm, MIN_CELL);
                primary(warm);
            }
            long hidden = 0;
            long start = System.nanoTime();
            for (long[][] table : data) {
                hidden += count(DisclosureControl.suppress(table, MIN_CELL));
            }
            double full = (System.nanoTime() - start) / 1e3 / tables;
            long sink = 0;
            start = System.nanoTime();
            for (int repeat = 0; repeat < 2; repeat++) {
                for (long[][] table : data) {
                    sink += count(primary(table));
                }
            }
            double primary = (System.nanoTime() - start) / 1e3 / tables / 2;
            System.out.printf("%-26s %14.1f %14.2f %11.1f%%%n", names[s], full, primary,
                    100.0 * hidden / tables / (shapes[s][0] * shapes[s][1]) + (sink < 0 ? 1 : 0));
        }
    }

    /** Counts from a month of a mid-sized office: a third zeros, a third small, a third larger. */
    private static long[][][] tables(Random random, int n, int rows, int columns) {
        long[][][] tables = new long[n][rows][columns];
        for (long[][] table : tables) {
            for (long[] row : table) {
                for (int c = 0; c < columns; c++) {
                    int kind = random.nextInt(3);
                    row[c] = kind == 0 ? 0 : kind == 1 ? 1 + random.nextInt(MIN_CELL - 1) : MIN_CELL + random.nextInt(80);
                }
            }
        }
        return tables;
    }

    private static boolean[][] primary(long[][] table) {
        boolean[][] hidden = new boolean[table.length][table[0].length];
        for (int r = 0; r < table.length; r++) {
            for (int c = 0; c < table[r].length; c++) {
                hidden[r][c] = table[r][c] >= 1 && table[r][c] < MIN_CELL;
            }
        }
        return hidden;
    }

    private static long count(boolean[][] hidden) {
        long n = 0;
        for (boolean[] row : hidden) {
            for (boolean h : row) {
                n += h ? 1 : 0;
            }
        }
        return n;
    }
}
