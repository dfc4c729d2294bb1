package io.lingspark.engine.structured;

import java.util.List;
import org.junit.jupiter.api.Test;

class ChoiceRegexTest {
    @Test
    void choicesAreExactStringsWithoutQuoting() {
        Lang l = Lang.of(StructuredOutput.choice(List.of("positive", "negative", "neutral", "é", "日本語", "ok 🎉")));
        l.ok("positive", "negative", "neutral", "é", "日本語", "ok 🎉")
                .bad("\"positive\"", "positivee", "Positive", "", "e", "日本", "ok 🎊")
                .prefix("pos", "ne", "neutra", "日", "ok ");
    }

    @Test
    void regexAnchorsAreOptionalAndTheWholeAnswerMatches() {
        Lang.regex("^\\d{3}-[a-z]+$").ok("123-abc").bad("12-abc", "123-", "x123-abc", "123-abcX").prefix("12", "123-");
        Lang.regex("\\d{3}").ok("123").bad("1234");
        Lang.regex("^a|b$").ok("a", "b").bad("ab");
    }

    @Test
    void escapesTranslateToTheirCharacters() {
        Lang.regex("a\\nb\\tc").ok("a\nb\tc").bad("anbtc");
        Lang.regex("\\r\\f\\v\\0").ok("\r\f\u000B\0");
        Lang.regex("\\x41\\u00e9\\u{1F389}").ok("Aé🎉").bad("x41");
        Lang.regex("\\.\\*\\+\\?\\(\\)\\[\\]\\{\\}\\|\\\\\\/\\^\\$").ok(".*+?()[]{}|\\/^$");
        Lang.regex("\\w+\\s\\W\\S\\D").ok("a_1 !éx").bad("a b!éx1");
    }

    @Test
    void luceneMetacharactersAreLiterals() {
        Lang.regex("~&<>@#\"").ok("~&<>@#\"").bad("");
        Lang.regex("a\"b").ok("a\"b");
        Lang.regex("<[0-9]+>").ok("<12>").bad("12");
    }

    @Test
    void characterClasses() {
        Lang.regex("[a-c\\d_-]+").ok("ab9_-", "c").bad("d", "");
        Lang.regex("[^a-z\\n]").ok("A", "é", "🎉", "9").bad("a", "\n", "ab");
        Lang.regex("[\\x00-\\x1f]").ok("\u0001").bad(" ");
        Lang.regex("[\\u00e0-\\u00ff日本]+").ok("é日本").bad("e");
        Lang.regex("[]a]").ok("]", "a");
        Lang.regex("[\\b]").ok("\b");
        Lang.regex("[.*+?]").ok(".", "*").bad("a");
        Lang.regex("[é🎉]x").ok("éx", "🎉x").bad("ex");
    }

    @Test
    void dotExcludesLineTerminators() {
        Lang.regex("a.c").ok("abc", "aéc", "a🎉c").bad("a\nc", "a\rc", "a\u2028c", "ac");
    }

    @Test
    void quantifiersIncludingLazyAndPossessive() {
        Lang.regex("a{2}b{1,3}c{2,}d?e*f+").ok("aabccdeff", "aabbbccccf").bad("abccf", "aabbbbccf", "aabcf");
        Lang.regex("a*?b+?c??d{1,2}?e++").ok("bde", "aabbcdde").bad("ade");
        Lang.regex("x{,3}").ok("x{,3}").bad("xxx");
        Lang.regex("(?:ab|cd)+").ok("ab", "abcdab").bad("", "abc").prefix("abc", "a");
        Lang.regex("(?<year>\\d{4})-(?P<m>\\d\\d)").ok("2024-01");
    }

    @Test
    void alternationAndGroups() {
        Lang.regex("(cat|dog)s?|bird").ok("cat", "dogs", "bird").bad("birds", "cats?");
        Lang.regex("(a|)b").ok("ab", "b");
    }

    @Test
    void unsupportedConstructsAreRejectedByName() {
        Lang.invalidRegex("a(?=b)", "lookaround", "(?=");
        Lang.invalidRegex("a(?!b)", "lookaround", "(?!");
        Lang.invalidRegex("(?<=a)b", "lookaround", "(?<=");
        Lang.invalidRegex("(?<!a)b", "lookaround", "(?<!");
        Lang.invalidRegex("(a)\\1", "backreference", "\\1");
        Lang.invalidRegex("(?<n>a)\\k<n>", "backreference", "\\k");
        Lang.invalidRegex("(?P<n>a)(?P=n)", "backreference");
        Lang.invalidRegex("\\bword\\b", "word boundary", "\\b");
        Lang.invalidRegex("a\\Bb", "word boundary", "\\B");
        Lang.invalidRegex("(?i)abc", "inline flags");
        Lang.invalidRegex("a^b", "anchor '^' in the middle");
        Lang.invalidRegex("a$b", "anchor '$' in the middle");
        Lang.invalidRegex("(^a)", "anchor");
        Lang.invalidRegex("\\p{L}+", "Unicode property", "\\p");
        Lang.invalidRegex("\\P{L}", "\\P");
        Lang.invalidRegex("(ab", "missing ')'");
        Lang.invalidRegex("ab)", "unbalanced ')'");
        Lang.invalidRegex("*a", "nothing to repeat");
        Lang.invalidRegex("[abc", "unterminated character class");
        Lang.invalidRegex("[z-a]", "out of order");
        Lang.invalidRegex("a{3,1}", "out of order");
        Lang.invalidRegex("\\q", "unknown escape");
        Lang.invalidRegex("a{100000}", "repetition count");
        Lang.invalidRegex("\\ud800", "surrogate");
        Lang.invalidRegex("(".repeat(500) + ")".repeat(500), "nested deeper");
    }

    @Test
    void tooComplexIsReported() {
        // (a|b)*a(a|b){n}: the minimal DFA has 2^(n+1) states.
        Lang.invalidRegex("[ab]*a[ab]{40}", "too complex");
    }

    @Test
    void emptyLanguageIsRejected() {
        Lang.invalidRegex("[^\\d\\D]", "admits no answer");
    }

    @Test
    void shapeErrorsComeFromValidate() {
        Lang.invalid(StructuredOutput.choice(List.of()), "choice");
        Lang.invalid(StructuredOutput.regex(""), "regex");
        Lang.invalid(null, "no constraint");
    }
}
