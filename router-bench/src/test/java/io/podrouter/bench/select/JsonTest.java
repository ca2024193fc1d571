package io.podrouter.bench.select;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JsonTest {

    @Test
    void parsesAJmhStyleDocument() {
        Object doc = Json.parse("[ {\"benchmark\" : \"a.B.c\", \"threads\" : 2, \"params\" : {\"pods\" : \"8\"},"
                + " \"primaryMetric\" : {\"score\" : 1.5E1, \"scoreError\" : \"NaN\", \"raw\" : [[1, -2.5]]},"
                + " \"ok\" : true, \"none\" : null, \"text\" : \"tab\\tquote\\\" \\u00e9\"} ]");
        Map<?, ?> result = (Map<?, ?>) ((List<?>) doc).get(0);
        assertThat(result.get("benchmark")).isEqualTo("a.B.c");
        assertThat(result.get("threads")).isEqualTo(2.0);
        assertThat(((Map<?, ?>) result.get("params")).get("pods")).isEqualTo("8");
        Map<?, ?> primary = (Map<?, ?>) result.get("primaryMetric");
        assertThat(primary.get("score")).isEqualTo(15.0);
        assertThat(primary.get("scoreError")).isEqualTo("NaN");
        assertThat(primary.get("raw")).isEqualTo(List.of(List.of(1.0, -2.5)));
        assertThat(result.get("ok")).isEqualTo(true);
        assertThat(result.containsKey("none")).isTrue();
        assertThat(result.get("text")).isEqualTo("tab\tquote\" \u00e9");
    }

    @Test
    void rejectsMalformedInputWithItsOffset() {
        assertThatThrownBy(() -> Json.parse("{\"a\": 1} x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("JSON: trailing characters at offset 9");
        assertThatThrownBy(() -> Json.parse("[1, 2"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("JSON: unexpected end of input");
    }
}
