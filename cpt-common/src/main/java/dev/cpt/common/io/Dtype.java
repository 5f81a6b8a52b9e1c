package dev.cpt.common.io;

import java.util.Arrays;

/**
 * The safetensors element types this project reads and writes; the name is the header's {@code dtype} string, the
 * torch name the one {@code config.json}'s {@code torch_dtype} and {@code transformers} use.
 */
public enum Dtype {
    F32(4, "float32"),
    F16(2, "float16"),
    BF16(2, "bfloat16");

    private final int bytes;
    private final String torchName;

    Dtype(int bytes, String torchName) {
        this.bytes = bytes;
        this.torchName = torchName;
    }

    /** {@code float32}, {@code float16} or {@code bfloat16}. */
    public String torchName() {
        return torchName;
    }

    /** The dtype {@code transformers} calls {@code name} (case-insensitive), or {@code null} for another one. */
    public static Dtype fromTorchName(String name) {
        return Arrays.stream(values())
                .filter(d -> d.torchName.equalsIgnoreCase(name))
                .findFirst()
                .orElse(null);
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
