package dev.bastion.security;

import dev.bastion.security.db.TestPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Several nodes writing audit records against one PostgreSQL: one chain and one anchor per node. */
class AuditChainsTest {

    @TempDir
    Path dir;

    private static Map<String, String> as(Map<String, String> env, String node) {
        Map<String, String> own = new HashMap<>(env);
        if (node != null) own.put(SecurityServices.ENV_NODE_NAME, node);
        return own;
    }

    @Test
    void twoNodesInterleavingOnOneDatabaseEachKeepAChainThatVerifiesAndRestartsWithoutGaps() throws Exception {
        Map<String, String> env = TestPostgres.shared().freshEnvironment(Files.createDirectories(dir.resolve("scratch")));
        SecurityServices a = SecurityServices.open(dir.resolve("a"), as(env, "node-a"));
        SecurityServices b = SecurityServices.open(dir.resolve("b"), as(env, "node-b"));
        for (int i = 1; i <= 6; i++) {
            (i % 2 == 0 ? a : b).audit().append(AuditEvent.of("alice", "key.create", "key-" + i, "success"));
            (i % 3 == 0 ? b : a).audit().append(AuditEvent.of("bob", "user.create", "u-" + i, "success"));
        }
        // a restart of each reconciles its log with its own anchor: nothing reads as a gap
        SecurityServices a2 = SecurityServices.open(dir.resolve("a"), as(env, "node-a"));
        SecurityServices b2 = SecurityServices.open(dir.resolve("b"), as(env, "node-b"));
        a2.recoverAudit();
        b2.recoverAudit();
        b2.audit().append(AuditEvent.of("carol", "key.revoke", "key-1", "success"));

        assertThat(a2.nodeName()).isEqualTo("node-a");
        assertThat(SecurityServices.verifyAudit(dir.resolve("a"), as(env, "node-a")).describe()).isEqualTo("ok, 7 records");
        assertThat(SecurityServices.verifyAudit(dir.resolve("b"), as(env, "node-b")).describe()).isEqualTo("ok, 6 records");
        assertThat(Files.readString(a2.audit().file()) + Files.readString(b2.audit().file()))
                .doesNotContain(AuditLog.GAP_ACTION).doesNotContain(AuditLog.REPAIR_ACTION);
        assertThat(anchors(env)).containsExactlyInAnyOrder("node-a:7", "node-b:6");

        // tampering with one chain is named there, and the other chain still verifies
        List<String> lines = Files.readAllLines(b2.audit().file());
        lines.set(2, lines.get(2).replace("\"alice\"", "\"mallory\"").replace("\"bob\"", "\"mallory\""));
        Files.write(b2.audit().file(), lines);
        AuditLog.VerificationResult broken = b2.verifyAudit();
        assertThat(broken.ok()).isFalse();
        assertThat(broken.badLine()).isEqualTo(3);
        assertThat(broken.describe()).contains("edited");
        assertThat(a2.verifyAudit().ok()).isTrue();

        // one node's log verified against another node's anchor does not pass: the chains are distinct
        assertThat(SecurityServices.verifyAudit(dir.resolve("a"), as(env, "node-b")).ok()).isFalse();
    }

    @Test
    void withoutANodeNameTheChainIsLocalAsOnOneMachineAndAHostileNameIsRefused() throws Exception {
        Map<String, String> env = TestPostgres.shared().freshEnvironment(Files.createDirectories(dir.resolve("scratch")));
        SecurityServices single = SecurityServices.open(dir.resolve("s"), as(env, null));
        single.audit().append(AuditEvent.of("alice", "key.create", "k", "success"));
        assertThat(single.nodeName()).isEqualTo(AuditAnchor.LOCAL);
        assertThat(single.verifyAudit().describe()).isEqualTo("ok, 1 records");
        assertThat(anchors(env)).containsExactly("local:1");

        for (String hostile : List.of("A", "../x", "node a", "x'; DROP TABLE audit_anchor; --", "-x", "n".repeat(65), "é")) {
            assertThatThrownBy(() -> SecurityServices.open(dir.resolve("h"), as(env, hostile)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("node name");
            assertThat(SecurityServices.verifyAudit(dir.resolve("h"), as(env, hostile)).describe()).contains("BASTION_NODE_NAME");
        }
        assertThat(anchors(env)).containsExactly("local:1");
    }

    /** node:seq of every anchor row, read as the database holds them. */
    private static List<String> anchors(Map<String, String> env) throws Exception {
        String url = env.get(dev.bastion.security.db.DatabaseConfig.ENV_URL);
        try (Connection c = java.sql.DriverManager.getConnection(url, TestPostgres.APP_USER, TestPostgres.APP_PASSWORD);
             Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT node, seq FROM audit_anchor ORDER BY node")) {
            List<String> rows = new java.util.ArrayList<>();
            while (r.next()) rows.add(r.getString(1) + ":" + r.getLong(2));
            return rows;
        }
    }
}
