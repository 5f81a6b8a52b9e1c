package dev.cpt.common.io;

import java.util.Arrays;

/** The safetensors element types this project reads and writes; the name is the header's {@code dtype} string. */
public enum Dtype {
    F32(4),
    F16(2),
    BF16(2);

    private final int bytes;

    Dtype(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    /** The dtype a header names, or {@code null} for one this project cannot read (F64, I64, F8_E4M3, ...). */
    public static Dtype fromHeader(String name) {
        return Arrays.stream(values())
                .filter(d -> d.name().equals(name))
                .findFirst()
                .orElse(null);
    }
}
