package dev.bastion.credits;

import dev.bastion.security.db.Database;
import dev.bastion.security.db.DatabaseConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import java.time.Instant;

/** What the ledger's contracts share: a ledger on a fresh database of the subclass's kind, per test. */
abstract class LedgerFixture {

    static final long ALICE = 7;

    Database database;
    Ledger ledger;

    protected abstract DatabaseConfig freshDatabase();

    @BeforeEach
    void open() {
        database = Database.open(freshDatabase());
        ledger = new Ledger(database);
    }

    @AfterEach
    void close() {
        ledger.close();
        database.close();
    }

    /** An expiry no test outlives. */
    static Instant later() {
        return Instant.now().plusSeconds(3600);
    }
}
