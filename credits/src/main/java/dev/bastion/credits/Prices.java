package dev.bastion.credits;

import dev.bastion.security.db.Database;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Prices per model ({@code model:<stored name>}), per tool ({@code tool:<full name>}) and a {@code default}. Setting a
 * price appends a row (the history stays); the newest row of a subject is in force. Read prices are cached for a few
 * seconds, so a price set from the CLI while the server runs applies within that time.
 */
public final class Prices {

    public static final String DEFAULT = "default";
    private static final long CACHE_MILLIS = 5_000;

    private record Cached(Price price, long readAt) {}

    private final Database database;
    private final Clock clock;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    public Prices(Database database, Clock clock) {
        this.database = database;
        this.clock = clock;
    }

    public static String model(String storedModel) {
        return "model:" + storedModel;
    }

    public static String tool(String fullName) {
        return "tool:" + fullName;
    }

    public void set(Price price, String actor) {
        String subject = price.subject();
        if (!subject.equals(DEFAULT) && !subject.startsWith("model:") && !subject.startsWith("tool:")) {
            throw new IllegalArgumentException("a price is for 'default', 'model:NAME' or 'tool:NAME'");
        }
        try (Connection c = database.connection();
             PreparedStatement s = c.prepareStatement("INSERT INTO credit_prices (subject, prompt_per_1k, generated_per_1k,"
                     + " per_call, actor, created_at) VALUES (?, ?, ?, ?, ?, ?)")) {
            s.setString(1, subject);
            s.setLong(2, price.promptPer1k());
            s.setLong(3, price.generatedPer1k());
            s.setLong(4, price.perCall());
            s.setString(5, actor);
            s.setLong(6, clock.millis());
            s.executeUpdate();
        } catch (SQLException e) {
            throw new LedgerException("setting the price of " + subject + " failed: " + e.getMessage(), e);
        }
        cache.clear();
    }

    /** The price in force for a subject: its own, else the default, else {@link Price#BUILT_IN_DEFAULT}. */
    public Price of(String subject) {
        Price own = newest(subject);
        if (own != null) return own;
        Price fallback = newest(DEFAULT);
        Price base = fallback != null ? fallback : Price.BUILT_IN_DEFAULT;
        return new Price(subject, base.promptPer1k(), base.generatedPer1k(), base.perCall());
    }

    /** Every subject's price in force, by subject. */
    public List<Price> list() {
        List<Price> prices = new ArrayList<>();
        try (Connection c = database.connection();
             PreparedStatement s = c.prepareStatement("SELECT p.subject, p.prompt_per_1k, p.generated_per_1k, p.per_call"
                     + " FROM credit_prices p WHERE p.id = (SELECT MAX(q.id) FROM credit_prices q WHERE q.subject = p.subject)");
             ResultSet r = s.executeQuery()) {
            while (r.next()) prices.add(new Price(r.getString(1), r.getLong(2), r.getLong(3), r.getLong(4)));
        } catch (SQLException e) {
            throw new LedgerException("reading prices failed: " + e.getMessage(), e);
        }
        prices.sort(java.util.Comparator.comparing(Price::subject));
        return prices;
    }

    private Price newest(String subject) {
        long now = clock.millis();
        Cached cached = cache.get(subject);
        if (cached != null && now - cached.readAt() < CACHE_MILLIS) return cached.price();
        Price price = null;
        try (Connection c = database.connection();
             PreparedStatement s = c.prepareStatement("SELECT prompt_per_1k, generated_per_1k, per_call FROM credit_prices"
                     + " WHERE subject = ? ORDER BY id DESC")) {
            s.setString(1, subject);
            s.setMaxRows(1);
            try (ResultSet r = s.executeQuery()) {
                if (r.next()) price = new Price(subject, r.getLong(1), r.getLong(2), r.getLong(3));
            }
        } catch (SQLException e) {
            throw new LedgerException("reading the price of " + subject + " failed: " + e.getMessage(), e);
        }
        cache.put(subject, new Cached(price, now));
        return price;
    }
}
