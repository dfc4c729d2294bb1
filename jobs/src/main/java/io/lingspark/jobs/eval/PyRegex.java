package io.lingspark.jobs.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Python's re semantics on java.util.regex, for filter and metric regexes written for lm-eval:
 * Unicode \w \d \s (Python 3 str patterns), '.' '^' '$' treating only '\n' as a line end, Python's
 * named groups {@code (?P<name>...)} / {@code (?P=name)} and {@code \Z} translated, and re.findall's
 * result shape (whole matches, group 1, or a tuple of groups with "" for a group that did not take
 * part). A pattern Java cannot compile is a TaskConfigException naming it.
 */
final class PyRegex {
    private PyRegex() {
    }

    static Pattern compile(String where, String python) {
        try {
            return Pattern.compile(translate(python), Pattern.UNICODE_CHARACTER_CLASS | Pattern.UNIX_LINES);
        } catch (PatternSyntaxException e) {
            throw new TaskConfigException(where + "regex " + python + " does not compile: " + e.getDescription());
        }
    }

    /** Rewrites the Python-only syntax; everything else is common to both dialects. */
    static String translate(String p) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < p.length(); i++) {
            char c = p.charAt(i);
            if (c == '\\' && i + 1 < p.length()) {
                char n = p.charAt(i + 1);
                sb.append(n == 'Z' ? "\\z" : "\\" + n);
                i++;
            } else if (p.startsWith("(?P<", i)) {
                int end = p.indexOf('>', i);
                sb.append("(?<").append(groupName(p.substring(i + 4, end))).append('>');
                i = end;
            } else if (p.startsWith("(?P=", i)) {
                int end = p.indexOf(')', i);
                sb.append("\\k<").append(groupName(p.substring(i + 4, end))).append('>');
                i = end;
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /** Java group names are ASCII letters and digits, starting with a letter. */
    private static String groupName(String python) {
        StringBuilder sb = new StringBuilder("g");
        for (char c : python.toCharArray()) {
            sb.append(Character.isLetterOrDigit(c) && c < 128 ? String.valueOf(c) : "x" + (int) c);
        }
        return sb.toString();
    }

    /** re.findall: a String per match, or a List of Strings per match when there are 2+ groups. */
    static List<Object> findall(Pattern pattern, String text) {
        Matcher m = pattern.matcher(text);
        List<Object> out = new ArrayList<>();
        int groups = m.groupCount();
        while (m.find()) {
            if (groups == 0) {
                out.add(m.group());
            } else if (groups == 1) {
                out.add(m.group(1) == null ? "" : m.group(1));
            } else {
                List<String> tuple = new ArrayList<>(groups);
                for (int g = 1; g <= groups; g++) {
                    tuple.add(m.group(g) == null ? "" : m.group(g));
                }
                out.add(tuple);
            }
        }
        return out;
    }

    /** Python's str.strip(): whitespace as str.isspace() sees it (NBSP and the other space separators too). */
    static String strip(String s) {
        int a = 0;
        int b = s.length();
        while (a < b && isSpace(s.charAt(a))) {
            a++;
        }
        while (b > a && isSpace(s.charAt(b - 1))) {
            b--;
        }
        return s.substring(a, b);
    }

    static String lstrip(String s) {
        int a = 0;
        while (a < s.length() && isSpace(s.charAt(a))) {
            a++;
        }
        return s.substring(a);
    }

    static boolean isSpace(char c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '\u0085';
    }
}
