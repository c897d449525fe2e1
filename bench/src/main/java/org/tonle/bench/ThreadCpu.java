package org.tonle.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The CPU time of each thread of a process, from {@code /proc/PID/task} (Linux; 10 ms ticks):
 * which of a node's threads its CPU a record goes to, to the thread, without a profiler's
 * sampling (a flight recording of a node pinned to one CPU samples a few hundred times a minute).
 * Threads are grouped by name with their digits dropped (the 16 Grizzly workers are one group).
 */
final class ThreadCpu {

    private record Task(String group, long ticks) {
    }

    private final Map<Long, Task> threads;

    private ThreadCpu(Map<Long, Task> threads) {
        this.threads = threads;
    }

    /** The threads of process {@code pid} now; empty where /proc cannot be read. */
    static ThreadCpu of(long pid) {
        Map<Long, Task> threads = new HashMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks) {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    int open = stat.indexOf('(');
                    int close = stat.lastIndexOf(')');
                    String[] after = stat.substring(close + 2).split(" ");
                    // After the name: state is field 3, utime 14, stime 15.
                    long ticks = Long.parseLong(after[11]) + Long.parseLong(after[12]);
                    String group = stat.substring(open + 1, close).replaceAll("[0-9]+", "#").strip();
                    threads.put(Long.parseLong(task.getFileName().toString()), new Task(group, ticks));
                } catch (IOException | RuntimeException e) {
                    // the thread ended while the folder was read
                }
            }
        } catch (IOException e) {
            return new ThreadCpu(Map.of());
        }
        return new ThreadCpu(threads);
    }

    /**
     * The busiest thread groups between {@code before} and this, in µs a record (threads that
     * ended in between are missing; the process's total says how much).
     */
    String busiestSince(ThreadCpu before, int records, int shown) {
        Map<String, Long> byGroup = new HashMap<>();
        threads.forEach((tid, now) -> {
            Task then = before.threads.get(tid);
            long ticks = now.ticks() - (then == null ? 0 : then.ticks());
            if (ticks > 0) {
                byGroup.merge(now.group(), ticks, Long::sum);
            }
        });
        Map<String, Long> busiest = byGroup.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .limit(shown).collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, LinkedHashMap::new));
        return busiest.entrySet().stream().map(e -> String.format("%s %.1f", e.getKey(), e.getValue() * 10_000.0 / records))
                .collect(Collectors.joining(", "));
    }
}
