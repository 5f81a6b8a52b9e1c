package dev.cpt.common.io;

import java.util.Arrays;

/**
 * One tensor as a safetensors header describes it: its element type, shape and byte range {@code [begin, end)}
 * relative to the start of the file's data section.
 */
public record TensorEntry(String name, Dtype dtype, long[] shape, long begin, long end) {

    public long byteSize() {
        return end - begin;
    }

    public long elementCount() {
        return byteSize() / dtype.bytes();
    }

    @Override
    public String toString() {
        return name + " " + dtype + Arrays.toString(shape);
    }
}
