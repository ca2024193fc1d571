package io.podrouter.extproc;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;

/**
 * A self-signed certificate made at start with the JDK's {@code keytool} (an EC P-256 key, valid for ten years,
 * CN {@code podrouter-extproc}, SANs {@code localhost} and {@code 127.0.0.1}), so the picker serves TLS without
 * BouncyCastle and without a certificate given to it, as llm-d's picker does without {@code --cert-path}. Envoy's
 * ext_proc cluster then uses TLS without verifying the peer, which is what such a certificate is for: encryption
 * inside the cluster, not identity.
 */
final class SelfSignedCertificate {

    private static final String ALIAS = "podrouter-extproc";

    private SelfSignedCertificate() {
    }

    /**
     * Makes a key pair and certificate and returns them as key managers.
     *
     * @throws IOException when {@code keytool} is missing (a JRE without it) or fails; the message says which
     */
    static KeyManagerFactory generate() throws IOException, GeneralSecurityException, InterruptedException {
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        if (!Files.isExecutable(keytool)) {
            throw new IOException("keytool: not found at " + keytool
                    + " (expected: a JDK or JRE with keytool; or pass --cert-path, or --secure-serving=false)");
        }
        Path dir = Files.createTempDirectory("podrouter-extproc-tls");
        Path store = dir.resolve("self-signed.p12");
        char[] password = Long.toHexString(new java.security.SecureRandom().nextLong()).toCharArray();
        try {
            Process p = new ProcessBuilder(List.of(keytool.toString(), "-genkeypair", "-alias", ALIAS,
                    "-keyalg", "EC", "-groupname", "secp256r1", "-sigalg", "SHA256withECDSA", "-validity", "3650",
                    "-dname", "CN=podrouter-extproc", "-ext", "SAN=dns:localhost,ip:127.0.0.1",
                    "-storetype", "PKCS12", "-keystore", store.toString(),
                    "-storepass", new String(password), "-keypass", new String(password)))
                    .redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("keytool: no answer within 60 s");
            }
            if (p.exitValue() != 0) {
                throw new IOException("keytool: exit " + p.exitValue() + ": " + output.strip());
            }
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(store)) {
                ks.load(in, password);
            }
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, password);
            return kmf;
        } finally {
            Files.deleteIfExists(store);
            Files.deleteIfExists(dir);
        }
    }
}
