package dev.cpt.service;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

@ConfigMapping(prefix = "cpt.store")
public interface StoreConfig {
    /** Root directory of the checkpoint store (env CPT_STORE_ROOT); trainer writes below it, eval reads. */
    @WithDefault(".cpt/checkpoints")
    String root();
}
