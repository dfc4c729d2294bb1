package io.lingspark.engine.structured;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.lucene.util.automaton.Automaton;

/**
 * String formats as exact languages of the string content (no quotes). Each is a subset of what RFC 3339
 * and common validators (networknt json-schema-validator) accept: dates are real Gregorian calendar dates
 * (leap years decided on the year's digits), times have no leap second, offsets stay within +-18:00 (java.time's range, which validators
 * built on it enforce), 'T' and 'Z' are upper case, and
 * email is a conservative dot-atom with a handful of well-known top-level domains, since validators
 * check the TLD against the IANA list.
 */
final class Formats {
    private static final String YEAR = "[0-9]{4}";
    /** Divisible by 4 and not by 100, or divisible by 400 (year 0000 counts, as in ISO 8601). */
    private static final String LEAP_YEAR =
            "([0-9]{2}(0[48]|[2468][048]|[13579][26])|([02468][048]|[13579][26])00)";
    private static final String DAY31 = "(0[1-9]|[12][0-9]|3[01])";
    private static final String DAY30 = "(0[1-9]|[12][0-9]|30)";
    private static final String DATE = "(" + YEAR + "-(0[13578]|1[02])-" + DAY31
            + "|" + YEAR + "-(0[469]|11)-" + DAY30
            + "|" + YEAR + "-02-(0[1-9]|1[0-9]|2[0-8])"
            + "|" + LEAP_YEAR + "-02-29)";
    private static final String PARTIAL_TIME = "([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,9})?";
    private static final String OFFSET = "((0[0-9]|1[0-7]):[0-5][0-9]|18:00)";
    private static final String TIME = PARTIAL_TIME + "(Z|[+-]" + OFFSET + ")";
    /** networknt's 'time' check converts to UTC and rejects hours past 23 instead of wrapping them, so a
     *  negative offset (which adds hours) is left out of the standalone time format. */
    private static final String TIME_ONLY = PARTIAL_TIME + "(Z|[+]" + OFFSET + ")";
    private static final String OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";
    private static final String HEX = "[0-9a-fA-F]";
    private static final String LABEL = "[a-zA-Z0-9]([a-zA-Z0-9-]{0,20}[a-zA-Z0-9])?";

    static final Map<String, String> REGEX = Map.of(
            "date", DATE,
            "time", TIME_ONLY,
            "date-time", DATE + "T" + TIME,
            "uuid", HEX + "{8}-" + HEX + "{4}-" + HEX + "{4}-" + HEX + "{4}-" + HEX + "{12}",
            "ipv4", OCTET + "(\\." + OCTET + "){3}",
            "email", "[a-zA-Z0-9_+-]{1,30}(\\.[a-zA-Z0-9_+-]{1,15}){0,2}@(" + LABEL + "\\.){1,3}"
                    + "(com|org|net|edu|gov|io|dev|ai|de|fr|uk|jp)");

    private static final Map<String, Automaton> CACHE = new ConcurrentHashMap<>();

    private Formats() {
    }

    /** The content language of format, or null when the format is not supported. */
    static Automaton content(String format) {
        String regex = REGEX.get(format);
        if (regex == null) {
            return null;
        }
        return CACHE.computeIfAbsent(format,
                f -> RegexTranslator.translate(regex, RegexTranslator.Mode.FULL, "format '" + f + "'"));
    }
}
