package io.jsyncq.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** A table of figures rendered for the terminal (fixed width) and for the HTML report. */
final class Table {
    final String title;
    final List<String> header;
    final List<List<String>> rows = new ArrayList<>();
    final List<String> notes = new ArrayList<>();

    Table(String title, String... header) {
        this.title = title;
        this.header = List.of(header);
    }

    Table row(String... cells) {
        rows.add(Arrays.asList(cells));
        return this;
    }

    Table note(String note) {
        notes.add(note);
        return this;
    }

    String text() {
        int[] widths = new int[header.size()];
        for (int c = 0; c < widths.length; c++) {
            widths[c] = header.get(c).length();
            for (List<String> row : rows) {
                widths[c] = Math.max(widths[c], c < row.size() ? row.get(c).length() : 0);
            }
        }
        StringBuilder out = new StringBuilder();
        out.append(title).append('\n');
        out.append(line(header, widths)).append('\n');
        StringBuilder rule = new StringBuilder("  ");
        for (int c = 0; c < widths.length; c++) {
            rule.append("-".repeat(widths[c])).append(c + 1 < widths.length ? "  " : "");
        }
        out.append(rule).append('\n');
        for (List<String> row : rows) {
            out.append(line(row, widths)).append('\n');
        }
        for (String note : notes) {
            out.append("  ").append(note).append('\n');
        }
        return out.toString();
    }

    private static String line(List<String> cells, int[] widths) {
        StringBuilder out = new StringBuilder("  ");
        for (int c = 0; c < widths.length; c++) {
            String cell = c < cells.size() ? cells.get(c) : "";
            if (c == 0 || c == 1 && !looksNumeric(cell)) {
                out.append(cell).append(" ".repeat(widths[c] - cell.length()));
            } else {
                out.append(" ".repeat(widths[c] - cell.length())).append(cell);
            }
            if (c + 1 < widths.length) {
                out.append("  ");
            }
        }
        return out.toString().stripTrailing();
    }

    private static boolean looksNumeric(String cell) {
        return !cell.isEmpty() && (Character.isDigit(cell.charAt(0)) || cell.equals("—"));
    }

    String html() {
        StringBuilder out = new StringBuilder();
        out.append("<h3>").append(Svg.esc(title)).append("</h3>\n<table>\n<tr>");
        for (String cell : header) {
            out.append("<th>").append(Svg.esc(cell)).append("</th>");
        }
        out.append("</tr>\n");
        for (List<String> row : rows) {
            out.append("<tr>");
            for (int c = 0; c < row.size(); c++) {
                out.append(c == 0 ? "<td class='l'>" : "<td>").append(Svg.esc(row.get(c))).append("</td>");
            }
            out.append("</tr>\n");
        }
        out.append("</table>\n");
        for (String note : notes) {
            out.append("<p class='note'>").append(Svg.esc(note)).append("</p>\n");
        }
        return out.toString();
    }
}
