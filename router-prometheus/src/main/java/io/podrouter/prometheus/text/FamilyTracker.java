package io.podrouter.prometheus.text;

import org.jspecify.annotations.Nullable;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Which family each sample belongs to: the types declared by {@code # TYPE} lines, and the current
 * family, found from a sample's name and the suffixes its type allows ({@code _bucket}, {@code _sum},
 * {@code _count}, ...); a sample of no declared family is a family of its own, {@code UNTYPED}.
 *
 * <p>Not thread-safe; owned by one {@link PrometheusTextParser} and {@link #reset} at every parse.
 */
final class FamilyTracker {

    private final ByteStringCache strings;
    private final Map<String, MetricType> declared = new HashMap<>();
    /** The current family; null before the first TYPE line or sample of a parse. */
    @Nullable String name;
    @Nullable MetricType type;
    private byte[] familyBytes = new byte[64];
    private int familyLength;

    FamilyTracker(ByteStringCache strings) {
        this.strings = strings;
    }

    /** Forgets the families of the previous parse. */
    void reset() {
        declared.clear();
        name = null;
        type = null;
    }

    /** Records a TYPE line and makes its family current; returns the type declared before for {@code family}, or null. */
    @Nullable MetricType declare(String family, MetricType familyType) {
        MetricType previous = declared.putIfAbsent(family, familyType);
        setFamily(family, familyType);
        setFamilyBytesFromName(family);
        return previous;
    }

    /**
     * Finds the family of the sample named {@code buf[start, end)} and makes it current; returns the
     * sample's suffix relative to it. The current family is tried first without decoding the name,
     * since the samples of one family stand together.
     */
    Suffix resolve(byte[] buf, int start, int end) {
        if (name != null && end - start >= familyLength
                && Arrays.equals(familyBytes, 0, familyLength, buf, start, start + familyLength)) {
            Suffix s = Suffix.exactly(buf, start + familyLength, end);
            if (s != null && type.allows(s)) {
                return s;
            }
        }
        String sampleName = strings.get(buf, start, end);
        MetricType declaredType = declared.get(sampleName);
        if (declaredType != null && declaredType.allows(Suffix.NONE)) {
            setFamily(sampleName, declaredType);
            setFamilyBytesFromBuffer(buf, start, end);
            return Suffix.NONE;
        }
        Suffix s = Suffix.endOf(buf, start, end);
        if (s != null) {
            int baseEnd = end - s.text().length();
            String base = strings.get(buf, start, baseEnd);
            MetricType baseType = declared.get(base);
            if (baseType != null && baseType.allows(s)) {
                setFamily(base, baseType);
                setFamilyBytesFromBuffer(buf, start, baseEnd);
                return s;
            }
        }
        setFamily(sampleName, declaredType == null ? MetricType.UNTYPED : declaredType);
        setFamilyBytesFromBuffer(buf, start, end);
        return Suffix.NONE;
    }

    private void setFamily(String familyName, MetricType familyType) {
        name = familyName;
        type = familyType;
    }

    private void setFamilyBytesFromBuffer(byte[] buf, int start, int end) {
        int n = end - start;
        if (familyBytes.length < n) {
            familyBytes = new byte[Math.max(n, familyBytes.length * 2)];
        }
        System.arraycopy(buf, start, familyBytes, 0, n);
        familyLength = n;
    }

    private void setFamilyBytesFromName(String familyName) {
        byte[] bytes = familyName.getBytes(StandardCharsets.UTF_8);
        if (familyBytes.length < bytes.length) {
            familyBytes = new byte[Math.max(bytes.length, familyBytes.length * 2)];
        }
        System.arraycopy(bytes, 0, familyBytes, 0, bytes.length);
        familyLength = bytes.length;
    }
}
