package org.tonle.pipelines.imports;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import org.apache.poi.openxml4j.exceptions.InvalidFormatException;
import org.apache.poi.openxml4j.exceptions.NotOfficeXmlFileException;
import org.apache.poi.openxml4j.exceptions.OpenXML4JException;
import org.apache.poi.openxml4j.opc.OPCPackage;
import org.apache.poi.openxml4j.util.ZipInputStreamZipEntrySource;
import org.apache.poi.ss.usermodel.DataFormatter;
import org.apache.poi.ss.usermodel.DateUtil;
import org.apache.poi.ss.util.CellReference;
import org.apache.poi.util.XMLHelper;
import org.apache.poi.xssf.eventusermodel.ReadOnlySharedStringsTable;
import org.apache.poi.xssf.eventusermodel.XSSFReader;
import org.apache.poi.xssf.eventusermodel.XSSFSheetXMLHandler;
import org.apache.poi.xssf.model.StylesTable;
import org.apache.poi.xssf.usermodel.XSSFComment;
import org.tonle.core.declaration.ProgrammeRegistry;
import org.tonle.pipelines.Item;
import org.tonle.pipelines.Submission;
import org.tonle.programme.api.Violation;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;
import org.xml.sax.helpers.DefaultHandler;
import org.xml.sax.XMLReader;

/**
 * An Excel workbook (.xlsx) in the columns of docs/IMPORTING.md, or another tool's columns
 * through a {@link Mapping}: the first row of the sheet named {@code records} (else the first
 * sheet) is the header, every further row a record. {@code line} is the row number Excel shows.
 *
 * <p>The sheet is read with POI's SAX event API, row by row, never as a workbook in memory; a
 * reader thread parses it and hands rows over through a small queue, so the pipeline pulls
 * batches as from any other source. An xlsx is a zip whose directory sits at its end and whose
 * shared-strings part usually follows the sheet, so the body cannot be read in one forward
 * pass: POI unpacks the parts first, small ones in memory and large ones into temporary files
 * that it encrypts with a key held only in memory (the raw case codes a sheet holds never
 * reach the disk readable, DESIGN.md section 2). The shared strings (each distinct text once)
 * stay in memory while the rows stream.
 */
public final class XlsxSource implements RecordSource {

    /** The sheet read when a workbook has several (the template's own sheet). */
    public static final String SHEET = "records";

    private static final Object END = new Object();
    /** The error values Excel writes into a cell (ECMA-376 part 1, 18.17.4.2 and later versions). */
    private static final Set<String> EXCEL_ERRORS = Set.of("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A",
            "#GETTING_DATA", "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#UNKNOWN!", "#CONNECT!", "#BUSY!", "#PYTHON!");

    static {
        // Parts above 8 MB (a sheet of ~50,000 rows and more) go to temporary files, encrypted.
        ZipInputStreamZipEntrySource.setThresholdBytesForTempFiles(8 << 20);
        ZipInputStreamZipEntrySource.setEncryptTempFiles(true);
    }

    private final CountingInputStream counted;
    private final OPCPackage pkg;
    private final RowRecords rows;
    private final String sheetName;
    private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(8192);
    private final Thread reader;
    private volatile boolean closing;
    private String[] header;
    private boolean ended;

    /** A row of the sheet: its number as Excel shows it and its cells by column (null where empty). */
    private record Row(int line, String[] cells) {
    }

    /** The reader thread's failure, handed over in place of the rest of the rows. */
    private record Failure(int line, Exception error) {
    }

