package dev.cpt.common;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Sha256Test {

    // FIPS 180-2 test vector for "abc"
    private static final String ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    @Test
    void matchesTheStandardVector() {
        assertEquals(ABC, Sha256.hex("abc"));
        assertEquals(ABC, Sha256.hex(new byte[] {'a', 'b', 'c'}));
    }

    @Test
    void fileDigestEqualsTheDigestOfItsBytes(@TempDir Path tmp) throws IOException {
        byte[] big = new byte[200_000];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i * 31);
        }
        Path file = Files.write(tmp.resolve("f.bin"), big);
        assertEquals(Sha256.hex(big), Sha256.hex(file));
    }
}
