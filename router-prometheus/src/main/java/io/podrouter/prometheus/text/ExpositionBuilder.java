package io.podrouter.prometheus.text;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Collects a whole document for {@link PrometheusTextParser#parseExposition}: families in order of first
 * appearance, a family repeated further down merged into the first, HELP text kept. Not thread-safe; one
 * per parse.
 */
final class ExpositionBuilder implements SampleVisitor {

    private final Map<String, FamilyDraft> families = new LinkedHashMap<>();

    private FamilyDraft draft(String name, MetricType type) {
        return families.computeIfAbsent(name, n -> new FamilyDraft(type));
    }

    @Override
    public void type(String familyName, MetricType type) {
        draft(familyName, type).type = type;
    }

    @Override
    public boolean wantsHelp() {
        return true;
    }

    @Override
    public void help(String familyName, String text) {
        draft(familyName, MetricType.UNTYPED).help = text;
    }

    @Override
    public void sample(SampleView s) {
        Map<String, String> labels;
        int n = s.labelCount();
        if (n == 0) {
            labels = Map.of();
        } else {
            LinkedHashMap<String, String> m = new LinkedHashMap<>(n * 2);
            for (int i = 0; i < n; i++) {
                m.put(s.labelName(i), s.labelValue(i));
            }
            labels = Collections.unmodifiableMap(m);
        }
        draft(s.familyName(), s.type()).samples.add(
                new Sample(s.name(), labels, s.value(), s.hasTimestamp() ? s.timestampMillis() : Sample.NO_TIMESTAMP));
    }

    Exposition build() {
        List<MetricFamily> out = new ArrayList<>(families.size());
        families.forEach((name, d) -> out.add(new MetricFamily(name, d.type, d.help, d.samples)));
        return new Exposition(out);
    }

    /** A family while its samples are being collected. */
    private static final class FamilyDraft {
        MetricType type;
        String help = "";
        final List<Sample> samples = new ArrayList<>();

        FamilyDraft(MetricType type) {
            this.type = type;
        }
    }
}