    public XlsxSource(InputStream in, Mapping mapping, ProgrammeRegistry programmes, Map<String, String> defaults, RecordKeys keys)
            throws IOException {
        this.counted = new CountingInputStream(in);
        this.rows = new RowRecords(mapping, programmes, defaults, keys, "row");
        try {
            this.pkg = OPCPackage.open(counted);
        } catch (NotOfficeXmlFileException | InvalidFormatException e) {
            throw new IllegalArgumentException("the body is not an .xlsx workbook (" + problem(e) + ")", e);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("the .xlsx workbook cannot be read (" + problem(e) + ")", e);
        }
        InputStream sheet;
        StylesTable styles;
        ReadOnlySharedStringsTable strings;
        String chosen;
        try {
            XSSFReader workbook = new XSSFReader(pkg);
            styles = workbook.getStylesTable();
            strings = new ReadOnlySharedStringsTable(pkg, false);
            XSSFReader.SheetIterator sheets = (XSSFReader.SheetIterator) workbook.getSheetsData();
            InputStream first = null;
            String firstName = null;
            InputStream named = null;
            chosen = null;
            while (sheets.hasNext()) {
                InputStream data = sheets.next();
                String name = sheets.getSheetName();
                if (first == null) {
                    first = data;
                    firstName = name;
                } else if (named == null && SHEET.equalsIgnoreCase(name)) {
                    named = data;
                    chosen = name;
                } else {
                    data.close();
                }
            }
            if (first == null) {
                sheet = null;
            } else if (named != null) {
                first.close();
                sheet = named;
            } else {
                sheet = first;
                chosen = firstName;
            }
        } catch (OpenXML4JException | SAXException | IOException | RuntimeException e) {
            // POI's own exceptions quote what they could not read: never repeated (problem()).
            pkg.revert();
            throw new IllegalArgumentException("the .xlsx workbook cannot be read (" + problem(e) + ")", e);
        }
        if (sheet == null) {
            pkg.revert();
            throw new IllegalArgumentException("the workbook has no sheet");
        }
        this.sheetName = chosen;
        XSSFSheetXMLHandler handler = new XSSFSheetXMLHandler(styles, strings, new Collector(), new RawValues(), false);
        this.reader = new Thread(() -> parse(sheet, handler), "tonle-xlsx-reader");
        reader.setDaemon(true);
        reader.start();
    }

    /** The name of the sheet being read. */
    public String sheetName() {
        return sheetName;
    }

