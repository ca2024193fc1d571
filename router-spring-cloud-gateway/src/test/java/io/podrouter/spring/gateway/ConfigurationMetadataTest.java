package io.podrouter.spring.gateway;

import com.jayway.jsonpath.DocumentContext;
import com.jayway.jsonpath.JsonPath;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.BeanUtils;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.core.ResolvableType;

import java.beans.PropertyDescriptor;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * IDEs complete every {@code podrouter.*} property, the per-pool ones included, and show its documentation and
 * default: the module's generated {@code META-INF/spring-configuration-metadata.json}, read from the class path,
 * holds the top-level properties (from Boot's configuration processor) and, merged in by it from
 * {@code additional-spring-configuration-metadata.json}, one entry per property of a pool under
 * {@code podrouter.pools.*} (the processor does not describe map values). Those entries are checked against the
 * code, so they cannot drift: one per bean property of {@link PodRouterProperties.Pool} and its nested classes,
 * with the type the binder uses, the field's Javadoc as description, and the default a new instance holds.
 */
class ConfigurationMetadataTest {

    private static final String POOL = "podrouter.pools.*";
    private static final Path SOURCE = Path.of("src/main/java/io/podrouter/spring/gateway/PodRouterProperties.java");
    private static final Pattern FIELD = Pattern.compile("/\\*\\*((?:(?!\\*/).)*)\\*/\\s*private (?:@Nullable )?[\\w<>, ]+? (\\w+)\\s*[;=]",
            Pattern.DOTALL);

    private static DocumentContext metadata;

    @BeforeAll
    static void readTheGeneratedMetadata() throws IOException {
        List<URL> ours = new ArrayList<>();
        for (URL url : Collections.list(ConfigurationMetadataTest.class.getClassLoader()
                .getResources("META-INF/spring-configuration-metadata.json"))) {
            try (InputStream in = url.openStream()) {
                if (new String(in.readAllBytes(), StandardCharsets.UTF_8).contains("\"podrouter.enabled\"")) {
                    ours.add(url);
                }
            }
        }
        assertThat(ours).as("podrouter's metadata on the class path").hasSize(1);
        try (InputStream in = ours.get(0).openStream()) {
            metadata = JsonPath.parse(in);
        }
    }

    private static Map<String, Map<String, Object>> properties() {
        List<Map<String, Object>> list = metadata.read("$.properties");
        Map<String, Map<String, Object>> byName = new LinkedHashMap<>();
        list.forEach(p -> byName.put((String) p.get("name"), p));
        return byName;
    }

    @Test
    void topLevelPropertiesAreDescribedByTheProcessor() {
        Map<String, Map<String, Object>> props = properties();
        for (String name : List.of("podrouter.enabled", "podrouter.max-request-size", "podrouter.session-header",
                "podrouter.max-retries", "podrouter.retry-budget-percent", "podrouter.retry-after", "podrouter.pools")) {
            assertThat(props).containsKey(name);
            assertThat((String) props.get(name).get("description")).as(name).isNotBlank();
        }
        assertThat(props.get("podrouter.max-retries").get("defaultValue")).isEqualTo(1);
        // constants of another class, which the processor cannot read: set in the additional metadata
        assertThat(((Number) props.get("podrouter.retry-budget-percent").get("defaultValue")).doubleValue())
                .isEqualTo(RetryBudget.DEFAULT_PERCENT);
        assertThat(props.get("podrouter.retry-budget-min-concurrent").get("defaultValue")).isEqualTo(RetryBudget.DEFAULT_MIN_CONCURRENT);
    }

    @Test
    void everyPoolPropertyIsDescribedWithItsTypeJavadocAndDefault() throws Exception {
        Map<String, String> javadoc = fieldJavadoc();
        Map<String, Expected> expected = new LinkedHashMap<>();
        collect(POOL, PodRouterProperties.Pool.class, new PodRouterProperties.Pool(), javadoc, expected);
        assertThat(expected).containsKeys(POOL + ".strategies", POOL + ".engine", POOL + ".scrape-interval",
                POOL + ".static-pods[*].host", POOL + ".discovery-service-id", POOL + ".cold-start.in-flight-cap",
                POOL + ".outlier.max-ejected-fraction", POOL + ".kubernetes.inference-pool", POOL + ".kubernetes.label-selector",
                POOL + ".kubernetes.namespace", POOL + ".kubernetes.target-ports", POOL + ".kubernetes.start-timeout");

        Map<String, Map<String, Object>> pool = new LinkedHashMap<>();
        properties().forEach((name, p) -> {
            if (name.startsWith(POOL + ".")) {
                pool.put(name, p);
            }
        });
        assertThat(pool.keySet()).as("pool entries of the metadata").containsExactlyInAnyOrderElementsOf(expected.keySet());
        for (Expected e : expected.values()) {
            Map<String, Object> p = pool.get(e.name);
            assertThat(p.get("type")).as(e.name + " type").isEqualTo(e.type);
            assertThat((String) p.get("description")).as(e.name + " description").isEqualTo(e.description).isNotBlank();
            assertDefault(e, p.get("defaultValue"));
        }
    }

    @Test
    void nestedGroupsAndValueHintsArePresent() {
        List<String> groups = metadata.read("$.groups[*].name");
        assertThat(groups).contains("podrouter", POOL, POOL + ".cold-start", POOL + ".outlier", POOL + ".kubernetes",
                POOL + ".static-pods[*]");
        List<String> strategies = metadata.read("$.hints[?(@.name == '" + POOL + ".strategies')].values[*].value");
        assertThat(strategies).containsExactlyElementsOf(PoolFactory.STRATEGY_NAMES);
        List<String> engines = metadata.read("$.hints[?(@.name == '" + POOL + ".engine')].values[*].value");
        assertThat(engines).containsExactly("vllm", "sglang");
    }

    /** One metadata entry the code implies. */
    private record Expected(String name, String type, String description, Object javaDefault) {
    }

    /** Leaf properties of {@code type} below {@code prefix}, recursing into the nested classes of the properties. */
    private static void collect(String prefix, Class<?> type, Object instance, Map<String, String> javadoc,
                                Map<String, Expected> out) throws Exception {
        for (PropertyDescriptor d : BeanUtils.getPropertyDescriptors(type)) {
            Method getter = d.getReadMethod();
            if (getter == null || d.getWriteMethod() == null) {
                continue;
            }
            String name = prefix + "." + kebab(d.getName());
            Object value = getter.invoke(instance);
            ResolvableType rt = ResolvableType.forMethodReturnType(getter);
            Class<?> raw = Objects.requireNonNull(rt.resolve());
            if (raw.getEnclosingClass() == PodRouterProperties.class) {
                collect(name, raw, Objects.requireNonNull(value), javadoc, out);
            } else if (List.class.isAssignableFrom(raw) && rt.getGeneric(0).resolve() == PodRouterProperties.StaticPod.class) {
                collect(prefix + "." + kebab(d.getName()) + "[*]", PodRouterProperties.StaticPod.class,
                        new PodRouterProperties.StaticPod(), javadoc, out);
            } else {
                String doc = javadoc.get(type.getSimpleName() + "." + d.getName());
                assertThat(doc).as("Javadoc of the field " + type.getSimpleName() + "." + d.getName()).isNotNull();
                out.put(name, new Expected(name, typeName(rt), doc, value));
            }
        }
    }

    /** The type name as Boot's processor writes it: boxed primitives, generics without spaces. */
    private static String typeName(ResolvableType rt) {
        Class<?> raw = Objects.requireNonNull(rt.resolve());
        if (raw.isPrimitive()) {
            return switch (raw.getName()) {
                case "int" -> "java.lang.Integer";
                case "boolean" -> "java.lang.Boolean";
                case "double" -> "java.lang.Double";
                case "long" -> "java.lang.Long";
                default -> throw new AssertionError("unexpected primitive " + raw);
            };
        }
        if (!rt.hasGenerics()) {
            return raw.getName();
        }
        List<String> args = new ArrayList<>();
        for (ResolvableType g : rt.getGenerics()) {
            args.add(typeName(g));
        }
        return raw.getName() + "<" + String.join(",", args) + ">";
    }

    private static void assertDefault(Expected e, Object meta) {
        Object java = e.javaDefault;
        if (java == null || (java instanceof java.util.Collection<?> c && c.isEmpty()) || (java instanceof Map<?, ?> m && m.isEmpty())
                || (e.name.endsWith(".port"))) {
            assertThat(meta).as(e.name + " has no default").isNull();
        } else if (java instanceof Duration d) {
            assertThat(meta).as(e.name + " default").isNotNull();
            assertThat(DurationStyle.detectAndParse(meta.toString())).as(e.name + " default").isEqualTo(d);
        } else if (java instanceof Number n) {
            assertThat(((Number) meta).doubleValue()).as(e.name + " default").isEqualTo(n.doubleValue());
        } else {
            assertThat(meta).as(e.name + " default").isEqualTo(java);
        }
    }

    /** Each field's Javadoc in PodRouterProperties.java, keyed {@code Class.field}, whitespace folded, {@code x} as x. */
    private static Map<String, String> fieldJavadoc() throws IOException {
        String src = Files.readString(SOURCE);
        Map<String, String> out = new LinkedHashMap<>();
        Matcher classes = Pattern.compile("public static class (\\w+) \\{").matcher(src);
        List<int[]> spans = new ArrayList<>();
        List<String> names = new ArrayList<>();
        while (classes.find()) {
            spans.add(new int[] {classes.start(), src.length()});
            names.add(classes.group(1));
        }
        for (int i = 0; i < spans.size(); i++) {
            int end = i + 1 < spans.size() ? spans.get(i + 1)[0] : src.length();
            Matcher f = FIELD.matcher(src.substring(spans.get(i)[0], end));
            while (f.find()) {
                String doc = String.join(" ", f.group(1).replace('*', ' ').trim().split("\\s+"));
                out.put(names.get(i) + "." + f.group(2), doc.replaceAll("\\{@(?:code|link) ([^}]*)}", "$1"));
            }
        }
        return out;
    }

    private static String kebab(String camel) {
        return camel.replaceAll("([A-Z])", "-$1").toLowerCase(Locale.ROOT);
    }
}
