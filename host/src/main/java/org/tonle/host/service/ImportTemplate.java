package org.tonle.host.service;

import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.function.Supplier;
import java.util.Map;
import java.util.Set;

import org.apache.poi.ss.usermodel.Cell;
import org.apache.poi.ss.usermodel.CellStyle;
import org.apache.poi.ss.usermodel.DataValidation;
import org.apache.poi.ss.usermodel.DataValidationConstraint;
import org.apache.poi.ss.usermodel.DataValidationHelper;
import org.apache.poi.ss.usermodel.Font;
import org.apache.poi.ss.usermodel.Row;
import org.apache.poi.ss.usermodel.Sheet;
import org.apache.poi.ss.util.CellRangeAddressList;
import org.apache.poi.ss.util.CellReference;
import org.apache.poi.xssf.usermodel.XSSFWorkbook;
import org.tonle.core.Dimensions;
import org.tonle.core.RequestRefused;
import org.tonle.core.access.Caller;
import org.tonle.core.config.TonleConfig;
import org.tonle.core.declaration.Activity;
import org.tonle.core.declaration.Attribute;
import org.tonle.core.declaration.AttributeType;
import org.tonle.core.declaration.Programme;
import org.tonle.core.declaration.ProgrammeRegistry;

/**
 * The xlsx template of a programme ({@code GET /api/v1/programs/{id}/template.xlsx}): a sheet
 * {@code records} with the CSV columns of docs/IMPORTING.md for that programme, and drop-down
 * lists (Excel data validation) for every declared choice: the programme, its activities, the
 * offices the caller may record for, roles, sexes, enum values and booleans. The choices sit in
 * a hidden sheet {@code lists}, so a list is not cut at the 255 characters an inline list holds.
 * A filled template goes back through {@code bin/tonle import}, {@code POST /api/v1/imports}
 * or an office inbox as it is; {@code id} may be any key of up to 128 characters.
 */
public final class ImportTemplate {

    /** Rows the drop-downs and formats cover below the header. */
    static final int ROWS = 10_000;

    private final ProgrammeRegistry registry;
    /** The node's configuration as it is now (deployments reload on change). */
    private final Supplier<TonleConfig> config;

    public ImportTemplate(ProgrammeRegistry registry, Supplier<TonleConfig> config) {
        this.registry = registry;
        this.config = config;
    }

    /** A column of the template: its header and, where the declaration fixes them, its choices. */
    record Column(String name, List<String> choices, String note) {
    }

    public void write(Caller caller, String programmeId, OutputStream out) throws IOException {
        Programme programme = registry.programme(programmeId)
                .orElseThrow(() -> RequestRefused.notFound("there is no live programme '" + programmeId + "'"));
        try (XSSFWorkbook workbook = new XSSFWorkbook()) {
            Sheet records = workbook.createSheet("records");
            Sheet lists = workbook.createSheet("lists");
            List<Column> columns = columns(programme, offices(caller, programme.id()));

            Font bold = workbook.createFont();
            bold.setBold(true);
            CellStyle header = workbook.createCellStyle();
            header.setFont(bold);
            CellStyle text = workbook.createCellStyle();
            text.setDataFormat(workbook.createDataFormat().getFormat("@"));
            CellStyle date = workbook.createCellStyle();
            date.setDataFormat(workbook.createDataFormat().getFormat("yyyy-mm-dd"));

            Row head = records.createRow(0);
            DataValidationHelper validation = records.getDataValidationHelper();
            int listColumn = 0;
            for (int c = 0; c < columns.size(); c++) {
                Column column = columns.get(c);
                Cell cell = head.createCell(c);
                cell.setCellValue(column.name());
                cell.setCellStyle(header);
                records.setColumnWidth(c, Math.max(12, column.name().length() + 4) * 256);
                // Keys and codes stay text: Excel would read 0017 as 17 and 2015-08 as a date.
                records.setDefaultColumnStyle(c, column.name().equals("date") ? date : text);
                CellRangeAddressList body = new CellRangeAddressList(1, ROWS, c, c);
                DataValidationConstraint constraint = null;
                if (!column.choices().isEmpty()) {
                    String letter = CellReference.convertNumToColString(listColumn);
                    Row listHead = row(lists, 0);
                    listHead.createCell(listColumn).setCellValue(column.name());
                    for (int i = 0; i < column.choices().size(); i++) {
                        row(lists, i + 1).createCell(listColumn).setCellValue(column.choices().get(i));
                    }
                    constraint = validation.createFormulaListConstraint(
                            "lists!$" + letter + "$2:$" + letter + "$" + (column.choices().size() + 1));
                    listColumn++;
                } else if (column.name().equals("subject_age")) {
                    constraint = validation.createIntegerConstraint(DataValidationConstraint.OperatorType.BETWEEN, "0", "120");
                } else if (column.name().equals("count")) {
                    constraint = validation.createIntegerConstraint(DataValidationConstraint.OperatorType.GREATER_OR_EQUAL, "1", null);
                } else if (column.name().equals("id")) {
                    constraint = validation.createTextLengthConstraint(DataValidationConstraint.OperatorType.BETWEEN, "1", "128");
                }
                if (constraint != null) {
                    DataValidation rule = validation.createValidation(constraint, body);
                    rule.setShowErrorBox(true);
                    rule.setEmptyCellAllowed(true);
                    if (column.note() != null) {
                        rule.createPromptBox(column.name(), column.note());
                        rule.setShowPromptBox(true);
                    }
                    records.addValidationData(rule);
                }
            }
            records.createFreezePane(0, 1);
            workbook.setSheetHidden(workbook.getSheetIndex(lists), true);
            workbook.setActiveSheet(0);
            workbook.write(out);
        }
    }