    private void parse(InputStream sheet, XSSFSheetXMLHandler handler) {
        try (sheet) {
            XMLReader xml = XMLHelper.newXMLReader();
            xml.setContentHandler(handler);
            // POI's error handler logs the parser's message, which quotes the sheet's content.
            xml.setErrorHandler(new DefaultHandler());
            xml.parse(new InputSource(sheet));
            hand(END);
        } catch (Exception e) {
            if (!closing) {
                try {
                    hand(new Failure(-1, e));
                } catch (InterruptedException stop) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    /**
     * What went wrong, for the job's report and the log, without the parser's own message: XML and
     * ZIP parsers quote what they could not read (an element's name, an entity, a part's name),
     * which in a staff member's workbook may be a case code (DESIGN.md section 2). Where in the
     * part's XML, when the parser says so.
     */
    static String problem(Exception e) {
        if (e instanceof SAXParseException at && at.getLineNumber() > 0) {
            return "malformed XML at line " + at.getLineNumber() + ", column " + at.getColumnNumber();
        }
        return e instanceof NotOfficeXmlFileException ? "not an Office Open XML package"
                : "damaged or unsupported content: " + e.getClass().getSimpleName();
    }

    private void hand(Object item) throws InterruptedException {
        while (!queue.offer(item, 200, TimeUnit.MILLISECONDS)) {
            if (closing) {
                throw new InterruptedException("the import was closed");
            }
        }
    }

    @Override
    public Batch read(int max) throws IOException {
        List<Item> items = new ArrayList<>(Math.min(max, 4096));
        int lastLine = 0;
        while (items.size() < max && !ended) {
            Object next;
            try {
                next = queue.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while reading the workbook", e);
            }
            if (next == END) {
                ended = true;
            } else if (next instanceof Failure failure) {
                ended = true;
                items.add(Submission.malformed(lastLine + 1, null, "xlsx", "the sheet cannot be read after row " + lastLine
                        + " (" + problem(failure.error()) + "); is the file cut off?"));
            } else {
                Row row = (Row) next;
                lastLine = row.line();
                if (header == null) {
                    header = rows.header(blankToEmpty(row.cells()));
                    continue;
                }
                items.add(item(row));
            }
        }
        return Batch.of(items);
    }

    private Item item(Row row) {
        List<Violation> problems = RowRecords.problems();
        String[] cells = row.cells();
        for (int i = header.length; i < cells.length; i++) {
            if (cells[i] != null && !cells[i].isBlank()) {
                problems.add(new Violation("", "columns", "row " + row.line() + " has a value in column "
                        + CellReference.convertNumToColString(i) + ", which has no header"));
                break;
            }
        }
        for (int i = 0; i < Math.min(cells.length, header.length); i++) {
            if (cells[i] != null && cells[i].startsWith("ERROR:")) {
                // Only Excel's own error codes are repeated: a text cell may start with "ERROR:" too,
                // and go on with anything (a case code). A header that is no plain name is named by its letter.
                String error = cells[i].substring(6);
                String field = header[i] == null ? "" : RowRecords.shown(header[i]);
                problems.add(new Violation(field, "cell_error", "row " + row.line() + ", column "
                        + (header[i] == null || !field.equals(header[i]) ? CellReference.convertNumToColString(i) : header[i])
                        + ": the cell holds an Excel error" + (EXCEL_ERRORS.contains(error) ? " (" + error + ")" : "")));
                cells[i] = null;
            }
        }
        return rows.item(row.line(), header, cells, problems);
    }

    private static String[] blankToEmpty(String[] cells) {
        String[] out = new String[cells.length];
        for (int i = 0; i < cells.length; i++) {
            out[i] = cells[i] == null ? "" : cells[i];
        }
        return out;
    }

    /** Collects the cells of each row on the reader thread; rows with no value at all are skipped. */
    private final class Collector implements XSSFSheetXMLHandler.SheetContentsHandler {

        private final List<String> cells = new ArrayList<>();
        private boolean any;

        @Override
        public void startRow(int rowNum) {
            cells.clear();
            any = false;
        }

        @Override
        public void cell(String reference, String value, XSSFComment comment) {
            if (value == null || value.isEmpty()) {
                return;
            }
            int column = new CellReference(reference).getCol();
            while (cells.size() <= column) {
                cells.add(null);
            }
            cells.set(column, value);
            any |= !value.isBlank();
        }

        @Override
        public void endRow(int rowNum) {
            if (!any) {
                return;
            }
            try {
                hand(new Row(rowNum + 1, cells.toArray(String[]::new)));
            } catch (InterruptedException e) {
                throw new IllegalStateException(new SAXException("the import was closed"));
            }
        }
    }

    /**
     * Cells as values, not as Excel displays them: a date cell becomes an ISO date (2015-08-14)
     * whatever its display format, a number its plain digits (16, not 16.00 or 1.6E+01).
     */
    private static final class RawValues extends DataFormatter {

        RawValues() {
            super(Locale.ROOT);
        }

        @Override
        public String formatRawCellContents(double value, int formatIndex, String formatString, boolean use1904Windowing) {
            if (DateUtil.isADateFormat(formatIndex, formatString) && DateUtil.isValidExcelDate(value)) {
                LocalDateTime time = DateUtil.getLocalDateTime(value, use1904Windowing, true);
                return time.toLocalTime().toSecondOfDay() == 0 ? time.toLocalDate().toString() : time.toString();
            }
            if (value == Math.rint(value) && Math.abs(value) < 1e15) {
                return Long.toString((long) value);
            }
            return BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
        }
    }

    @Override
    public long bytesRead() {
        return counted.count();
    }

    @Override
    public void close() throws IOException {
        closing = true;
        reader.interrupt();
        try {
            reader.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        queue.clear();
        // Read-only: revert, never save (closing a package opened from a stream would try to).
        pkg.revert();
    }
}
