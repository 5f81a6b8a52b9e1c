package dev.cpt.e2e.interop;

import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A stock Kafka producer, as a user's upstream system would run it: {@code main(bootstrap, topic, codec, n)} sends
 * {@code n} raw documents as JSON text with {@code compression.type=codec}, flushes, and exits 0 when the broker
 * acknowledged every one (1 and the error otherwise). It runs in a JVM of its own whose class path is kafka-clients,
 * its compression libraries and slf4j-api only (see e2e-tests' pom), so it may use nothing else: no project class, no
 * JSON library.
 *
 * <p>Document {@code i} has the id {@code interop-<codec>-<i>} (a failure names its codec) and a text of random words
 * seeded by that id: every text passes ingest's quality rules and none is a near-duplicate of another.
 */
public final class PlainProducer {
    static final String DOMAIN = "geology";
    private static final int WORDS = 80;
    private static final String[] VOCABULARY = {
        "granite",
        "basalt",
        "quartz",
        "feldspar",
        "mica",
        "magma",
        "lava",
        "crust",
        "mantle",
        "plate",
        "fault",
        "valley",
        "river",
        "glacier",
        "moraine",
        "sediment",
        "sandstone",
        "limestone",
        "shale",
        "slate",
        "marble",
        "mineral",
        "crystal",
        "erosion",
        "weathering",
        "volcano",
        "island",
        "ridge",
        "trench",
        "ocean",
        "coast",
        "delta",
        "canyon",
        "plateau",
        "summit",
        "boulder",
        "pebble",
        "gravel",
        "clay",
        "silt",
        "fossil",
        "layer",
        "stratum",
        "outcrop",
        "quarry",
        "cavern",
        "spring",
        "geyser",
        "pressure",
        "heat",
        "cooling",
        "melting",
        "uplift",
        "folding",
        "thrust",
        "basin",
        "desert",
        "dune",
        "wind",
        "rain",
        "frost",
        "ancient",
        "young",
        "slowly",
        "deep",
        "shallow",
        "northern",
        "southern",
        "eastern",
        "western",
        "formed",
        "carried",
        "buried",
        "exposed",
        "shaped",
        "cracked",
        "polished",
        "layered",
        "grains",
        "veins"
    };

    private PlainProducer() {}

    public static void main(String[] args) {
        if (args.length != 4) {
            System.err.println("usage: PlainProducer <bootstrap> <topic> <none|gzip|snappy|lz4|zstd> <n>");
            System.exit(2);
        }
        String codec = args[2];
        int n = Integer.parseInt(args[3]);
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, codec);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        // one batch per partition for all n records, so that the codec compresses several records together
        props.put(ProducerConfig.LINGER_MS_CONFIG, "50");
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "15000");
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "30000");
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        try (var producer = new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < n; i++) {
                String id = id(codec, i);
                sent.add(producer.send(new ProducerRecord<>(args[1], id, json(id, text(id)))));
            }
            producer.flush();
            for (Future<RecordMetadata> f : sent) {
                f.get();
            }
        } catch (ExecutionException e) {
            System.err.println("the broker refused a " + codec + " batch: " + e.getCause());
            System.exit(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            System.exit(1);
        }
        System.out.println("sent " + n + " " + codec + " records");
    }

    /** The id of document {@code i} sent with {@code codec}. */
    public static String id(String codec, int i) {
        return "interop-" + codec + "-" + i;
    }

    private static String text(String id) {
        Random random = new Random(id.hashCode());
        StringBuilder text = new StringBuilder("Document ").append(id).append(':');
        for (int w = 0; w < WORDS; w++) {
            text.append(' ').append(VOCABULARY[random.nextInt(VOCABULARY.length)]);
        }
        return text.append('.').toString();
    }

    /** The raw document as JSON; ids and texts are letters, digits, '-', ':', '.' and spaces, nothing to escape. */
    private static String json(String id, String text) {
        return "{\"id\":\"" + id + "\",\"domain\":\"" + DOMAIN + "\",\"text\":\"" + text + "\",\"source\":\"plain-"
                + "kafka-producer\"}";
    }
}
