package dev.cpt.contracts.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MetricsTest {

    @Test
    void allListsEveryConstantOnce() throws IllegalAccessException {
        List<Metric> constants = new ArrayList<>();
        for (Field f : Metrics.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == Metric.class) {
                constants.add((Metric) f.get(null));
            }
        }
        assertEquals(constants.size(), Metrics.ALL.size(), "Metrics.ALL misses a constant or lists one twice");
        assertEquals(new HashSet<>(constants), new HashSet<>(Metrics.ALL));
    }

    @Test
    void namesAndPrometheusSeriesAreUnique() {
        Set<String> names = new HashSet<>();
        Set<String> series = new HashSet<>();
        for (Metric m : Metrics.ALL) {
            assertTrue(names.add(m.name()), m.name() + " is named twice");
            m.prometheusNames().forEach(s -> assertTrue(series.add(s), s + " is exported by two meters"));
        }
    }

    @Test
    void prometheusNamesFollowTheKind() {
        assertEquals(List.of("cpt_ingest_rejects_total"), Metrics.INGEST_REJECTS.prometheusNames());
        assertEquals("cpt_mixer_weight", Metrics.MIXER_WEIGHT.prometheusName());
        assertEquals(
                List.of(
                        "cpt_reward_latency_seconds_count",
                        "cpt_reward_latency_seconds_sum",
                        "cpt_reward_latency_seconds_max"),
                Metrics.REWARD_LATENCY.prometheusNames());
        assertEquals("cpt_reward_score_max", Metrics.REWARD_SCORE.max());
        assertEquals("cpt_ingest_quality_bucket", Metrics.INGEST_QUALITY.bucket());
        assertEquals(
                "kafka_consumer_fetch_manager_records_lag_max",
                Metrics.KAFKA_CONSUMER_RECORDS_LAG_MAX.prometheusName());
    }

    @Test
    void askingForASeriesTheKindDoesNotExportFails() {
        assertThrows(IllegalStateException.class, Metrics.TRAINER_CHECKPOINT_WRITE::prometheusName);
        assertThrows(IllegalStateException.class, Metrics.REWARD_SCORE::bucket);
        assertThrows(IllegalStateException.class, Metrics.TRAINER_LOSS::count);
    }

    @Test
    void rejectsNamesMicrometerWouldRewrite() {
        assertThrows(IllegalArgumentException.class, () -> Metric.counter("cpt.ingest.rejects_total"));
        assertThrows(IllegalArgumentException.class, () -> Metric.gauge("Cpt.Loss"));
    }
}
