package dev.cpt.kafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The embedded broker's TLS material, made once per data directory with the JDK's own {@code keytool}: a self-signed
 * key pair for {@code localhost} (PKCS12 keystore) and a truststore (PKCS12) that trusts it, both under one random
 * password kept beside them. A restart on the same directory reuses them.
 */
record TlsMaterial(Path keystore, Path truststore, String password) {
    private static final String KEYSTORE = "broker.p12";
    private static final String TRUSTSTORE = "truststore.p12";
    private static final String PASSWORD = "store-password";
    private static final String PASSWORD_ENV = "CPT_TLS_STORE_PASSWORD";

    static TlsMaterial createOnce(Path dir) {
        Path keystore = dir.resolve(KEYSTORE);
        Path truststore = dir.resolve(TRUSTSTORE);
        Path passwordFile = dir.resolve(PASSWORD);
        try {
            if (Files.isRegularFile(truststore) && Files.isRegularFile(passwordFile)) {
                return new TlsMaterial(keystore, truststore, Files.readString(passwordFile, StandardCharsets.UTF_8));
            }
            Files.createDirectories(dir);
            for (Path stale : List.of(keystore, truststore, dir.resolve("broker.crt"), passwordFile)) {
                Files.deleteIfExists(stale);
            }
            byte[] random = new byte[18];
            new SecureRandom().nextBytes(random);
            String password = HexFormat.of().formatHex(random);
            Path certificate = dir.resolve("broker.crt");
            keytool(
                    password,
                    "-genkeypair",
                    "-alias",
                    "broker",
                    "-keyalg",
                    "EC",
                    "-groupname",
                    "secp256r1",
                    "-dname",
                    "CN=localhost",
                    "-ext",
                    "SAN=dns:localhost,ip:127.0.0.1",
                    "-validity",
                    "3650",
                    "-storetype",
                    "PKCS12",
                    "-keystore",
                    keystore.toString(),
                    "-storepass:env",
                    PASSWORD_ENV);
            keytool(
                    password,
                    "-exportcert",
                    "-rfc",
                    "-alias",
                    "broker",
                    "-storetype",
                    "PKCS12",
                    "-keystore",
                    keystore.toString(),
                    "-storepass:env",
                    PASSWORD_ENV,
                    "-file",
                    certificate.toString());
            keytool(
                    password,
                    "-importcert",
                    "-noprompt",
                    "-alias",
                    "cpt-embedded-broker",
                    "-file",
                    certificate.toString(),
                    "-storetype",
                    "PKCS12",
                    "-keystore",
                    truststore.toString(),
                    "-storepass:env",
                    PASSWORD_ENV);
            Files.writeString(passwordFile, password, StandardCharsets.UTF_8);
            ownerOnly(passwordFile);
            ownerOnly(keystore);
            return new TlsMaterial(keystore, truststore, password);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make the broker's TLS material in " + dir, e);
        }
    }

    private static void keytool(String password, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put(PASSWORD_ENV, password);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                throw new IllegalStateException("keytool " + args[0] + " failed:\n" + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running keytool", e);
        }
    }

    static void ownerOnly(Path file) throws IOException {
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException notPosix) {
            // a file system without POSIX permissions: the data directory's own protection applies
        }
    }
}
