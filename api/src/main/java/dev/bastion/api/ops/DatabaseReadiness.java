package dev.bastion.api.ops;

import dev.bastion.api.ServerModule;
import dev.bastion.api.ServerServices;
import dev.bastion.security.db.Database;
import io.javalin.config.JavalinConfig;

import java.sql.Connection;

/** Adds the readiness check {@code database}: a connection can be had and answers within a second. No routes. */
public final class DatabaseReadiness implements ServerModule {

    private final Database database;

    public DatabaseReadiness(Database database) {
        this.database = database;
    }

    @Override
    public void bind(ServerServices services) {
        services.readiness().add("database", () -> {
            try (Connection c = database.connection()) {
                return c.isValid(1);
            }
        });
    }

    @Override
    public void register(JavalinConfig config) {
    }
}
