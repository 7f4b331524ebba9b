package dev.bastion.api;

import java.util.List;

/** The models this server stores and the ones its scheduler has in memory, by stored name ({@code name:tag}). */
public interface LocalModels {

    LocalModels NONE = new LocalModels() {
        @Override
        public List<String> held() {
            return List.of();
        }

        @Override
        public List<ModelScheduler.LoadedModel> loaded() {
            return List.of();
        }
    };

    /** Every model in this server's store, whoever owns it. */
    List<String> held();

    /** The models loaded now, with their requests in flight or waiting. */
    List<ModelScheduler.LoadedModel> loaded();
}
