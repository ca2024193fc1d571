package io.podrouter.examples.json;

import io.podrouter.extproc.JsonParseException;
import io.podrouter.extproc.JsonReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JsonReaderTest {

    @Test
    void readsEveryValueKindIntoPlainJavaValues() throws Exception {
        Object v = JsonReader.parse(" {\"s\": \"a\\\"b\\\\c\\/\\n\\u00e9\\ud83d\\ude00\", \"n\": -12.5e1, \"z\": 0, "
                + "\"t\": true, \"f\": false, \"nil\": null, \"a\": [1, [], {}], \"o\": {\"k\": \"v\"}} ");
        assertThat(v).isInstanceOf(Map.class);
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) v;
        assertThat(m.get("s")).isEqualTo("a\"b\\c/\né\uD83D\uDE00");
        assertThat(m.get("n")).isEqualTo(-125.0);
        assertThat(m.get("z")).isEqualTo(0.0);
        assertThat(m.get("t")).isEqualTo(Boolean.TRUE);
        assertThat(m.get("f")).isEqualTo(Boolean.FALSE);
        assertThat(m.get("nil")).isSameAs(JsonReader.NULL);
        assertThat(m.containsKey("absent")).isFalse();
        assertThat(m.get("a")).isEqualTo(List.of(1.0, List.of(), Map.of()));
        assertThat(m.get("o")).isEqualTo(Map.of("k", "v"));
        assertThat(m.keySet()).containsExactly("s", "n", "z", "t", "f", "nil", "a", "o");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "{", "}", "{\"a\":1,}", "[1,]", "[1 2]", "{\"a\" 1}", "{a:1}", "{'a':1}",
            "01", "-", "1.", ".5", "1e", "+1", "NaN", "Infinity", "1e400", "tru", "nul", "\"abc", "\"a\\x\"",
            "\"\\u12\"", "\"\\ud83d\"", "\"\\ude00\"", "\"tab\there\"", "{} {}", "{\"a\":1} x", "/* c */ {}",
            "{\"a\":1,\"a\":2}"})
    void rejectsInvalidJsonWithAnOffset(String text) {
        assertThatThrownBy(() -> JsonReader.parse(text))
                .isInstanceOf(JsonParseException.class)
                .hasMessageContaining("at offset");
    }

    @Test
    void rejectsNestingDeeperThanTheLimitInsteadOfOverflowingTheStack() throws Exception {
        String ok = "[".repeat(JsonReader.MAX_DEPTH) + "]".repeat(JsonReader.MAX_DEPTH);
        assertThat(JsonReader.parse(ok)).isInstanceOf(List.class);
        String deep = "[".repeat(100_000) + "]".repeat(100_000);
        assertThatThrownBy(() -> JsonReader.parse(deep)).isInstanceOf(JsonParseException.class)
                .hasMessageContaining("nesting deeper than " + JsonReader.MAX_DEPTH);
    }

    @Test
    void parseObjectRejectsOtherTopLevelValues() {
        assertThatThrownBy(() -> JsonReader.parseObject("[1]")).isInstanceOf(JsonParseException.class)
                .hasMessageContaining("top-level value is an array (expected: an object)");
    }

    @Test
    void quotedStringsReadBackToTheOriginal() throws Exception {
        Random random = new Random(42);
        for (int i = 0; i < 2000; i++) {
            StringBuilder b = new StringBuilder();
            int len = random.nextInt(20);
            for (int k = 0; k < len; k++) {
                b.append((char) (random.nextBoolean() ? random.nextInt(0x80) : random.nextInt(0xD7FF)));
            }
            String s = b.toString();
            assertThat(JsonReader.parse(JsonWriter.quote(s))).isEqualTo(s);
        }
        assertThat(JsonWriter.quote(null)).isEqualTo("null");
    }

    @Test
    void neverThrowsAnythingButParseExceptionOnMangledInput() {
        String base = "{\"model\":\"m\",\"stream\":true,\"max_tokens\":12,\"messages\":[{\"role\":\"user\",\"content\":\"hi\\n\"}]}";
        Random random = new Random(7);
        String alphabet = "{}[]\":,\\0123456789.eE+-truefalsn \u00e9";
        for (int i = 0; i < 20_000; i++) {
            StringBuilder b = new StringBuilder(base);
            int edits = 1 + random.nextInt(3);
            for (int e = 0; e < edits && b.length() > 0; e++) {
                int at = random.nextInt(b.length());
                switch (random.nextInt(3)) {
                    case 0 -> b.deleteCharAt(at);
                    case 1 -> b.insert(at, alphabet.charAt(random.nextInt(alphabet.length())));
                    default -> b.setCharAt(at, alphabet.charAt(random.nextInt(alphabet.length())));
                }
            }
            String text = b.toString();
            try {
                JsonReader.parse(text);
            } catch (JsonParseException expected) {
                assertThat(expected.offset()).isBetween(0, text.length());
            }
        }
    }
}