    private static Row row(Sheet sheet, int index) {
        Row row = sheet.getRow(index);
        return row == null ? sheet.createRow(index) : row;
    }

    /** The offices the caller may record for among those that run the programme. */
    private List<String> offices(Caller caller, String programme) {
        List<String> offices = new ArrayList<>();
        config.get().deployments().forEach((office, programmes) -> {
            Set<String> scope = caller.officeScope();
            if (programmes.contains(programme) && (scope == null || scope.contains(office))) {
                offices.add(office);
            }
        });
        return offices;
    }

    /** The CSV columns of the programme, in the order of docs/IMPORTING.md. */
    static List<Column> columns(Programme programme, List<String> offices) {
        List<Column> columns = new ArrayList<>();
        List<String> activities = programme.activities().stream().map(Activity::id).toList();
        columns.add(new Column("id", List.of(), "Any key of 1 to 128 characters that stays with the row, e.g. PNH-2015-08-0017"));
        columns.add(new Column("program", List.of(programme.id()), null));
        columns.add(new Column("type", activities, null));
        columns.add(new Column("office", offices, null));
        columns.add(new Column("date", List.of(), null));
        columns.add(new Column("count", List.of(), null));
        boolean subjects = programme.activities().stream().anyMatch(Activity::hasSubject);
        if (subjects) {
            Set<String> roles = new LinkedHashSet<>();
            programme.activities().forEach(a -> roles.addAll(a.roles()));
            columns.add(new Column("subject_ref", List.of(), null));
            columns.add(new Column("subject_role", List.copyOf(roles), null));
            columns.add(new Column("subject_sex", Dimensions.SEXES, null));
            columns.add(new Column("subject_age", List.of(), "Age in years, 0 to 120"));
        }
        Map<String, Attribute> attributes = new LinkedHashMap<>();
        for (Activity activity : programme.activities()) {
            for (Attribute attribute : activity.attributes()) {
                Attribute known = attributes.get(attribute.name());
                if (known == null) {
                    attributes.put(attribute.name(), attribute);
                } else if (known.type() == AttributeType.ENUM && attribute.type() == AttributeType.ENUM) {
                    // Two activities' enums of one name share a column: either's values are offered.
                    Set<String> values = new LinkedHashSet<>(known.values());
                    values.addAll(attribute.values());
                    attributes.put(attribute.name(), new Attribute(known.name(), known.type(), List.copyOf(values), null, null, null,
                            known.required()));
                }
            }
        }
        for (Attribute attribute : attributes.values()) {
            List<String> choices = switch (attribute.type()) {
                case ENUM -> attribute.values();
                case BOOLEAN -> List.of("true", "false");
                default -> List.of();
            };
            columns.add(new Column("attr." + attribute.name(), choices, null));
        }
        if (programme.activities().stream().anyMatch(a -> a.participants() != null)) {
            columns.add(new Column("participants", List.of(), "group:sex:count separated by ';', e.g. taxi_driver:M:12;cook:F:3"));
        }
        return columns;
    }
}
