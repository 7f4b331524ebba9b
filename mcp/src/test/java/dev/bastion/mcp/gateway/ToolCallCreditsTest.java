package dev.bastion.mcp.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bastion.credits.Accounts;
import dev.bastion.credits.Credits;
import dev.bastion.credits.CreditsConfig;
import dev.bastion.credits.Price;
import dev.bastion.credits.Prices;
import dev.bastion.mcp.ToolUser;
import dev.bastion.mcp.Workspaces;
import dev.bastion.mcp.testing.TestSources;
import dev.bastion.security.Role;
import dev.bastion.security.SecurityServices;
import dev.bastion.security.User;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Tool calls cost their per-call price: reserved before the call, charged once it ran, refused without cover. */
class ToolCallCreditsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path home;

    SecurityServices security;
    Credits credits;
    McpGateway gateway;
    ToolUser alice;
    ToolUser root;

    @BeforeEach
    void open() {
        security = SecurityServices.open(home, Map.of());
        alice = user(security.users().create("alice", Role.USER));
        root = user(security.users().create("root", Role.ADMIN));
        credits = new Credits(security.database(), CreditsConfig.DEFAULT, true, Clock.systemUTC());
        gateway = McpGateways.create(security, List.of(new TestSources.Echo("files")), GatewaySettings.defaults(), credits);
    }

    private ToolUser user(User user) {
        return new ToolUser(user.id(), user.name(), user.role(), new Workspaces(home).of(user.name()));
    }

    @AfterEach
    void close() {
        gateway.close();
        credits.close();
    }

    @Test
    void aPricedToolIsChargedPerCallAndRefusedWithoutCover() throws Exception {
        CallContext context = new CallContext("r-1", "test", null, null);
        var arguments = JSON.readTree("{\"text\":\"hi\"}");
        assertThat(gateway.call(alice, "files__say", arguments, context).isError()).as("free by default").isFalse();

        credits.prices().set(new Price(Prices.tool("files__say"), 0, 0, 3), "root");
        credits.ledger().grant(alice.userId(), 5, "g", "root", null);
        assertThat(gateway.call(alice, "files__say", arguments, context).isError()).isFalse();
        assertThat(credits.ledger().balanceOfUser(alice.userId())).isEqualTo(2);
        assertThat(credits.ledger().balance(Accounts.revenue(Prices.tool("files__say")))).isEqualTo(3);

        assertThatThrownBy(() -> gateway.call(alice, "files__say", arguments, context))
                .isInstanceOfSatisfying(ToolRefusal.class,
                        r -> assertThat(r.reason()).isEqualTo(ToolRefusal.Reason.INSUFFICIENT_CREDITS));
        assertThat(credits.ledger().balanceOfUser(alice.userId())).isEqualTo(2);
        assertThat(Files.readString(security.audit().file())).contains("insufficient_credits");

        assertThat(gateway.call(root, "files__say", arguments, context).isError()).as("admins are free").isFalse();
        assertThat(credits.ledger().openReservations(null)).isEmpty();
        assertThat(credits.ledger().verify().problems()).isEmpty();
    }
}
