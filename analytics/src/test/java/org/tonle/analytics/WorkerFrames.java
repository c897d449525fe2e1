package org.tonle.analytics;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** A test's side of an analyst worker's standard input and output, as {@link AnalystWorkers} speaks to it. */
final class WorkerFrames {

    private WorkerFrames() {
    }

    /** The worker's answer to one statement: "type:" and the text of its frames (rows as sent). */
    static String ask(DataOutputStream in, DataInputStream out, String snapshot, String key, boolean builtinCrypto, String sql)
            throws IOException {
        new Wire.Request(snapshot, key, builtinCrypto, Wire.ROWS, 10, 10, 1 << 20, sql).write(in);
        StringBuilder answer = new StringBuilder();
        while (true) {
            String frame = frame(out);
            answer.append(frame);
            if (!frame.startsWith("D:")) {
                return answer.toString();
            }
        }
    }

    /** One frame: its type, a colon, its bytes as ISO-8859-1 text. */
    static String frame(DataInputStream out) throws IOException {
        byte type = out.readByte();
        byte[] bytes = out.readNBytes(out.readInt());
        return (char) type + ":" + new String(bytes, StandardCharsets.ISO_8859_1);
    }
}
