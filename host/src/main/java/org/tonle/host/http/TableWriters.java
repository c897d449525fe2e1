package org.tonle.host.http;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.dataformat.csv.CsvGenerator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;

import jakarta.ws.rs.core.StreamingOutput;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.poi.ss.usermodel.Cell;
import org.apache.poi.ss.usermodel.CellStyle;
import org.apache.poi.ss.usermodel.Font;
import org.apache.poi.ss.usermodel.Row;
import org.apache.poi.ss.util.WorkbookUtil;
import org.apache.poi.xssf.streaming.SXSSFSheet;
import org.apache.poi.xssf.streaming.SXSSFWorkbook;

/** Writes a {@link Table} as CSV (RFC 4180, with a header), as an Arrow IPC stream, or as an Excel workbook. */
public final class TableWriters {

    public static final String CSV = "text/csv";
    public static final String ARROW_STREAM = "application/vnd.apache.arrow.stream";
    public static final String XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    /** Rows a sheet holds besides its header (Excel's limit is 1,048,576 rows). */
    public static final int XLSX_MAX_ROWS = 1_048_575;

    /** Arrow buffers for all responses; each response takes a child allocator and frees it. */
    private static final BufferAllocator ROOT = new RootAllocator();
    private static final CsvMapper CSV_MAPPER = new CsvMapper();

    private TableWriters() {
    }

    public static StreamingOutput csv(Table table) {
        return out -> {
            CsvSchema.Builder schema = CsvSchema.builder().setUseHeader(true);
            table.columns().forEach(c -> schema.addColumn(c.name(), switch (c.type()) {
                case INTEGER, NUMBER -> CsvSchema.ColumnType.NUMBER;
                case BOOLEAN -> CsvSchema.ColumnType.BOOLEAN;
                case TEXT -> CsvSchema.ColumnType.STRING;
            }));
            try (CsvGenerator generator = (CsvGenerator) CSV_MAPPER.getFactory().createGenerator(out)) {
                generator.setSchema(schema.build());
                for (List<Object> row : table.rows()) {
                    generator.writeStartArray();
                    for (Object value : row) {
                        if (value == null) {
                            generator.writeNull();
                        } else if (value instanceof Boolean b) {
                            generator.writeBoolean(b);
                        } else if (value instanceof Number n) {
                            generator.writeNumber(n.toString());
                        } else {
                            generator.writeString(value.toString());
                        }
                    }
                    generator.writeEndArray();
                }
            }
        };
    }

    /** The table as a workbook of one sheet, numbers as numbers and dates as dates. */
    public static StreamingOutput xlsx(Table table, String sheetName) {
        return xlsx(table.columns().stream().map(Table.Column::name).toList(), table.rows(), sheetName);
    }

    /**
     * Rows as a workbook of one sheet, streamed with POI's SXSSF: only a window of rows is in
     * memory, the rest waits in a compressed temporary file until the workbook is written.
     * Callers check {@link #XLSX_MAX_ROWS} before answering.
     */
    public static StreamingOutput xlsx(List<String> columns, List<? extends List<?>> rows, String sheetName) {
        return out -> {
            SXSSFWorkbook workbook = new SXSSFWorkbook(200);
            workbook.setCompressTempFiles(true);
            try {
                SXSSFSheet sheet = workbook.createSheet(WorkbookUtil.createSafeSheetName(sheetName));
                Font bold = workbook.createFont();
                bold.setBold(true);
                CellStyle headerStyle = workbook.createCellStyle();
                headerStyle.setFont(bold);
                CellStyle dateStyle = workbook.createCellStyle();
                dateStyle.setDataFormat(workbook.createDataFormat().getFormat("yyyy-mm-dd"));
                CellStyle timeStyle = workbook.createCellStyle();
                timeStyle.setDataFormat(workbook.createDataFormat().getFormat("yyyy-mm-dd hh:mm:ss"));
                Row header = sheet.createRow(0);
                for (int c = 0; c < columns.size(); c++) {
                    Cell cell = header.createCell(c);
                    cell.setCellValue(columns.get(c));
                    cell.setCellStyle(headerStyle);
                    sheet.setColumnWidth(c, Math.min(60, Math.max(10, columns.get(c).length() + 2)) * 256);
                }
                sheet.createFreezePane(0, 1);
                int r = 1;
                for (List<?> values : rows) {
                    Row row = sheet.createRow(r++);
                    for (int c = 0; c < values.size(); c++) {
                        Object value = values.get(c);
                        if (value == null) {
                            continue;
                        }
                        Cell cell = row.createCell(c);
                        if (value instanceof Boolean b) {
                            cell.setCellValue(b);
                        } else if (value instanceof Number n) {
                            cell.setCellValue(n.doubleValue());
                        } else if (value instanceof LocalDate d) {
                            cell.setCellValue(d);
                            cell.setCellStyle(dateStyle);
                        } else if (value instanceof Date d) {
                            cell.setCellValue(d.toLocalDate());
                            cell.setCellStyle(dateStyle);
                        } else if (value instanceof LocalDateTime t) {
                            cell.setCellValue(t);
                            cell.setCellStyle(timeStyle);
                        } else if (value instanceof Timestamp t) {
                            cell.setCellValue(t.toLocalDateTime());
                            cell.setCellStyle(timeStyle);
                        } else {
                            String text = value.toString();
                            // A cell holds 32,767 characters at most.
                            cell.setCellValue(text.length() > 32_767 ? text.substring(0, 32_767) : text);
                        }
                    }
                }
                workbook.write(out);
            } finally {
                workbook.close();
            }
        };
    }

    public static StreamingOutput arrow(Table table) {
        return out -> writeArrow(table, out);
    }

    private static void writeArrow(Table table, OutputStream out) throws IOException {
        List<Field> fields = new ArrayList<>();
        for (Table.Column column : table.columns()) {
            ArrowType type = switch (column.type()) {
                case TEXT -> ArrowType.Utf8.INSTANCE;
                case INTEGER -> new ArrowType.Int(64, true);
                case NUMBER -> new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE);
                case BOOLEAN -> ArrowType.Bool.INSTANCE;
            };
            fields.add(new Field(column.name(), FieldType.nullable(type), null));
        }
        try (BufferAllocator allocator = ROOT.newChildAllocator("table", 0, Long.MAX_VALUE);
             VectorSchemaRoot root = VectorSchemaRoot.create(new Schema(fields), allocator);
             ArrowStreamWriter writer = new ArrowStreamWriter(root, null, Channels.newChannel(out))) {
            writer.start();
            int rows = table.rows().size();
            for (int c = 0; c < fields.size(); c++) {
                FieldVector vector = root.getVector(c);
                vector.setInitialCapacity(rows);
                vector.allocateNew();
                for (int r = 0; r < rows; r++) {
                    Object value = table.rows().get(r).get(c);
                    if (value == null) {
                        vector.setNull(r);
                    } else if (vector instanceof VarCharVector v) {
                        v.setSafe(r, value.toString().getBytes(StandardCharsets.UTF_8));
                    } else if (vector instanceof BigIntVector v) {
                        v.setSafe(r, ((Number) value).longValue());
                    } else if (vector instanceof Float8Vector v) {
                        v.setSafe(r, ((Number) value).doubleValue());
                    } else if (vector instanceof BitVector v) {
                        v.setSafe(r, Boolean.TRUE.equals(value) ? 1 : 0);
                    }
                }
                vector.setValueCount(rows);
            }
            root.setRowCount(rows);
            writer.writeBatch();
            writer.end();
        }
    }
}
