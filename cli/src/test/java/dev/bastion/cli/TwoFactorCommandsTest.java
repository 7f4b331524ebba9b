package dev.bastion.cli;

import dev.bastion.security.Role;
import dev.bastion.security.SecurityServices;
import dev.bastion.security.User;
import dev.bastion.web.Sessions;
import dev.bastion.web.account.Totp;
import dev.bastion.web.account.TwoFactor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code bastion users totp-off}: the way back for a user who lost both the phone and the recovery codes. */
class TwoFactorCommandsTest {

    @TempDir
    Path home;

    @Test
    void totpOffTurnsTheSecondFactorOffSignsTheUserOutAndIsAudited() {
        SecurityServices services = SecurityServices.open(home, Map.of());
        User alice = services.users().create("alice", Role.USER);
        User bob = services.users().create("bob", Role.USER);
        Clock clock = Clock.systemUTC();
        TwoFactor twoFactor = new TwoFactor(services.database(), services.secrets(), clock);
        for (User user : new User[]{alice, bob}) {
            String secret = twoFactor.begin(user.id(), user.name()).orElseThrow().secret();
            assertThat(twoFactor.confirm(user.id(), Totp.codeAt(secret, clock.millis()))).isPresent();
        }
        Sessions sessions = new Sessions(services.database(), clock, Sessions.DEFAULT_IDLE, Sessions.DEFAULT_ABSOLUTE);
        String session = sessions.create(alice.id()).id();
        String bobs = sessions.create(bob.id()).id();

        CliRun off = CliRun.run(home, new UsersCommand.TotpOff(), "alice");
        assertThat(off.exit()).as(off.err()).isZero();
        assertThat(off.out()).contains("turned off");
        assertThat(twoFactor.isEnabled(alice.id())).isFalse();
        assertThat(twoFactor.isEnabled(bob.id())).as("only the named user").isTrue();
        assertThat(sessions.find(session)).isEmpty();
        assertThat(sessions.find(bobs)).isPresent();
        assertThat(CliRun.run(home, new UsersCommand.TotpOff(), "alice").out()).contains("no two-factor sign-in was on");
        assertThat(CliRun.run(home, new UsersCommand.TotpOff(), "ghost").exit()).isEqualTo(1);
    }

    @Test
    void serveRefusesToStartWithAMistypedPolicy() {
        java.io.StringWriter err = new java.io.StringWriter();
        int exit = new picocli.CommandLine(new ServeCommand(Map.of("BASTION_HOME", home.toString(), "BASTION_REQUIRE_2FA", "admins")))
                .setErr(new java.io.PrintWriter(err, true)).execute("--host", "127.0.0.1:0");
        assertThat(exit).isEqualTo(1);
        assertThat(err.toString()).contains("BASTION_REQUIRE_2FA must be admin, all or none");
    }

    @Test
    void itIsAudited() throws Exception {
        SecurityServices.open(home, Map.of()).users().create("carol", Role.USER);
        assertThat(CliRun.run(home, new UsersCommand.TotpOff(), "carol").exit()).isZero();
        assertThat(Files.readString(home.resolve("audit.log"))).contains("\"user.totp_off\"").contains("carol");
    }
}
