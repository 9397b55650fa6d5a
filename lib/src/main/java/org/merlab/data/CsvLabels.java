package org.merlab.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads a label CSV with the columns {@code name, discrete, valence} (the official MER 2023
 * {@code dataset-release/*-label.csv} files and users' own datasets). Columns are found by header
 * name, in any order; a missing valence column means valence unknown.
 */
public final class CsvLabels {
    private CsvLabels() {}

    public static LabelSet read(Path csv, Split split) {
        List<String> names = new ArrayList<>();
        List<Label> labels = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(csv, StandardCharsets.UTF_8)) {
            String headerLine = in.readLine();
            if (headerLine == null) throw new DataException(csv, "empty label file", "write a header 'name,discrete,valence'");
            String[] header = splitRow(stripBom(headerLine));
            int nameCol = column(header, "name"), emoCol = column(header, "discrete"), valCol = column(header, "valence");
            if (nameCol < 0 || emoCol < 0) {
                throw new DataException(csv, "header must name the columns 'name' and 'discrete' (found: " + headerLine + ")",
                        "write the header 'name,discrete,valence'");
            }
            String line;
            int row = 1;
            while ((line = in.readLine()) != null) {
                row++;
                if (line.isBlank()) continue;
                String[] cells = splitRow(line);
                int needed = Math.max(nameCol, Math.max(emoCol, valCol)) + 1;
                if (cells.length < needed) {
                    throw new DataException(csv, "line " + row + " has " + cells.length + " columns, expected " + needed, "fix the row");
                }
                String name = cells[nameCol].trim();
                double valence = Label.UNKNOWN_VALENCE_MARK;
                if (valCol >= 0 && !cells[valCol].isBlank()) {
                    try {
                        valence = Double.parseDouble(cells[valCol].trim());
                    } catch (NumberFormatException e) {
                        throw new DataException(csv, "line " + row + ": valence '" + cells[valCol] + "' is not a number", "fix the value");
                    }
                }
                names.add(name);
                labels.add(LabelParsing.label(csv, name, cells[emoCol].trim(), valence));
            }
        } catch (NoSuchFileException e) {
            throw new DataException(csv, "label file not found", "check --data, or lay the dataset out as data.md describes");
        } catch (IOException e) {
            throw new DataException(csv, "cannot read: " + e.getMessage(), "check the file", e);
        }
        return LabelSet.of(split, names, labels, csv);
    }

    private static String stripBom(String s) {
        return s.startsWith("\uFEFF") ? s.substring(1) : s;
    }

    /** Splits a simple CSV row (no quoted commas in MER label files; quotes are stripped). */
    private static String[] splitRow(String line) {
        String[] cells = line.split(",", -1);
        for (int i = 0; i < cells.length; i++) cells[i] = cells[i].trim().replaceAll("^\"|\"$", "");
        return cells;
    }

    private static int column(String[] header, String name) {
        for (int i = 0; i < header.length; i++) if (header[i].trim().toLowerCase(Locale.ROOT).equals(name)) return i;
        return -1;
    }
}
